package shop.ledger.platform.db;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way to commit on one's own: work that commits whatever the caller's transaction does afterwards. For
 * facts that must outlive a rollback of the caller: a failed login attempt, a consumed one-time code, a claim taken
 * before an outside call, a refusal's stored answer, a run registered for another thread to see.
 * <p>
 * The work runs in a transaction of its own, committed when it returns, on a connection of a small pool of its own
 * beside the application's pool, and gets the only {@link JdbcClient} it may use: one bound to that pool, so it can
 * never join the caller's transaction by mistake. The pool is separate because every state-changing request
 * already holds a connection of the main pool for its transaction; taking a second one from the same pool would
 * let a burst of logins exhaust it with requests that each wait for a second connection, a deadlock until the
 * connection timeout. Work here is short and waits for nothing but row and advisory locks that no request's own
 * transaction holds (OwnTransactionTest).
 */
public final class OwnTransaction implements AutoCloseable {

    static final int POOL_SIZE = 4;

    private final JdbcClient jdbc;
    private final TransactionTemplate template;
    private final HikariDataSource ownPool;

    private OwnTransaction(DataSource connections, HikariDataSource ownPool) {
        this.jdbc = JdbcClient.create(connections);
        this.template = new TransactionTemplate(new DataSourceTransactionManager(connections));
        // a caller's own transaction, if any, is suspended too: nested work commits on its own as well
        this.template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.ownPool = ownPool;
    }

    /** A small pool with the same settings as the application's Hikari pool, or (another pool) {@link #standalone}. */
    public static OwnTransaction beside(DataSource main) {
        HikariDataSource hikari = unwrapHikari(main);
        if (hikari == null) {
            return standalone(main);
        }
        HikariDataSource pool = new HikariDataSource();
        hikari.copyStateTo(pool);
        pool.setPoolName((hikari.getPoolName() == null ? "ledger" : hikari.getPoolName()) + "-own");
        pool.setMaximumPoolSize(POOL_SIZE);
        pool.setMinimumIdle(0);
        return new OwnTransaction(pool, pool);
    }

    /**
     * Connections of the given data source itself, still never joining a transaction on it (the wrapper is another
     * key for Spring's transaction binding). For tests and non-Hikari pools.
     */
    public static OwnTransaction standalone(DataSource dataSource) {
        return new OwnTransaction(new DelegatingDataSource(dataSource), null);
    }

    /** Runs {@code work} in a transaction of its own and commits it; its result is returned once committed. */
    public <T> T call(Function<JdbcClient, T> work) {
        return template.execute(status -> work.apply(jdbc));
    }

    /** Runs {@code work} in a transaction of its own and commits it. */
    public void run(Consumer<JdbcClient> work) {
        template.executeWithoutResult(status -> work.accept(jdbc));
    }

    @Override
    public void close() {
        if (ownPool != null) {
            ownPool.close();
        }
    }

    private static HikariDataSource unwrapHikari(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource hikari) {
            return hikari;
        }
        try {
            return dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
        } catch (SQLException e) {
            return null;
        }
    }
}
