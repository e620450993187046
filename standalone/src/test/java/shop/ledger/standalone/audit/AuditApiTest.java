package shop.ledger.standalone.audit;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.query.audit.VerifyCli;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The auditor's endpoints (API.md, Audit) and the command-line verification, against the event store. */
@StandaloneTest
class AuditApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    DataSource dataSource;
    @Autowired
    CommandGateway commands;
    @Value("${spring.datasource.url}")
    String databaseUrl;
    @Value("${spring.datasource.username}")
    String databaseUser;
    @Value("${spring.datasource.password:}")
    String databasePassword;

    ApiClient api;
    String auditor;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        auditor = api.adminToken(); // the bootstrap admin has ADMIN, FINANCE and AUDITOR
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void tick() throws InterruptedException {
        Thread.sleep(15);
    }

    record Scenario(Customer customer, String depositId, UUID order1, UUID order2, Instant beforeAny,
                    Instant afterDeposit, Instant afterReserve, Instant afterAll) {
    }

    Scenario scenario() throws InterruptedException {
        Customer customer = api.register(unique("audited"));
        UUID wallet = customer.walletId();
        tick();
        Instant beforeAny = Instant.now();
        tick();
        Response deposit = api.deposit(auditor, wallet, 500, unique("psp"));
        assertThat(deposit.status()).isEqualTo(201);
        tick();
        Instant afterDeposit = Instant.now();
        tick();
        assertThat(api.post("/api/admin/wallets/" + wallet + "/adjustments", auditor,
                ApiClient.json(Map.of("amount", 100, "currency", "USD", "reason", "goodwill credit"))).status())
                .isEqualTo(201);
        UUID order1 = UUID.randomUUID();
        UUID reservation1 = UUID.randomUUID();
        commands.sendAndWait(new ReserveFunds(wallet, reservation1, Money.of(200, "USD"), ReservationPurpose.ORDER,
                order1));
        tick();
        Instant afterReserve = Instant.now();
        tick();
        commands.sendAndWait(new CaptureReservation(wallet, reservation1));
        UUID order2 = UUID.randomUUID();
        UUID reservation2 = UUID.randomUUID();
        commands.sendAndWait(new ReserveFunds(wallet, reservation2, Money.of(50, "USD"), ReservationPurpose.ORDER,
                order2));
        commands.sendAndWait(new ReleaseReservation(wallet, reservation2, "order cancelled"));
        tick();
        Instant afterAll = Instant.now();
        return new Scenario(customer, deposit.text("depositId"), order1, order2, beforeAny, afterDeposit,
                afterReserve, afterAll);
    }

    @Test
    void historyAndBalanceAsOfComeFromTheEventStore() throws InterruptedException {
        Scenario s = scenario();
        UUID wallet = s.customer().walletId();

        Response history = api.get("/api/audit/wallets/" + wallet + "/history", auditor);
        assertThat(history.status()).isEqualTo(200);
        assertThat(history.text("walletId")).isEqualTo(wallet.toString());
        JsonNode items = history.json().path("items");
        assertThat(items.size()).isEqualTo(6);
        // kind, amount, availableChange, heldChange, availableAfter, heldAfter (hand computed)
        long[][] expected = {
                {500, 500, 0, 500, 0},
                {100, 100, 0, 600, 0},
                {200, -200, 200, 400, 200},
                {200, 0, -200, 400, 0},
                {50, -50, 50, 350, 50},
                {50, 50, -50, 400, 0}};
        String[] kinds = {"DEPOSIT", "ADJUSTMENT", "RESERVE", "CAPTURE", "RESERVE", "RELEASE"};
        String[] types = {"FundsDeposited", "BalanceAdjusted", "FundsReserved", "ReservationCaptured",
                "FundsReserved", "ReservationReleased"};
        long previous = -1;
        for (int i = 0; i < 6; i++) {
            JsonNode item = items.get(i);
            assertThat(item.path("kind").asText()).as("kind %d", i).isEqualTo(kinds[i]);
            assertThat(item.path("eventType").asText()).isEqualTo(types[i]);
            assertThat(item.path("amount").asLong()).isEqualTo(expected[i][0]);
            assertThat(item.path("availableChange").asLong()).isEqualTo(expected[i][1]);
            assertThat(item.path("heldChange").asLong()).isEqualTo(expected[i][2]);
            assertThat(item.path("availableAfter").asLong()).isEqualTo(expected[i][3]);
            assertThat(item.path("heldAfter").asLong()).isEqualTo(expected[i][4]);
            assertThat(item.path("globalPosition").asLong()).isGreaterThan(previous);
            previous = item.path("globalPosition").asLong();
            assertThat(item.path("correlationId").asText()).isNotBlank();
            assertThat(Instant.parse(item.path("occurredAt").asText())).isBefore(s.afterAll());
        }
        assertThat(items.get(0).path("depositId").asText()).isEqualTo(s.depositId());
        assertThat(items.get(0).path("actor").asText()).startsWith("staff:");
        assertThat(items.get(1).path("reason").asText()).isEqualTo("goodwill credit");
        assertThat(items.get(2).path("orderId").asText()).isEqualTo(s.order1().toString());
        assertThat(items.get(3).path("orderId").asText()).isEqualTo(s.order1().toString());
        assertThat(items.get(5).path("orderId").asText()).isEqualTo(s.order2().toString());
        assertThat(items.get(5).path("reason").asText()).isEqualTo("order cancelled");
        assertThat(items.get(0).has("withdrawalId")).isFalse();

        // from/to filter on occurredAt
        JsonNode early = api.get("/api/audit/wallets/" + wallet + "/history?to=" + s.afterDeposit(), auditor)
                            .json().path("items");
        assertThat(early.size()).isEqualTo(1);
        JsonNode late = api.get("/api/audit/wallets/" + wallet + "/history?from=" + s.afterReserve(), auditor)
                           .json().path("items");
        assertThat(late.size()).isEqualTo(3);
        assertThat(late.get(0).path("kind").asText()).isEqualTo("CAPTURE");

        // balance as of instants between the events
        JsonNode none = balance(wallet, s.beforeAny());
        assertThat(none.path("available").asLong()).isZero();
        assertThat(none.path("held").asLong()).isZero();
        assertThat(none.path("lastGlobalPosition").isNull()).isTrue();
        JsonNode deposited = balance(wallet, s.afterDeposit());
        assertThat(deposited.path("available").asLong()).isEqualTo(500);
        assertThat(deposited.path("balance").asLong()).isEqualTo(500);
        assertThat(deposited.path("lastGlobalPosition").asLong()).isEqualTo(items.get(0).path("globalPosition").asLong());
        JsonNode reserved = balance(wallet, s.afterReserve());
        assertThat(reserved.path("available").asLong()).isEqualTo(400);
        assertThat(reserved.path("held").asLong()).isEqualTo(200);
        assertThat(reserved.path("balance").asLong()).isEqualTo(600);
        assertThat(reserved.path("lastGlobalPosition").asLong()).isEqualTo(items.get(2).path("globalPosition").asLong());
        JsonNode last = balance(wallet, s.afterAll());
        assertThat(last.path("available").asLong()).isEqualTo(400);
        assertThat(last.path("held").asLong()).isZero();
        assertThat(last.path("lastGlobalPosition").asLong()).isEqualTo(items.get(5).path("globalPosition").asLong());

        // errors
        Response bad = api.get("/api/audit/wallets/" + wallet + "/balance?asOf=yesterday", auditor);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.raw().body()).contains("validation-failed");
        Response unknown = api.get("/api/audit/wallets/" + UUID.randomUUID() + "/history", auditor);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.raw().body()).contains("not-found");
        assertThat(api.get("/api/audit/wallets/" + wallet + "/history", s.customer().token()).status())
                .isEqualTo(403);
    }

    private JsonNode balance(UUID wallet, Instant asOf) {
        Response response = api.get("/api/audit/wallets/" + wallet + "/balance?asOf=" + asOf, auditor);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text("walletId")).isEqualTo(wallet.toString());
        return response.json();
    }

    @Test
    void verifyFindsATamperedEventAndTheCommandLineAgrees() throws InterruptedException {
        Scenario s = scenario();
        String wallet = s.customer().walletId().toString();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Response verify = api.get("/api/audit/verify", auditor);
            assertThat(verify.status()).isEqualTo(200);
            assertThat(verify.json().path("mismatches").toString()).isEqualTo("[]");
            assertThat(verify.json().path("ok").asBoolean()).isTrue();
        });
        JsonNode ok = api.get("/api/audit/verify", auditor).json();
        assertThat(ok.path("walletsChecked").asLong()).isPositive();
        assertThat(ok.path("eventsRead").asLong()).isGreaterThanOrEqualTo(7);
        assertThat(ok.path("tamperedEvents").asLong()).isZero();
        assertThat(ok.path("trialBalance").toString()).contains("\"currency\":\"USD\"");
        for (JsonNode currency : ok.path("trialBalance")) {
            assertThat(currency.path("net").asLong()).isZero();
        }
        assertThat(cli()).isZero();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        assertThat(VerifyCli.execute(new String[]{"--url=" + databaseUrl, "--user=" + databaseUser,
                "--password=" + databasePassword}, Map.of(), new PrintStream(printed), System.err)).isZero();
        assertThat(JSON.readTree(printed.toString(StandardCharsets.UTF_8)).path("ok").asBoolean()).isTrue();
        assertThat(VerifyCli.execute(new String[]{"--bogus"}, Map.of(), System.out, new PrintStream(
                new ByteArrayOutputStream()))).isEqualTo(2);

        long depositPosition = api.get("/api/audit/wallets/" + wallet + "/history", auditor).json()
                                  .path("items").get(0).path("globalPosition").asLong();
        String tamper = """
                UPDATE DomainEventEntry
                SET payload = convert_to(replace(convert_from(payload, 'UTF8'), :from, :to), 'UTF8')
                WHERE globalIndex = :position""";
        assertThat(jdbc.sql(tamper).param("from", "\"amount\":500").param("to", "\"amount\":501")
                       .param("position", depositPosition).update()).isEqualTo(1);
        try {
            JsonNode report = api.get("/api/audit/verify", auditor).json();
            assertThat(report.path("ok").asBoolean()).isFalse();
            assertThat(report.path("tamperedEvents").asLong()).isEqualTo(1);
            List<JsonNode> tampered = new ArrayList<>();
            for (JsonNode mismatch : report.path("mismatches")) {
                if (mismatch.path("kind").asText().equals("tampered")) {
                    tampered.add(mismatch);
                }
            }
            assertThat(tampered).hasSize(1);
            assertThat(tampered.get(0).path("walletId").asText()).isEqualTo(wallet);
            assertThat(tampered.get(0).path("globalPosition").asLong()).isEqualTo(depositPosition);
            // the replay sees the altered amount too: 501 credited but the event states 500 after it
            assertThat(report.path("mismatches").toString()).contains("replay-mismatch").contains(wallet);
            assertThat(cli()).isEqualTo(1);
        } finally {
            jdbc.sql(tamper).param("from", "\"amount\":501").param("to", "\"amount\":500")
                .param("position", depositPosition).update();
        }
        JsonNode restored = api.get("/api/audit/verify", auditor).json();
        assertThat(restored.path("tamperedEvents").asLong()).isZero();
        assertThat(restored.path("ok").asBoolean()).isTrue();
    }

    private int cli() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int code = VerifyCli.run(dataSource, new PrintStream(printed, true, StandardCharsets.UTF_8));
        JsonNode report = JSON.readTree(printed.toString(StandardCharsets.UTF_8));
        assertThat(report.path("ok").asBoolean()).isEqualTo(code == 0);
        return code;
    }

    @Test
    void exportIsNdjsonWithoutPersonalData() throws InterruptedException {
        Scenario s = scenario();
        String email = "@example.com";
        Response export = api.get("/api/audit/export", auditor);
        assertThat(export.status()).isEqualTo(200);
        assertThat(export.contentType()).startsWith("application/x-ndjson");
        String body = export.raw().body();
        assertThat(body).doesNotContain("encrypted").doesNotContain(email);
        String[] lines = body.split("\n");
        long previous = -1;
        int ofWallet = 0;
        for (String text : lines) {
            JsonNode line = JSON.readTree(text);
            assertThat(line.path("globalPosition").asLong()).isGreaterThan(previous);
            previous = line.path("globalPosition").asLong();
            assertThat(line.path("eventHash").asText()).matches("[0-9a-f]{64}");
            assertThat(line.path("payload").isObject()).isTrue();
            assertThat(line.path("metadata").has("correlationId")).isTrue();
            assertThat(line.path("metadata").has("idempotencyKey")).isFalse();
            if (line.path("aggregateId").asText().equals(s.customer().walletId().toString())) {
                ofWallet++;
                if (line.path("sequence").asLong() == 0) {
                    assertThat(line.path("eventType").asText()).isEqualTo("WalletOpened");
                }
            }
        }
        assertThat(ofWallet).isEqualTo(7);
        Response later = api.get("/api/audit/export?from=" + s.afterAll(), auditor);
        assertThat(later.raw().body()).doesNotContain(s.customer().walletId().toString());
    }
}
