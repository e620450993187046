package shop.ledger.platform.axon;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.AssociationValues;
import org.axonframework.modelling.saga.repository.SagaStore;

import java.sql.SQLException;
import java.util.Set;

import static org.axonframework.common.jdbc.JdbcUtils.executeQuery;

/**
 * The saga store, with a saga taken by one transaction at a time across every instance.
 * <p>
 * Axon locks a saga only within its JVM. With several command-side instances, one can run a saga's deadline (a status
 * poll) while another handles an event of the same saga: both load the saga, both change it, and the later commit
 * overwrites the earlier one's state (a poll count, a step taken). Loading a saga here first takes a PostgreSQL
 * advisory lock on its id for the rest of the loading transaction (the processor's batch, the deadline's unit of
 * work), so the second instance waits and then reads what the first committed. Within one JVM Axon's own lock is
 * taken first, so the database lock is never waited for twice.
 */
public final class SerializedSagaStore implements SagaStore<Object> {

    private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('saga:' || ?, 0))";

    private final SagaStore<Object> delegate;
    private final ConnectionProvider connections;

    public SerializedSagaStore(SagaStore<Object> delegate, ConnectionProvider connections) {
        this.delegate = delegate;
        this.connections = connections;
    }

    @Override
    public <S> Entry<S> loadSaga(Class<S> sagaType, String sagaIdentifier) {
        lock(sagaIdentifier);
        return delegate.loadSaga(sagaType, sagaIdentifier);
    }

    @Override
    public Set<String> findSagas(Class<?> sagaType, AssociationValue associationValue) {
        return delegate.findSagas(sagaType, associationValue);
    }

    @Override
    public void deleteSaga(Class<?> sagaType, String sagaIdentifier, Set<AssociationValue> associationValues) {
        delegate.deleteSaga(sagaType, sagaIdentifier, associationValues);
    }

    @Override
    public void insertSaga(Class<?> sagaType, String sagaIdentifier, Object saga,
                           Set<AssociationValue> associationValues) {
        delegate.insertSaga(sagaType, sagaIdentifier, saga, associationValues);
    }

    @Override
    public void updateSaga(Class<?> sagaType, String sagaIdentifier, Object saga, AssociationValues associationValues) {
        delegate.updateSaga(sagaType, sagaIdentifier, saga, associationValues);
    }

    private void lock(String sagaIdentifier) {
        try {
            executeQuery(connections.getConnection(), connection -> {
                var statement = connection.prepareStatement(LOCK);
                statement.setString(1, sagaIdentifier);
                return statement;
            }, resultSet -> null, e -> new IllegalStateException("could not lock saga " + sagaIdentifier, e));
        } catch (SQLException e) {
            throw new IllegalStateException("no connection to lock saga " + sagaIdentifier, e);
        }
    }
}
