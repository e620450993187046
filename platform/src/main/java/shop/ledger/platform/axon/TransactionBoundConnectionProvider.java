package shop.ledger.platform.axon;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import javax.annotation.Nonnull;
import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Axon's JDBC components get the connection of the Spring transaction in progress, and may never end that
 * transaction themselves.
 * <p>
 * Axon's {@code UnitOfWorkAwareConnectionProviderWrapper} rolls back the connection it handed to a unit of work
 * when that unit of work rolls back, by calling {@link Connection#rollback()} on it directly. Its Spring provider
 * turns a commit of a transaction-bound connection into nothing, but not a rollback: on a request's connection that
 * ends the request's whole database transaction underneath it (its Idempotency-Key claim and every earlier
 * statement), while Spring still holds it as active and the request goes on in a new implicit transaction on the
 * same connection. Here such a rollback marks the Spring transaction rollback-only instead: whoever began it (the
 * request filter, or Axon's own transaction in a processor) rolls it back as a whole, and nothing commits a part.
 */
final class TransactionBoundConnectionProvider implements ConnectionProvider {

    private final DataSource dataSource;
    private final ConnectionProvider spring;

    TransactionBoundConnectionProvider(DataSource dataSource) {
        this.dataSource = dataSource;
        this.spring = new SpringDataSourceConnectionProvider(dataSource);
    }

    @Nonnull
    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = spring.getConnection();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    if ("rollback".equals(method.getName()) && (args == null || args.length == 0)
                        && markRollbackOnlyIfBound()) {
                        return null;
                    }
                    if ("equals".equals(method.getName()) && args != null && args.length == 1) {
                        return proxy == args[0];
                    }
                    if ("hashCode".equals(method.getName()) && (args == null || args.length == 0)) {
                        return System.identityHashCode(proxy);
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** True when a Spring transaction holds this data source's connection on this thread (now rollback-only). */
    private boolean markRollbackOnlyIfBound() {
        if (TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder holder
            && holder.isSynchronizedWithTransaction() && TransactionSynchronizationManager.isActualTransactionActive()) {
            holder.setRollbackOnly();
            return true;
        }
        return false;
    }
}
