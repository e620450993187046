package shop.ledger.standalone;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Identity, wallet, statement, deposits and adjustments through the public API (API.md). */
@StandaloneTest
class WalletApiTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aCustomerRegistersIsCreditedAndSeesBalanceAndStatement() {
        String username = unique("alice");
        Customer alice = api.register(username);

        Response me = api.getAfter(alice.position(), "/api/me", alice.token());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.text("customerId")).isEqualTo(alice.customerId().toString());
        assertThat(me.text("username")).isEqualTo(username);
        assertThat(me.text("email")).isEqualTo(username + "@example.com");
        assertThat(me.json().path("roles").toString()).isEqualTo("[\"CUSTOMER\"]");
        assertThat(me.json().path("twoFactorEnabled").asBoolean()).isFalse();

        Response deposit = api.deposit(admin, alice.walletId(), 1250, unique("psp"));
        assertThat(deposit.status()).isEqualTo(201);
        String depositId = deposit.text("depositId");
        // read your own writes: the first read after the deposit's position shows it (no retry)
        assertThat(api.getAfter(deposit.position(), "/api/me/wallet", alice.token()).json().path("available").asLong())
                .isEqualTo(1250);

        Response adjustment = api.post("/api/admin/wallets/" + alice.walletId() + "/adjustments", admin,
                ApiClient.json(Map.of("amount", -250, "currency", "USD", "reason", "duplicate top-up reversed")));
        assertThat(adjustment.status()).isEqualTo(201);

        JsonNode wallet = api.getAfter(adjustment.position(), "/api/me/wallet", alice.token()).json();
        assertThat(wallet.path("available").asLong()).isEqualTo(1000);
        assertThat(wallet.path("held").asLong()).isZero();
        assertThat(wallet.path("balance").asLong()).isEqualTo(1000);
        assertThat(wallet.path("currency").asText()).isEqualTo("USD");
        assertThat(wallet.path("walletId").asText()).isEqualTo(alice.walletId().toString());
        JsonNode lines = statementAfter(adjustment.position(), alice, 2).path("items");
        assertThat(lines.get(0).path("kind").asText()).isEqualTo("ADJUSTMENT");
        assertThat(lines.get(0).path("amount").asLong()).isEqualTo(250);
        assertThat(lines.get(0).path("availableChange").asLong()).isEqualTo(-250);
        assertThat(lines.get(0).path("availableAfter").asLong()).isEqualTo(1000);
        assertThat(lines.get(0).path("reason").asText()).isEqualTo("duplicate top-up reversed");
        assertThat(lines.get(1).path("kind").asText()).isEqualTo("DEPOSIT");
        assertThat(lines.get(1).path("depositId").asText()).isEqualTo(depositId);
        assertThat(lines.get(1).path("availableAfter").asLong()).isEqualTo(1250);
        assertThat(lines.get(1).path("heldAfter").asLong()).isZero();
    }

    @Test
    void theStatementIsPagedWithAnOpaqueCursor() {
        Customer bob = api.register(unique("bob"));
        long lastDeposit = 0;
        for (int i = 1; i <= 3; i++) {
            Response deposit = api.deposit(admin, bob.walletId(), 100L * i, unique("psp"));
            assertThat(deposit.status()).isEqualTo(201);
            lastDeposit = deposit.position();
        }
        statementAfter(lastDeposit, bob, 3);
        Response first = api.get("/api/me/wallet/transactions?limit=2", bob.token());
        assertThat(first.json().path("items")).hasSize(2);
        assertThat(first.json().path("items").get(0).path("amount").asLong()).isEqualTo(300);
        String cursor = first.text("nextCursor");
        assertThat(cursor).isNotBlank();
        Response second = api.get("/api/me/wallet/transactions?limit=2&cursor=" + cursor, bob.token());
        assertThat(second.json().path("items")).hasSize(1);
        assertThat(second.json().path("items").get(0).path("amount").asLong()).isEqualTo(100);
        assertThat(second.json().path("nextCursor").isNull()).isTrue();

        assertProblem(api.get("/api/me/wallet/transactions?limit=501", bob.token()), 400, "validation-failed");
        assertProblem(api.get("/api/me/wallet/transactions?cursor=garbage", bob.token()), 400, "validation-failed");
    }

    @Test
    void aProviderReferenceCreditsOnlyOnce() {
        Customer carol = api.register(unique("carol"));
        String reference = unique("psp");
        Response first = api.deposit(admin, carol.walletId(), 700, reference);
        Response again = api.deposit(admin, carol.walletId(), 700, reference);
        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text("depositId")).isEqualTo(first.text("depositId"));
        assertProblem(api.deposit(admin, carol.walletId(), 701, reference), 409, "conflict");

        statementAfter(first.position(), carol, 1);
        assertThat(moneyEvents(carol.walletId())).isEqualTo(1);
        assertThat(api.get("/api/me/wallet", carol.token()).json().path("available").asLong()).isEqualTo(700);
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() {
        Customer dave = api.register(unique("dave"));
        String body = ApiClient.json(Map.of("amount", 500, "currency", "USD", "reason", "goodwill credit"));
        Map<String, String> key = Map.of("Idempotency-Key", UUID.randomUUID().toString());
        String path = "/api/admin/wallets/" + dave.walletId() + "/adjustments";

        Response first = api.post(path, admin, body, key);
        Response replay = api.post(path, admin, body, key);
        assertThat(first.status()).isEqualTo(201);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.raw().body()).isEqualTo(first.raw().body());
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");

        Response reused = api.post(path, admin,
                ApiClient.json(Map.of("amount", 501, "currency", "USD", "reason", "goodwill credit")), key);
        assertProblem(reused, 422, "idempotency-key-reused");
        assertThat(moneyEvents(dave.walletId())).isEqualTo(1);

        // a refusal that depends on the ledger (409) is not stored (API.md v2): the retry runs afresh, is refused
        // again and still changes nothing
        Map<String, String> refusedKey = Map.of("Idempotency-Key", UUID.randomUUID().toString());
        String overdraw = ApiClient.json(Map.of("amount", -10_000, "currency", "USD", "reason", "too much"));
        assertProblem(api.post(path, admin, overdraw, refusedKey), 409, "insufficient-funds");
        assertProblem(api.post(path, admin, overdraw, refusedKey), 409, "insufficient-funds");
        assertThat(moneyEvents(dave.walletId())).isEqualTo(1);
    }

    @Test
    void refusedRequestsAnswerProblemJsonAndChangeNothing() {
        Customer erin = api.register(unique("erin"));
        Response deposit = api.deposit(admin, erin.walletId(), 1000, unique("psp"));
        assertThat(deposit.status()).isEqualTo(201);
        String adjustments = "/api/admin/wallets/" + erin.walletId() + "/adjustments";
        String deposits = "/api/admin/wallets/" + erin.walletId() + "/deposits";
        long before = moneyEvents(erin.walletId());

        assertProblem(api.post(adjustments, admin,
                ApiClient.json(Map.of("amount", -1001, "currency", "USD", "reason", "overdraw"))), 409, "insufficient-funds");
        assertProblem(api.post(adjustments, admin,
                ApiClient.json(Map.of("amount", 5, "currency", "USD"))), 400, "validation-failed");
        assertProblem(api.post(adjustments, admin,
                ApiClient.json(Map.of("amount", 5, "currency", "USD", "reason", " "))), 400, "validation-failed");
        assertProblem(api.post(deposits, admin,
                ApiClient.json(Map.of("amount", 5, "currency", "EUR", "providerReference", unique("p")))), 400,
                "currency-mismatch");
        assertProblem(api.post(deposits, admin,
                ApiClient.json(Map.of("amount", 5, "currency", "usd", "providerReference", unique("p")))), 400,
                "currency-mismatch");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":12.5,\"currency\":\"USD\",\"providerReference\":\"p-float\"}"), 400, "validation-failed");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":\"1250\",\"currency\":\"USD\",\"providerReference\":\"p-string\"}"), 400, "validation-failed");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":99999999999999999999999,\"currency\":\"USD\",\"providerReference\":\"p-big\"}"), 400,
                "validation-failed");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":-5,\"currency\":\"USD\",\"providerReference\":\"p-neg\"}"), 400, "validation-failed");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":100000000001,\"currency\":\"USD\",\"providerReference\":\"p-huge\"}"), 400, "validation-failed");
        assertProblem(api.post(deposits, admin,
                "{\"amount\":5,\"currency\":\"USD\",\"providerReference\":\"p-x\",\"bonus\":true}"), 400,
                "validation-failed");
        assertProblem(api.post(deposits, admin, "{\"amount\":5,", Map.of()), 400, "validation-failed");
        assertProblem(api.post(deposits, admin, "[]"), 400, "validation-failed");
        assertProblem(api.postBytes(deposits, admin, new byte[]{'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}),
                400, "validation-failed");
        assertProblem(api.deposit(admin, UUID.randomUUID(), 5, unique("p")), 404, "not-found");
        assertProblem(api.post("/api/auth/register", null,
                ApiClient.json(Map.of("username", unique("weak"), "email", "w@example.com", "password", "short"))),
                400, "validation-failed");
        assertProblem(api.post("/api/auth/register", null,
                ApiClient.json(Map.of("username", unique("mail"), "email", "not-an-address", "password", ApiClient.PASSWORD))),
                400, "validation-failed");

        assertThat(moneyEvents(erin.walletId())).isEqualTo(before);
        assertThat(api.getAfter(deposit.position(), "/api/me/wallet", erin.token()).json().path("available").asLong()).isEqualTo(1000);
    }

    @Test
    void aTakenUsernameIsAConflictAndCreatesNothing() {
        String username = unique("frank");
        api.register(username);
        long accounts = jdbc.sql("SELECT count(*) FROM account").query(Long.class).single();
        long events = jdbc.sql("SELECT count(*) FROM domainevententry").query(Long.class).single();
        assertProblem(api.post("/api/auth/register", null,
                ApiClient.json(Map.of("username", username, "email", "other@example.com", "password", ApiClient.PASSWORD))),
                409, "conflict");
        assertThat(jdbc.sql("SELECT count(*) FROM account").query(Long.class).single()).isEqualTo(accounts);
        assertThat(jdbc.sql("SELECT count(*) FROM domainevententry").query(Long.class).single()).isEqualTo(events);
        assertProblem(api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", username, "password", "wrong password!"))), 401, "unauthorized");
        assertProblem(api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", unique("nobody"), "password", "wrong password!"))), 401, "unauthorized");
    }

    @Test
    void staffAccountsAreCreatedByAdminsWithStaffRolesOnly() {
        String username = unique("finance");
        Response created = api.post("/api/admin/staff", admin, ApiClient.json(Map.of("username", username,
                "email", username + "@shop.example", "password", ApiClient.PASSWORD, "roles", new String[]{"FINANCE"})));
        assertThat(created.status()).isEqualTo(201);
        String finance = api.token(username, ApiClient.PASSWORD);
        Customer gina = api.register(unique("gina"));
        // FINANCE may credit deposits, but not adjust or create staff
        assertThat(api.deposit(finance, gina.walletId(), 300, unique("psp")).status()).isEqualTo(201);
        assertProblem(api.post("/api/admin/wallets/" + gina.walletId() + "/adjustments", finance,
                ApiClient.json(Map.of("amount", 5, "currency", "USD", "reason", "nope"))), 403, "forbidden");
        assertProblem(api.post("/api/admin/staff", admin, ApiClient.json(Map.of("username", unique("cust"),
                "email", "c@shop.example", "password", ApiClient.PASSWORD, "roles", new String[]{"CUSTOMER"}))),
                400, "validation-failed");
        Response me = api.getAfter(created.position(), "/api/me", finance);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().path("roles").toString()).isEqualTo("[\"FINANCE\"]");
        assertProblem(api.get("/api/me/wallet", finance), 404, "not-found");
    }

    @Test
    void customersReachOnlyTheirOwnDataAndNoStaffEndpoint() {
        Customer hank = api.register(unique("hank"));
        Customer ivy = api.register(unique("ivy"));
        assertProblem(api.deposit(hank.token(), hank.walletId(), 100, unique("psp")), 403, "forbidden");
        assertProblem(api.get("/api/admin/wallets/" + ivy.walletId(), hank.token()), 403, "forbidden");
        assertProblem(api.get("/api/admin/journal/trial-balance", hank.token()), 403, "forbidden");
        assertProblem(api.get("/api/me/wallet", null), 401, "unauthorized");
        assertThat(api.getAfter(ivy.position(), "/api/me", ivy.token()).text("customerId"))
                .isEqualTo(ivy.customerId().toString());
        assertThat(api.getAfter(hank.position(), "/api/me/wallet", hank.token()).text("walletId")).isEqualTo(hank.walletId().toString());
    }

    @Test
    void theJournalBalancesToZero() {
        Customer jane = api.register(unique("jane"));
        api.deposit(admin, jane.walletId(), 900, unique("psp"));
        Response adjustment = api.post("/api/admin/wallets/" + jane.walletId() + "/adjustments", admin,
                ApiClient.json(Map.of("amount", -100, "currency", "USD", "reason", "fee correction")));
        // the trial balance is the journal's read model: read after the adjustment, it covers both postings' pairs
        JsonNode usd = api.getAfter(adjustment.position(), "/api/admin/journal/trial-balance", admin).json()
                          .path("currencies").get(0);
        long postings = jdbc.sql("SELECT count(*) FROM journal_posting WHERE wallet_id = ?")
                            .param(jane.walletId()).query(Long.class).single();
        assertThat(postings).isEqualTo(4);
        assertThat(usd.path("currency").asText()).isEqualTo("USD");
        assertThat(usd.path("debits").asLong()).isPositive();
        assertThat(usd.path("debits").asLong()).isEqualTo(usd.path("credits").asLong());
        assertThat(usd.path("net").asLong()).isZero();
    }

    @Test
    void unknownRoutesAndMethodsAnswerProblemJson() {
        assertProblem(api.get("/api/nothing-here", admin), 404, "not-found");
        assertProblem(api.get("/api/admin/wallets/not-a-uuid", admin), 404, "not-found");
        assertProblem(api.get("/api/admin/wallets/" + UUID.randomUUID(), admin), 404, "not-found");
        assertProblem(api.post("/api/me/wallet", admin, "{}"), 405, "method-not-allowed");
    }

    @Test
    void operationsEndpointsAreServed() {
        Response health = api.get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.text("status")).isEqualTo("UP");
        Response metrics = api.get("/actuator/prometheus", null);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.raw().body()).contains("jvm_memory_used_bytes");
        Response docs = api.get("/v3/api-docs", null);
        assertThat(docs.status()).isEqualTo(200);
        JsonNode paths = docs.json().path("paths");
        for (String path : new String[]{"/api/auth/register", "/api/auth/token", "/api/me", "/api/me/wallet",
                "/api/me/wallet/transactions", "/api/admin/wallets/{walletId}/deposits",
                "/api/admin/wallets/{walletId}/adjustments", "/api/admin/staff"}) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(api.get("/swagger-ui.html", null).status()).isIn(200, 302);
    }

    /** build-info and git.properties are written by the build (standalone/pom.xml); a clone without .git has no commit. */
    @Test
    void infoNamesTheBuildThatRuns() {
        Response info = api.get("/actuator/info", admin);
        assertThat(info.status()).as(info.raw().body()).isEqualTo(200);
        JsonNode build = info.json().path("build");
        assertThat(build.path("artifact").asText()).isEqualTo("standalone");
        assertThat(build.path("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
        if (getClass().getResource("/git.properties") != null) {
            assertThat(info.json().path("git").path("commit").path("id").asText()).matches("[0-9a-f]{7,40}");
        }
    }

    /** The statement read after {@code position}: it already holds every line up to it (no retry). */
    private JsonNode statementAfter(long position, Customer customer, int lines) {
        Response statement = api.getAfter(position, "/api/me/wallet/transactions", customer.token());
        assertThat(statement.status()).as(statement.raw().body()).isEqualTo(200);
        assertThat(statement.json().path("items")).hasSize(lines);
        return statement.json();
    }

    private long moneyEvents(UUID walletId) {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE aggregateidentifier = ? AND sequencenumber > 0")
                   .param(walletId.toString()).query(Long.class).single();
    }

    static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
        assertThat(response.json().path("status").asInt()).isEqualTo(status);
        assertThat(response.text("title")).isNotBlank();
        assertThat(response.json().has("detail")).isTrue();
    }
}
