package shop.ledger.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import shop.ledger.bench.ledger.BenchLedgerApplication;
import shop.ledger.platform.LedgerApplications;
import shop.ledger.platform.db.EmbeddedPostgresLauncher;
import shop.ledger.query.operations.ProjectionOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh durable PostgreSQL (the standalone's launcher: fsync, synchronous_commit and full_page_writes on)
 * in a new data directory, and the ledger on it in this JVM on a random port.
 */
final class LedgerUnderTest implements AutoCloseable {

    static final String ADMIN_PASSWORD = "bench-admin-password-" + Long.toHexString(System.nanoTime());

    private final EmbeddedPostgres postgres;
    private final ConfigurableApplicationContext context;
    private final String jdbcUrl;
    private final Thread shutdownHook = new Thread(this::stop, "bench-shutdown");
    private boolean closed;

    private LedgerUnderTest(EmbeddedPostgres postgres, ConfigurableApplicationContext context) {
        this.postgres = postgres;
        this.context = context;
        this.jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        // an interrupted run (Ctrl-C, timeout) still stops its PostgreSQL
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static LedgerUnderTest start(Path dataDir, List<String> extraProperties) {
        LedgerApplications.prepare();
        EmbeddedPostgres postgres = EmbeddedPostgresLauncher.durable(dataDir);
        try {
            List<String> args = new ArrayList<>(List.of(
                    "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                    "--spring.datasource.username=postgres",
                    "--server.port=0",
                    "--ledger.data-dir=" + dataDir,
                    "--ledger.admin.password=" + ADMIN_PASSWORD,
                    // tokens outlive the longest run, so no phase pays for a login in its measured window
                    "--ledger.token-ttl=3h",
                    "--spring.main.banner-mode=off",
                    "--logging.level.root=WARN"));
            args.addAll(extraProperties);
            ConfigurableApplicationContext context = new SpringApplicationBuilder(BenchLedgerApplication.class)
                    .profiles("command", "query")
                    .run(args.toArray(String[]::new));
            return new LedgerUnderTest(postgres, context);
        } catch (RuntimeException e) {
            closeQuietly(postgres);
            throw e;
        }
    }

    CommandGateway commandGateway() {
        return context.getBean(CommandGateway.class);
    }

    EventStoreSeeder seeder() {
        return new EventStoreSeeder(context.getBean(EventStorageEngine.class),
                context.getBean(PlatformTransactionManager.class));
    }

    ProjectionOperations projections() {
        return context.getBean(ProjectionOperations.class);
    }

    int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** A connection of its own, outside the ledger's pool: the plain-JDBC phases and the observers use these. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, "postgres", "");
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook does it
        }
        stop();
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            context.close();
        } finally {
            closeQuietly(postgres);
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
