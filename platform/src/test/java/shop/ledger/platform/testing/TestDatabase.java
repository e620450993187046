package shop.ledger.platform.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import shop.ledger.platform.db.EmbeddedPostgresLauncher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real PostgreSQL for Spring Boot tests: one embedded server per test JVM (zonky's fast, non-durable
 * settings), and a fresh database and data directory for every application context, so cached contexts
 * never see each other's events, tokens or keys.
 */
public class TestDatabase implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            server = EmbeddedPostgresLauncher.forTests();
        }
        return server;
    }

    /** Creates an empty database and answers its JDBC URL. */
    public static String newDatabase() {
        String name = "ledger_test_" + DATABASES.incrementAndGet();
        try (Connection connection = server().getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return server().getJdbcUrl("postgres", name);
    }

    public static Path newDataDir() {
        try {
            return Files.createTempDirectory("ledger-test-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestPropertyValues.of(
                "spring.datasource.url=" + newDatabase(),
                "spring.datasource.username=postgres",
                "ledger.data-dir=" + newDataDir(),
                "ledger.admin.password=admin-password-for-tests"
        ).applyTo(context);
    }
}
