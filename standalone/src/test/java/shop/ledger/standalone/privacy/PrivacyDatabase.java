package shop.ledger.standalone.privacy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.testing.TestDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A PostgreSQL of its own for the plain-text scan, so that its data directory holds this scenario only and the
 * server logs every statement with its parameters into that directory ({@code log/}): whatever the ledger ever
 * sends to the database, values included, ends up in the bytes the scan reads.
 */
public class PrivacyDatabase implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static EmbeddedPostgres server;

    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                                         .setServerConfig("max_connections", "100")
                                         .setServerConfig("logging_collector", "on")
                                         .setServerConfig("log_directory", "log")
                                         .setServerConfig("log_statement", "all")
                                         .setServerConfig("log_min_error_statement", "error")
                                         .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the privacy test's PostgreSQL", e);
            }
        }
        return server;
    }

    /** Where the server keeps its files, as the server itself says. */
    static Path dataDirectory() {
        return Path.of(JdbcClient.create(server().getPostgresDatabase()).sql("SHOW data_directory")
                                 .query(String.class).single());
    }

    static JdbcClient superuser() {
        return JdbcClient.create(server().getPostgresDatabase());
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        // logging is set up by now (Spring Boot does it once per JVM): from here on every line goes to the file too
        CapturedLog.start();
        superuser().sql("CREATE DATABASE ledger_privacy").update();
        TestPropertyValues.of(
                "spring.datasource.url=" + server().getJdbcUrl("postgres", "ledger_privacy"),
                "spring.datasource.username=postgres",
                "ledger.data-dir=" + TestDatabase.newDataDir(),
                "ledger.admin.password=admin-password-for-tests"
        ).applyTo(context);
    }
}
