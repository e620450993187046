package shop.ledger.standalone;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shop.ledger.standalone.ApiClient.Customer;
import tools.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The standalone as a user runs it, in its own JVM on a durable embedded PostgreSQL: every acknowledged
 * cent survives a {@code kill -9} of the JVM (which also orphans its postmaster) and a restart on the same
 * data directory, without any manual clean-up; a normal stop shuts PostgreSQL down too.
 */
class CrashRecoveryTest {

    @TempDir
    Path dataDir;

    private Process ledger;

    @AfterEach
    void stop() throws InterruptedException {
        if (ledger != null && ledger.isAlive()) {
            ledger.destroy();
            ledger.waitFor();
        }
    }

    @Test
    void acknowledgedMoneySurvivesKillNineAndRestart() throws Exception {
        int port = freePort();
        ledger = start(port, "first");
        ApiClient api = new ApiClient(port);
        Customer customer = api.register("survivor");
        String admin = api.adminToken();
        long acknowledged = 0;
        for (int i = 1; i <= 5; i++) {
            assertThat(api.deposit(admin, customer.walletId(), 1000L + i, "psp-crash-" + i).status()).isEqualTo(201);
            acknowledged += 1000L + i;
        }

        ledger.destroyForcibly(); // SIGKILL: no shutdown hook runs, the postmaster is orphaned
        ledger.waitFor();

        ledger = start(port, "second");
        // the signing key lives in the data directory: a token from before the crash is still valid
        long expected = acknowledged;
        // the event store is the authority: all five deposits, in order, with the running balance
        var history = api.get("/api/audit/wallets/" + customer.walletId() + "/history", admin).json();
        assertThat(texts(history.path("items"), "kind")).containsExactly("DEPOSIT", "DEPOSIT", "DEPOSIT", "DEPOSIT", "DEPOSIT");
        assertThat(history.path("items").path(4).path("availableAfter").asLong()).isEqualTo(expected);
        // the read models catch up from their stored positions: the balance and every statement line
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var wallet = api.get("/api/me/wallet", customer.token()).json();
            assertThat(wallet.path("available").asLong()).isEqualTo(expected);
            var lines = api.get("/api/me/wallet/transactions", customer.token()).json().path("items");
            assertThat(texts(lines, "sequence")).as("statement after restart: %s", lines)
                                                          .containsExactly("5", "4", "3", "2", "1");
        });
        assertThat(api.get("/api/audit/verify", admin).json().path("ok").asBoolean())
                .as("read models equal a replay of the events").isTrue();
        assertThat(api.deposit(admin, customer.walletId(), 1001, "psp-crash-1").status())
                .as("a provider reference acknowledged before the crash still credits only once").isEqualTo(200);

        ledger.destroy(); // SIGTERM: graceful stop, PostgreSQL stopped with it
        assertThat(ledger.waitFor()).isIn(0, 143);
        assertThat(Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid"))).isFalse();
    }

    private Process start(int port, String name) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Daxoniq.update-checker.disabled=true",
                "-cp", classpath, LedgerStandaloneApplication.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(new File("target/crash-recovery-" + name + ".log"));
        builder.environment().put("LEDGER_DATA_DIR", dataDir.toString());
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("LEDGER_ADMIN_PASSWORD", ApiClient.ADMIN_PASSWORD);
        builder.environment().remove("SPRING_DATASOURCE_URL");
        Process process = builder.start();
        ApiClient api = new ApiClient(port);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
               .until(() -> {
                   if (!process.isAlive()) {
                       throw new IllegalStateException("the ledger exited, see target/crash-recovery-" + name + ".log");
                   }
                   return api.get("/actuator/health", null).status() == 200;
               });
        return process;
    }

    private static List<String> texts(JsonNode items, String field) {
        List<String> texts = new ArrayList<>();
        items.forEach(item -> texts.add(item.path(field).asString()));
        return texts;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
