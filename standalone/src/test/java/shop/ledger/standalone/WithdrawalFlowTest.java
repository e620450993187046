package shop.ledger.standalone;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.identity.Authenticator;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.WalletApiTest.assertProblem;
import static shop.ledger.standalone.WalletApiTest.unique;

/**
 * Withdrawals end to end (R10): the second factor, the hold, the payout saga against the payout simulator
 * over HTTP (paid, failed, a lost answer), and finance reconciling the provider's own statement.
 */
@StandaloneTest
class WithdrawalFlowTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String admin;

    record Holder(Customer customer, Authenticator app) {
    }

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        faults("OK");
    }

    @AfterEach
    void tearDown() {
        faults("OK");
        jdbc.sql("DELETE FROM auth_failure").update(); // wrong codes on purpose must not throttle other tests
    }

    Holder withTwoFactor(long cents) {
        Customer customer = api.register(unique("payee"));
        Response deposit = api.deposit(admin, customer.walletId(), cents, unique("psp"));
        assertThat(deposit.status()).isEqualTo(201);
        Authenticator app = new Authenticator(api.post("/api/me/2fa", customer.token(), "").text("secret"));
        assertThat(api.post("/api/me/2fa/confirm", customer.token(),
                ApiClient.json(Map.of("otp", app.code(Authenticator.stepNow())))).status()).isEqualTo(204);
        assertWalletAfter(deposit.position(), customer, cents, 0);
        return new Holder(customer, app);
    }

    Response withdraw(Customer customer, String otp, long amount) {
        Map<String, String> headers = otp == null ? Map.of() : Map.of("X-OTP", otp);
        return api.post("/api/me/withdrawals", customer.token(), ApiClient.json(Map.of("amount", amount, "currency", "USD",
                "method", "BANK_TRANSFER", "destination", "DE89 3704 0044 0532 0130 00")), headers);
    }

    /** A fresh code the account has not used: the step after the one its confirmation spent. */
    static String nextCode(Holder holder) {
        return holder.app().code(Authenticator.stepNow() + 1);
    }

    @Test
    void aWithdrawalNeedsASecondFactorAndACurrentCode() {
        Customer plain = api.register(unique("plain"));
        api.deposit(admin, plain.walletId(), 1_000, unique("psp"));
        assertProblem(withdraw(plain, "123456", 500), 403, "otp-required");

        Holder holder = withTwoFactor(1_000);
        assertProblem(withdraw(holder.customer(), null, 500), 403, "otp-required");
        assertProblem(withdraw(holder.customer(), holder.app().wrongCode(), 500), 403, "invalid-otp");
        assertProblem(withdraw(holder.customer(), nextCode(holder), 1_001), 409, "insufficient-funds");
        // withTwoFactor read the deposit; a refusal stores nothing, so a plain read shows the same wallet
        JsonNode wallet = api.get("/api/me/wallet", holder.customer().token()).json();
        assertThat(wallet.path("available").asLong()).isEqualTo(1_000);
        assertThat(wallet.path("held").asLong()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%WithdrawalRequested'")
                       .query(Long.class).single()).isEqualTo(withdrawalsRequested());
    }

    @Test
    void aPaidWithdrawalIsCapturedAndReconciledAgainstTheProvidersStatement() {
        Holder holder = withTwoFactor(10_000);
        Response requested = withdraw(holder.customer(), nextCode(holder), 3_000);
        assertThat(requested.status()).as(requested.raw().body()).isEqualTo(201);
        assertThat(requested.text("status")).isEqualTo("REQUESTED");
        String withdrawalId = requested.text("withdrawalId");
        // the request reserves the amount in its own transaction: its position covers the hold
        assertWalletAfter(requested.position(), holder.customer(), 7_000, 3_000);
        // the payout's submission and the provider's answer are later saga steps: awaited
        awaitStatus(holder.customer(), withdrawalId, "PAYOUT_SUBMITTED");

        decideAtProvider(withdrawalId, "PAID");
        JsonNode paid = awaitStatus(holder.customer(), withdrawalId, "PAID");
        assertThat(paid.path("payoutReference").asText()).isNotBlank();
        awaitWallet(holder.customer(), 7_000, 0);

        String statement = plain("/simulator/payouts/statement?date=" + LocalDate.now(ZoneOffset.UTC));
        assertThat(statement).startsWith("payout_reference,amount,currency,status,booked_at").contains(withdrawalId);
        Response run = postStatement(statement, "text/csv");
        assertThat(run.status()).as(run.raw().body()).isEqualTo(201);
        assertThat(run.json().path("matchedWithdrawals").toString()).contains(withdrawalId);
        assertThat(run.json().path("mismatches")).isEmpty();
        // the run marks the withdrawal reconciled in its own transaction: its position covers both reads
        assertThat(api.getAfter(run.position(), "/api/withdrawals/" + withdrawalId, holder.customer().token()).json()
                      .path("reconciled").asBoolean()).isTrue();
        assertThat(api.getAfter(run.position(), "/api/finance/reconciliations/" + run.text("reconciliationId"), admin)
                      .status()).isEqualTo(200);
    }

    @Test
    void aFailedPayoutReturnsTheMoney() {
        Holder holder = withTwoFactor(5_000);
        String withdrawalId = withdraw(holder.customer(), nextCode(holder), 2_000).text("withdrawalId");
        awaitStatus(holder.customer(), withdrawalId, "PAYOUT_SUBMITTED");
        decideAtProvider(withdrawalId, "FAILED");
        JsonNode failed = awaitStatus(holder.customer(), withdrawalId, "FAILED");
        assertThat(failed.path("failureReason").asText()).isNotBlank();
        awaitWallet(holder.customer(), 5_000, 0);
    }

    @Test
    void aLostAnswerIsChasedAndPaysOnce() {
        Holder holder = withTwoFactor(5_000);
        faults("DROP_AFTER_ACCEPT");
        String withdrawalId = withdraw(holder.customer(), nextCode(holder), 1_500).text("withdrawalId");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/simulator/payouts/control/payouts?reference=" + withdrawalId, admin).json().path("items").size() == 1);
        faults("OK");
        awaitStatus(holder.customer(), withdrawalId, "PAYOUT_SUBMITTED");
        decideAtProvider(withdrawalId, "PAID");
        awaitStatus(holder.customer(), withdrawalId, "PAID");
        awaitWallet(holder.customer(), 3_500, 0);
        assertThat(api.get("/simulator/payouts/control/payouts?reference=" + withdrawalId, admin).json().path("items"))
                .as("one payout at the provider, never two").hasSize(1);
    }

    @Test
    void reconciliationReportsMismatchesAndRefusesMalformedStatementsWhole() {
        Holder holder = withTwoFactor(5_000);
        String withdrawalId = withdraw(holder.customer(), nextCode(holder), 1_250).text("withdrawalId");
        awaitStatus(holder.customer(), withdrawalId, "PAYOUT_SUBMITTED");
        decideAtProvider(withdrawalId, "PAID");
        awaitStatus(holder.customer(), withdrawalId, "PAID");

        String header = "payout_reference,amount,currency,status,booked_at\n";
        Response run = postStatement(header + withdrawalId + ",12.49,USD,PAID,2026-11-25T10:00:00Z\n"
                + "not-one-of-ours,5.00,USD,PAID,2026-11-25T10:00:00Z\n", "text/csv");
        assertThat(run.status()).as(run.raw().body()).isEqualTo(201);
        assertThat(run.json().path("matched").asInt()).isZero();
        assertThat(run.json().path("unmatchedStatementLines").asInt()).isEqualTo(1);
        JsonNode mismatch = run.json().path("mismatches").get(0);
        assertThat(mismatch.path("field").asText()).isEqualTo("amount");
        assertThat(mismatch.path("statement").asText()).isEqualTo("1249");
        assertThat(mismatch.path("ledger").asText()).isEqualTo("1250");
        assertThat(api.get("/api/withdrawals/" + withdrawalId, admin).json().path("reconciled").asBoolean()).isFalse();

        long runs = reconciliationRuns();
        Response malformed = postStatement(header + withdrawalId + ",12.50,USD,PAID,2026-11-25T10:00:00Z\n"
                + "x,twelve,USD,PAID,2026-11-25T10:00:00Z\n", "text/csv");
        assertProblem(malformed, 400, "validation-failed");
        assertThat(malformed.text("detail")).contains("line 3");
        assertThat(reconciliationRuns()).as("nothing half-applied").isEqualTo(runs);
        assertProblem(postStatement("{}", "application/json"), 415, "unsupported-media-type");

        String camt = """
                <?xml version="1.0" encoding="UTF-8"?>
                <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>
                <Ntry><Amt Ccy="USD">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
                <BookgDt><DtTm>2026-11-25T10:00:00Z</DtTm></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId>
                </Refs></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".formatted(withdrawalId);
        Response camtRun = postStatement(camt, "application/xml");
        assertThat(camtRun.status()).as(camtRun.raw().body()).isEqualTo(201);
        assertThat(camtRun.json().path("matchedWithdrawals").toString()).contains(withdrawalId);
        assertThat(api.getAfter(camtRun.position(), "/api/withdrawals/" + withdrawalId, admin).json()
                      .path("reconciled").asBoolean()).isTrue();
    }

    private long withdrawalsRequested() {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%WithdrawalRequested'")
                   .query(Long.class).single();
    }

    private long reconciliationRuns() {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%ReconciliationCompleted'")
                   .query(Long.class).single();
    }

    private Response postStatement(String body, String contentType) {
        return api.post("/api/finance/reconciliations", admin, body, Map.of("Content-Type", contentType));
    }

    private void faults(String submitMode) {
        assertThat(api.post("/simulator/payouts/control/faults", admin,
                ApiClient.json(Map.of("submitMode", submitMode))).status()).isBetween(200, 299);
    }

    private void decideAtProvider(String withdrawalId, String status) {
        Response decided = api.post("/simulator/payouts/control/payouts/" + withdrawalId, admin,
                ApiClient.json(Map.of("status", status, "reason", "account closed")));
        assertThat(decided.status()).as(decided.raw().body()).isEqualTo(200);
    }

    private String plain(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                                              .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode awaitStatus(Customer customer, String withdrawalId, String status) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = api.get("/api/withdrawals/" + withdrawalId, customer.token()).json();
            return status.equals(last[0].path("status").asText());
        });
        return last[0];
    }

    /** The wallet as read after {@code position}, once: no retry. */
    private void assertWalletAfter(long position, Customer customer, long available, long held) {
        JsonNode wallet = api.getAfter(position, "/api/me/wallet", customer.token()).json();
        assertThat(wallet.path("available").asLong()).as("available").isEqualTo(available);
        assertThat(wallet.path("held").asLong()).as("held").isEqualTo(held);
    }

    /** For a saga's later step (the provider's answer), which no write of the test names a position for. */
    private void awaitWallet(Customer customer, long available, long held) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode wallet = api.get("/api/me/wallet", customer.token()).json();
            assertThat(wallet.path("available").asLong()).isEqualTo(available);
            assertThat(wallet.path("held").asLong()).isEqualTo(held);
        });
    }
}
