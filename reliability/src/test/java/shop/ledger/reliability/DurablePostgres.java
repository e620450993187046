package shop.ledger.reliability;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

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

    /** Ports handed out by this JVM: processes started together must never get the same one. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port free now, never handed out before in this JVM, and below Linux's ephemeral range (32768 on), from which
     * the outgoing connections of the processes being started take theirs: a port from that range could be taken by
     * a JDBC connection before the process binds it (ScaleOutTest once saw a command side fail to bind while a query
     * side answered on its port).
     */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException taken) {
                // in use by something else: try another
            }
        }
        throw new IOException("no free port found between 20000 and 32000");
    }
}
