package shop.ledger.reliability;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL for the fault suites, in the test JVM so that it outlives every ledger process: the standalone's
 * durable settings (fsync, synchronous commit, full page writes), its data directory in a temporary directory,
 * and a fixed port, so that a restart after {@link #crash()} is found by the ledger's pool at the same address.
 */
final class DurablePostgres implements AutoCloseable {

    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres server;

    DurablePostgres(Path dataDirectory) throws IOException {
        this.dataDirectory = dataDirectory;
        this.port = freePort();
        start();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "postgres", "");
    }

    synchronized void start() throws IOException {
        server = EmbeddedPostgres.builder()
                                 .setDataDirectory(dataDirectory)
                                 .setCleanDataDirectory(false)
                                 .setPort(port)
                                 .setServerConfig("fsync", "on")
                                 .setServerConfig("synchronous_commit", "on")
                                 .setServerConfig("full_page_writes", "on")
                                 .setServerConfig("listen_addresses", "localhost")
                                 .setServerConfig("max_connections", "200")
                                 .setPGStartupWait(Duration.ofSeconds(120))
                                 .setRegisterShutdownHook(true)
                                 .start();
    }

    /**
     * {@code pg_ctl stop -m immediate}: SIGQUIT to the postmaster, which ends every backend at once without a
     * checkpoint; the next start runs crash recovery from the write-ahead log.
     */
    synchronized void crash() throws IOException, InterruptedException {
        long pid = postmasterPid();
        new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
        ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (postmaster != null && postmaster.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (postmaster != null && postmaster.isAlive()) {
            throw new IllegalStateException("postmaster " + pid + " survived an immediate shutdown");
        }
        // zonky's close() finds the server gone (its pg_ctl stop fails and is logged) and releases its lock file
        server.close();
        server = null;
    }

    private long postmasterPid() throws IOException {
        List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
        return Long.parseLong(lines.get(0).trim());
    }

    @Override
    public synchronized void close() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
