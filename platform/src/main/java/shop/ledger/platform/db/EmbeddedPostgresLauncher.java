package shop.ledger.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Starts PostgreSQL from zonky's embedded binaries.
 * <ul>
 *   <li>{@link #durable(Path)}: the standalone default. fsync, synchronous_commit and full_page_writes are
 *   on (zonky turns them off), the data directory is kept, and a postmaster orphaned by a killed JVM is
 *   shut down before the new one starts, so no manual clean-up is ever needed.</li>
 *   <li>{@link #forTests()}: a throw-away instance with zonky's fast, non-durable settings.</li>
 * </ul>
 */
public final class EmbeddedPostgresLauncher {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresLauncher.class);
    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(60);

    private EmbeddedPostgresLauncher() {
    }

    public static EmbeddedPostgres durable(Path dataDirectory) {
        Path pgData = dataDirectory.resolve("postgres");
        try {
            Files.createDirectories(pgData);
            stopOrphanedPostmaster(pgData);
            return EmbeddedPostgres.builder()
                                   .setDataDirectory(pgData)
                                   .setCleanDataDirectory(false)
                                   .setServerConfig("fsync", "on")
                                   .setServerConfig("synchronous_commit", "on")
                                   .setServerConfig("full_page_writes", "on")
                                   .setServerConfig("listen_addresses", "localhost")
                                   .setServerConfig("max_connections", "100")
                                   .setPGStartupWait(Duration.ofSeconds(120))
                                   // Spring stops it after the connection pool, in order
                                   .setRegisterShutdownHook(false)
                                   .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + pgData, e);
        }
    }

    /**
     * Stopped at JVM exit after every Spring application context has closed (Spring Boot's shutdown handlers run
     * after the contexts), not beside them in a shutdown hook of its own: a context closing after the server had
     * gone (its processors releasing their claims) waited for a connection until the pool's timeout, and the test
     * JVM outlived surefire's exit timeout.
     */
    public static EmbeddedPostgres forTests() {
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                                       .setServerConfig("max_connections", "300")
                                       .setRegisterShutdownHook(false)
                                       .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an embedded PostgreSQL for tests", e);
        }
        SpringApplication.getShutdownHandlers().add(() -> stopQuietly(postgres));
        return postgres;
    }

    private static void stopQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            log.warn("the embedded PostgreSQL for tests did not stop cleanly", e);
        }
    }

    /**
     * A JVM killed with SIGKILL leaves its postmaster running on the data directory; the new start would
     * then fail on the lock file. Ask the orphan for a fast shutdown and wait for it: it writes a clean
     * checkpoint and the data is all there for the next start.
     */
    static void stopOrphanedPostmaster(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (process.isEmpty()) {
            return; // a stale pid file: PostgreSQL recovers from it by itself
        }
        log.warn("A postmaster (pid {}) left by an earlier run still serves {}: shutting it down", pid, pgData);
        ProcessHandle postmaster = process.get();
        sendSignal(pid, "INT"); // PostgreSQL's fast shutdown
        long deadline = System.nanoTime() + ORPHAN_SHUTDOWN_WAIT.toNanos();
        while (postmaster.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (postmaster.isAlive()) {
            throw new IllegalStateException("postmaster " + pid + " on " + pgData + " did not shut down");
        }
    }

    private static void sendSignal(long pid, String signal) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
