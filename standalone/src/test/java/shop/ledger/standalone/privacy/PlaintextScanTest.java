package shop.ledger.standalone.privacy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.LedgerStandaloneApplication;
import shop.ledger.standalone.privacy.PersonalDataScenario.Person;
import shop.ledger.standalone.privacy.PlaintextScanner.Hit;
import shop.ledger.standalone.privacy.PlaintextScanner.Result;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * R11 at rest and in the logs. A full scenario for two customers (registration with an email, 2FA enrolment with
 * a TOTP secret and a login with a code, a top-up, an order with an IMEI that gets a refund case, an order the
 * supplier rejects quoting the IMEI, a paid withdrawal and one the provider refuses quoting the destination), the
 * erasure of the second, and a few refused requests that carry personal data; then, after a CHECKPOINT, every byte
 * of the PostgreSQL data directory (tables, indexes, WAL, the server's own statement log with every parameter the
 * ledger sent) and of the application's log file (written at DEBUG for the ledger, Spring MVC, Spring Security,
 * JDBC and Axon) is searched: no email, IMEI, payout destination, password, TOTP secret or token, in any of the
 * encodings {@link PlaintextScanner} tries; no one-time code next to an otp/code mention in the logs.
 * <p>
 * The database is a dedicated server ({@link PrivacyDatabase}), so the directory holds nothing else and its
 * statement log is on. The simulators' files (the supplier's and payout provider's own records, outside parties)
 * are not part of the ledger's storage and are not scanned.
 */
@SpringBootTest(classes = LedgerStandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "ledger.simulators.dhru.autocomplete=false",
                "ledger.orders.poll-initial=200ms",
                "ledger.orders.poll-max=1s",
                "ledger.orders.submission-backoff=10s",
                "ledger.suppliers.simulator.read-timeout=2s",
                "ledger.simulators.payouts.autocomplete=false",
                "ledger.withdrawals.chase-initial=200ms",
                "ledger.withdrawals.chase-max=1s",
                // what an operator switches on to look closer: none of it may carry secrets either
                "logging.level.shop.ledger=DEBUG",
                "logging.level.org.springframework.web=DEBUG",
                "logging.level.org.springframework.security=DEBUG",
                "logging.level.org.springframework.jdbc=DEBUG",
                "logging.level.org.axonframework=DEBUG"})
@ActiveProfiles({"command", "query", "standalone"})
@ContextConfiguration(initializers = PrivacyDatabase.class)
@DirtiesContext
class PlaintextScanTest {

    static final String LOG_DIR = CapturedLog.FILE.getParent().toString();
    static final String LOG_FILE = CapturedLog.FILE.toString();
    /** Switched to DEBUG by this test's properties; given back to their defaults afterwards for the tests after it. */
    static final List<String> DEBUG_LOGGERS = List.of("shop.ledger", "org.springframework.web",
            "org.springframework.security", "org.springframework.jdbc", "org.axonframework");

    @AfterAll
    static void stopCapturing() {
        CapturedLog.stop();
        LoggingSystem logging = LoggingSystem.get(PlaintextScanTest.class.getClassLoader());
        DEBUG_LOGGERS.forEach(name -> logging.setLogLevel(name, null));
    }

    @LocalServerPort
    int port;

    @Test
    void nothingPersonalOrSecretIsStoredOrLoggedInPlainText() throws Exception {
        long started = System.nanoTime();
        ApiClient api = new ApiClient(port);
        String admin = api.adminToken();
        PersonalDataScenario scenario = new PersonalDataScenario(api, admin);

        Person alice = scenario.live("alice");
        Person bob = scenario.live("bob");
        alice.loginWithCode(api);

        // refusals that carry personal data in the request: they must not echo it into a log either
        String invalidImei = invalidImei(alice.imei());
        assertThat(api.post("/api/orders", alice.customer().token(),
                ApiClient.json(Map.of("serviceId", PersonalDataScenario.QUICK, "imei", invalidImei))).status()).isEqualTo(400);
        assertThat(api.post("/api/auth/register", null, "{\"username\":\"someone\",\"email\":\"" + alice.email()
                + "\",\"password\":\"" + alice.password() + "\",\"nickname\":1}").status()).isEqualTo(400);
        assertThat(api.post("/api/auth/register", null, "{\"username\":\"x\",\"email\":\"" + alice.email()
                + "\",\"password\":\"" + alice.password() + "\"").status()).isEqualTo(400);
        assertThat(api.post("/api/auth/token", null, ApiClient.json(Map.of("username", alice.username(),
                "password", alice.password() + "?"))).status()).isEqualTo(401);
        assertThat(api.post("/api/me/withdrawals", alice.customer().token(), ApiClient.json(Map.of("amount", 10_000_000,
                "currency", "USD", "method", "BANK_TRANSFER", "destination", alice.destination())),
                Map.of("X-OTP", "000000")).status()).isEqualTo(403);

        assertThat(delete("/api/admin/customers/" + bob.customer().customerId() + "/personal-data", admin)).isEqualTo(204);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                KeyVault.ERASED.equals(api.get("/api/me", bob.customer().token()).text("email")));
        await().atMost(Duration.ofSeconds(5)).until(() -> api.get("/api/audit/verify", admin).json().path("ok").asBoolean());
        long scenarioMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

