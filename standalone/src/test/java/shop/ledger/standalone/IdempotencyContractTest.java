package shop.ledger.standalone;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.web.IdempotencyRecords;
import shop.ledger.platform.web.LedgerPosition;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.testing.RequestPauses;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static shop.ledger.standalone.WalletApiTest.assertProblem;
import static shop.ledger.standalone.WalletApiTest.unique;

/**
 * API.md Conventions, v2: Idempotency-Key with Stripe's semantics, and X-Ledger-Position on every 2xx answer of a
 * state-changing request (replays included).
 */
@StandaloneTest
class IdempotencyContractTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    RequestPauses pauses;
    @Autowired
    IdempotencyRecords records;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    @Test
    void aSuccessCarriesThePositionOfItsEventsAndItsReplayTheSame() {
        Customer customer = api.register(unique("position"));
        String key = UUID.randomUUID().toString();
        String correlationId = "corr-" + UUID.randomUUID();
        Response first = api.post(adjustments(customer), admin,
                ApiClient.json(Map.of("amount", 700, "currency", "USD", "reason", "welcome credit")),
                Map.of("Idempotency-Key", key, "X-Correlation-Id", correlationId));
        assertThat(first.status()).as(first.raw().body()).isEqualTo(201);
        assertThat(jdbc.sql("""
                        SELECT convert_from(metadata, 'UTF8') FROM domainevententry
                        WHERE aggregateidentifier = ? AND sequencenumber > 0""")
                       .param(customer.walletId().toString()).query(String.class).single())
                .as("the event carries the request's correlation id, key and actor")
                .contains(correlationId).contains(key).contains("\"actor\"").doesNotContain(shop.ledger.api.common.Actor.SYSTEM);
        long position = Long.parseLong(first.header(LedgerPosition.HEADER));
        assertThat(position).as("the highest global index of the events the request stored")
                            .isEqualTo(jdbc.sql("""
                                    SELECT max(globalindex) FROM domainevententry
                                    WHERE convert_from(metadata, 'UTF8') LIKE ?""").param("%" + key + "%")
                                           .query(Long.class).single());

        Response replay = adjust(customer, 700, "welcome credit", key);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.raw().body()).isEqualTo(first.raw().body());
        assertThat(replay.header(LedgerPosition.HEADER)).as("the first run's position").isEqualTo(Long.toString(position));
        assertProblem(adjust(customer, 701, "welcome credit", key), 422, "idempotency-key-reused");
        assertThat(moneyEvents(customer)).isEqualTo(1);
    }

    @Test
    void aSuccessThatStoredNoEventCarriesTheHeadAtItsCommit() {
        Customer customer = api.register(unique("head"));
        String reference = unique("psp");
        Response first = api.deposit(admin, customer.walletId(), 900, reference);
        assertThat(first.status()).isEqualTo(201);
        Response again = api.deposit(admin, customer.walletId(), 900, reference); // credits nothing: no event
        assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
        long head = jdbc.sql("SELECT max(globalindex) FROM domainevententry").query(Long.class).single();
        assertThat(Long.parseLong(again.header(LedgerPosition.HEADER)))
                .isGreaterThanOrEqualTo(Long.parseLong(first.header(LedgerPosition.HEADER)))
                .isLessThanOrEqualTo(head);
        assertThat(moneyEvents(customer)).isEqualTo(1);
    }

    @Test
    void refusalsThatDependOnlyOnTheRequestAreReplayedAndConflictsRunAfresh() {
        Customer customer = api.register(unique("refusals"));
        String invalid = UUID.randomUUID().toString();
        assertProblem(adjust(customer, 5, null, invalid), 400, "validation-failed");
        Response replayed = adjust(customer, 5, null, invalid);
        assertProblem(replayed, 400, "validation-failed");
        assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replayed.header(LedgerPosition.HEADER)).as("no position on a refusal").isNull();

        String overdraw = UUID.randomUUID().toString();
        Response refused = adjust(customer, -1_000, "too much", overdraw);
        assertProblem(refused, 409, "insufficient-funds");
        assertThat(refused.header(LedgerPosition.HEADER)).isNull();
        assertThat(api.deposit(admin, customer.walletId(), 5_000, unique("psp")).status()).isEqualTo(201);
        Response afresh = adjust(customer, -1_000, "too much", overdraw);
        assertThat(afresh.status()).as("a 409 is not stored: the retry runs afresh").isEqualTo(201);
        assertThat(afresh.header("Idempotent-Replayed")).isNull();
        assertThat(moneyEvents(customer)).isEqualTo(2);
    }

    @Test
    void aDuplicateWhileTheFirstStillRunsAnswersRequestInProgressAtOnce() throws Exception {
        Customer customer = api.register(unique("in-progress"));
        String key = UUID.randomUUID().toString();
        String pauseName = UUID.randomUUID().toString();
        RequestPauses.Pause pause = pauses.arm(pauseName);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Response> first = thread.submit(() -> api.post(adjustments(customer), admin,
                    ApiClient.json(Map.of("amount", 300, "currency", "USD", "reason", "credit")),
                    Map.of("Idempotency-Key", key, RequestPauses.HEADER, pauseName)));
            assertThat(pause.awaitArrival()).isTrue();

            Response duplicate = adjust(customer, 300, "credit", key);
            assertProblem(duplicate, 409, "request-in-progress");
            assertThat(duplicate.header("Retry-After")).isEqualTo("1");

            pause.release();
            assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(201);
        } finally {
            pause.release();
            thread.shutdownNow();
        }
        Response retried = adjust(customer, 300, "credit", key);
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(moneyEvents(customer)).isEqualTo(1);
    }

    @Test
    void anAnswerHoldingASecretIsNeverStoredAndItsRetryConflicts() {
        String username = unique("secret");
        api.register(username);
        String key = UUID.randomUUID().toString();
        String body = ApiClient.json(Map.of("username", username, "password", ApiClient.PASSWORD));
        Response token = api.post("/api/auth/token", null, body, Map.of("Idempotency-Key", key));
        assertThat(token.status()).isEqualTo(200);
        assertThat(token.text("accessToken")).isNotBlank();
        assertThat(jdbc.sql("SELECT count(*) FROM idempotency_record WHERE idem_key = ? AND body IS NOT NULL")
                       .param(key).query(Long.class).single()).as("the token is not stored").isZero();

        assertProblem(api.post("/api/auth/token", null, body, Map.of("Idempotency-Key", key)), 409, "conflict");
    }

    @Test
    void aKeyIsRememberedFor24Hours() {
        Customer customer = api.register(unique("expiry"));
        String key = UUID.randomUUID().toString();
        assertThat(adjust(customer, 200, "credit", key).status()).isEqualTo(201);
        age(key);
        Response afresh = adjust(customer, 200, "credit", key);
        assertThat(afresh.status()).as("a record past 24 hours is absent").isEqualTo(201);
        assertThat(afresh.header("Idempotent-Replayed")).isNull();
        assertThat(moneyEvents(customer)).isEqualTo(2);

        age(key);
        records.purgeExpired();
        assertThat(jdbc.sql("SELECT count(*) FROM idempotency_record WHERE idem_key = ?").param(key)
                       .query(Long.class).single()).as("purged").isZero();
    }

    @Test
    void aMultipartDigestCoversThePartsNotTheBoundary() {
        String key = UUID.randomUUID().toString();
        String statement = "payout_reference,amount,currency,status,booked_at\n";
        Response first = multipart("boundary-one", statement, key);
        assertThat(first.status()).as("an answer that is stored: %s", first.raw().body())
                                  .isIn(200, 201, 400, 403, 404, 413, 415, 422);
        Response again = multipart("another-boundary-" + UUID.randomUUID(), statement, key);
        assertThat(again.status()).isEqualTo(first.status());
        assertThat(again.header("Idempotent-Replayed")).as("the same parts: a replay").isEqualTo("true");
        assertThat(again.raw().body()).isEqualTo(first.raw().body());
        assertProblem(multipart("boundary-one", statement + "x,1.00,USD,PAID,2026-01-01\n", key), 422,
                "idempotency-key-reused");
    }

    private Response multipart(String boundary, String file, String key) {
        String body = "--" + boundary + "\r\n"
                      + "Content-Disposition: form-data; name=\"file\"; filename=\"statement.csv\"\r\n"
                      + "Content-Type: text/csv\r\n\r\n"
                      + file + "\r\n"
                      + "--" + boundary + "--\r\n";
        return api.post("/api/finance/reconciliations", admin, body, Map.of("Idempotency-Key", key,
                "Content-Type", "multipart/form-data; boundary=" + boundary));
    }

    private void age(String key) {
        jdbc.sql("UPDATE idempotency_record SET created_at = now() - interval '25 hours' WHERE idem_key = ?")
            .param(key).update();
    }

    private Response adjust(Customer customer, long amount, String reason, String key) {
        Map<String, Object> body = reason == null ? Map.of("amount", amount, "currency", "USD")
                : Map.of("amount", amount, "currency", "USD", "reason", reason);
        return api.post(adjustments(customer), admin, ApiClient.json(body), Map.of("Idempotency-Key", key));
    }

    private static String adjustments(Customer customer) {
        return "/api/admin/wallets/" + customer.walletId() + "/adjustments";
    }

    private long moneyEvents(Customer customer) {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE aggregateidentifier = ? AND sequencenumber > 0")
                   .param(customer.walletId().toString()).query(Long.class).single();
    }

    @Test
    void theOpenApiDocumentNamesTheHeadersOfStateChangingRequests() {
        var deposit = api.get("/v3/api-docs", null).json().path("paths")
                         .path("/api/admin/wallets/{walletId}/deposits").path("post");
        assertThat(deposit.path("parameters").toString()).contains(IdempotencyRecords.HEADER);
        var successes = new java.util.ArrayList<String>();
        deposit.path("responses").properties().forEach(response -> {
            if (response.getKey().startsWith("2")) {
                successes.add(response.getKey());
                assertThat(response.getValue().path("headers").has(LedgerPosition.HEADER)).as(deposit.toString()).isTrue();
            }
        });
        assertThat(successes).isNotEmpty();
        assertThat(deposit.path("responses").has("409")).isTrue();
    }

}
