package shop.ledger.command.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.crypto.MasterKey;
import shop.ledger.platform.db.EmbeddedPostgresLauncher;

import javax.sql.DataSource;
import java.util.Base64;

/**
 * A real PostgreSQL with the ledger's Flyway schema for command-side tests that need the key vault or the
 * set-based tables next to an Axon fixture. One server per test JVM.
 */
public final class CommandTestDatabase {

    private static EmbeddedPostgres server;
    private static JdbcClient jdbc;

    private CommandTestDatabase() {
    }

    public static synchronized JdbcClient jdbc() {
        if (server == null) {
            server = EmbeddedPostgresLauncher.forTests();
            DataSource dataSource = server.getPostgresDatabase();
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            jdbc = JdbcClient.create(dataSource);
        }
        return jdbc;
    }

    public static DataSource dataSource() {
        jdbc();
        return server.getPostgresDatabase();
    }

    public static KeyVault vault() {
        String master = Base64.getEncoder().encodeToString(new byte[32]);
        return new KeyVault(jdbc(), new MasterKey(new LedgerProperties(null, "USD", master, null, null), jdbc()));
    }
}