        // everything to disk: dirty pages into the table files, and the statement log flushed
        PrivacyDatabase.superuser().sql("CHECKPOINT").update();
        Thread.sleep(500);

        PlaintextScanner scanner = new PlaintextScanner();
        for (Person person : List.of(alice, bob)) {
            String who = person == alice ? "alice " : "bob (erased) ";
            scanner.add(who + "email", person.email())
                   .add(who + "IMEI", person.imei())
                   .add(who + "rejected IMEI", person.rejectedImei())
                   .add(who + "destination", person.destination())
                   .add(who + "refused destination", person.failedDestination())
                   .add(who + "password", person.password())
                   .add(who + "TOTP secret", person.totpSecret());
            for (String token : person.tokens()) {
                scanner.add(who + "access token", token);
            }
        }
        scanner.add("alice's invalid IMEI", invalidImei);

        long scanStarted = System.nanoTime();
        Path dataDirectory = PrivacyDatabase.dataDirectory();
        Result database = scanner.scan(dataDirectory);
        Result logs = scanner.scan(Path.of(LOG_FILE));
        long scanMillis = Duration.ofNanos(System.nanoTime() - scanStarted).toMillis();
        List<String> codesInLogs = codesNextToOtp(Path.of(LOG_FILE), alice, bob);

        // the scan would see them: what is stored in clear on purpose is found in the same bytes
        PlaintextScanner control = new PlaintextScanner().add("username", alice.username());
        assertThat(control.scan(dataDirectory).hits()).as("the scan reads the table files").isNotEmpty();
        assertThat(new PlaintextScanner().add("order id", alice.orderId()).scan(Path.of(LOG_FILE)).hits())
                .as("the scan reads the application log").isNotEmpty();
        assertThat(Files.list(dataDirectory.resolve("log")).count()).as("the server's statement log").isPositive();

        String figures = figures(database, logs, scanner, codesInLogs, scenarioMillis, scanMillis);
        Files.writeString(Path.of("target", "privacy-scan-figures.txt"), figures);
        System.out.println(figures);

        assertThat(database.hits()).as("personal data or secrets in PostgreSQL's data directory").isEmpty();
        assertThat(logs.hits()).as("personal data or secrets in the application log").isEmpty();
        assertThat(codesInLogs).as("one-time codes in the application log").isEmpty();
    }

    /** A 15-digit number with the wrong check digit, otherwise like the customer's. */
    private static String invalidImei(String imei) {
        int check = imei.charAt(14) - '0';
        return imei.substring(0, 14) + ((check + 1) % 10);
    }

    private static List<String> codesNextToOtp(Path logFile, Person... people) throws IOException {
        List<String> found = new ArrayList<>();
        List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        for (Person person : people) {
            for (String code : person.codes()) {
                for (String line : lines) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    if (line.contains(code) && (lower.contains("otp") || lower.contains("code"))) {
                        found.add(code + " in: " + line);
                    }
                }
            }
        }
        return found;
    }

    private static String figures(Result database, Result logs, PlaintextScanner scanner, List<String> codes,
                                  long scenarioMillis, long scanMillis) {
        StringBuilder out = new StringBuilder("Plain-text scan (PlaintextScanTest)\n");
        out.append(String.format("  scenario: 2 customers, 1 erased; %d ms%n", scenarioMillis));
        out.append(String.format("  needles: %d (%d secrets, each in every encoding that differs)%n",
                scanner.needleCount(), scanner.secretCount()));
        out.append(String.format("  PostgreSQL data directory: %d files, %d bytes, %d hits%n", database.files(),
                database.bytes(), database.hits().size()));
        out.append(String.format("  application log: %d files, %d bytes, %d hits; one-time codes next to otp/code: %d%n",
                logs.files(), logs.bytes(), logs.hits().size(), codes.size()));
        out.append(String.format("  scan time: %d ms%n", scanMillis));
        for (Hit hit : concat(database.hits(), logs.hits())) {
            out.append(String.format("  HIT %s (%s) in %s @%d: %s%n", hit.secretLabel(), hit.form(), hit.file(),
                    hit.offset(), hit.context()));
        }
        codes.forEach(code -> out.append("  CODE ").append(code).append('\n'));
        return out.toString();
    }

    private static List<Hit> concat(List<Hit> a, List<Hit> b) {
        List<Hit> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private int delete(String path, String token) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                           .header("Authorization", "Bearer " + token).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }
}
