package shop.ledger.command.identity;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import javax.sql.DataSource;
import java.sql.SQLException;

/**
 * Statements that commit on their own, outside the request's transaction: failed attempts must count even though
 * the refused request rolls back everything else, and a consumed one-time code stays consumed.
 * <p>
 * They run on a small pool of their own beside the application's pool. Every state-changing request already
 * holds a connection of the main pool for its transaction (see {@code IdempotentRequestFilter}); taking a second
 * one from the same pool would let a burst of logins exhaust it with requests that each wait for a second
 * connection: a deadlock until the connection timeout. Statements here are single, short and never wait for
 * anything but row locks of {@code auth_failure} and {@code account.totp_last_step}, which no request's own
 * transaction holds.
 */
public final class IndependentJdbc implements AutoCloseable {

    static final int POOL_SIZE = 4;

    private final JdbcClient jdbc;
    private final HikariDataSource ownPool;

    private IndependentJdbc(JdbcClient jdbc, HikariDataSource ownPool) {
        this.jdbc = jdbc;
        this.ownPool = ownPool;
    }

    /** A small pool with the same settings as the application's Hikari pool, or (another pool) its connections
     * taken apart from the request's transaction. */
    public static IndependentJdbc beside(DataSource main) {
        HikariDataSource hikari = unwrapHikari(main);
        if (hikari != null) {
            HikariDataSource pool = new HikariDataSource();
            hikari.copyStateTo(pool);
            pool.setPoolName((hikari.getPoolName() == null ? "ledger" : hikari.getPoolName()) + "-auth");
            pool.setMaximumPoolSize(POOL_SIZE);
            pool.setMinimumIdle(0);
            return new IndependentJdbc(JdbcClient.create(pool), pool);
        }
        return standalone(main);
    }

    /**
     * Autocommit statements on the given data source, never joining a Spring transaction (the transaction
     * manager binds connections to the original data source, not to this wrapper). For tests and non-Hikari pools.
     */
    public static IndependentJdbc standalone(DataSource dataSource) {
        return new IndependentJdbc(JdbcClient.create(new DelegatingDataSource(dataSource)), null);
    }

    public JdbcClient jdbc() {
        return jdbc;
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
