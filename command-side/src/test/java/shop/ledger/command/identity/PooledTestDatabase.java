package shop.ledger.command.identity;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.db.OwnTransaction;

import javax.sql.DataSource;

/** The command-side test database through a connection pool (the embedded server's data source opens one per statement). */
final class PooledTestDatabase {

    private static HikariDataSource pool;

    private PooledTestDatabase() {
    }

    static synchronized DataSource dataSource() {
        if (pool == null) {
            pool = new HikariDataSource();
            pool.setDataSource(CommandTestDatabase.dataSource());
            pool.setPoolName("identity-tests");
            pool.setMaximumPoolSize(20);
        }
        return pool;
    }

    static JdbcClient jdbc() {
        return JdbcClient.create(dataSource());
    }

    static OwnTransaction ownTransaction() {
        return OwnTransaction.standalone(dataSource());
    }
}
