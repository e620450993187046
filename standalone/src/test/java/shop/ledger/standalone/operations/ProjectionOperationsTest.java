package shop.ledger.standalone.operations;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /api/admin/projections and POST /api/admin/projections/{name}/replay (API.md, Operations). */
@StandaloneTest
class ProjectionOperationsTest {

    private static final String WALLETS = "wallets";
    private static final String JOURNAL = "journal";

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ProjectionOperations operations;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    @Test
    void theProjectionsShowTheirPositionsAndCatchUpToTheHead() {
        Customer customer = api.register(unique("ops"));
        assertThat(api.deposit(admin, customer.walletId(), 500, unique("psp")).status()).isEqualTo(201);

        for (String name : List.of(WALLETS, JOURNAL, "orders")) {
            JsonNode item = awaitCaughtUp(name);
            assertThat(item.path("running").asBoolean()).as(name).isTrue();
            assertThat(item.path("replayable").asBoolean()).as(name).isTrue();
            assertThat(item.path("segments").size()).as(name).isPositive();
            assertThat(item.path("position").asLong()).as(name).isPositive();
            assertThat(item.path("lag").asLong()).as(name).isZero();
            assertThat(item.path("replaying").asBoolean()).as(name).isFalse();
            assertThat(item.path("replayProgress").isNull()).as(name).isTrue();
            for (JsonNode segment : item.path("segments")) {
                assertThat(segment.has("segment")).isTrue();
                assertThat(segment.path("position").asLong()).isEqualTo(item.path("position").asLong());
                assertThat(segment.path("caughtUp").asBoolean()).isTrue();
                assertThat(segment.path("replaying").asBoolean()).isFalse();
            }
        }
        Response overview = api.get("/api/admin/projections", admin);
        long head = overview.json().path("headPosition").asLong();
        Long lastEvent = jdbc.sql("SELECT max(globalindex) FROM domainevententry").query(Long.class).single();
        assertThat(head).isLessThanOrEqualTo(lastEvent).isPositive();
        assertThat(item(overview.json(), "live-updates").path("replayable").asBoolean()).isFalse();
    }

    @Test
    void replayingTheWalletsRebuildsTheSameReadModel() {
        for (int i = 0; i < 3; i++) {
            Customer customer = api.register(unique("replay"));
            assertThat(api.deposit(admin, customer.walletId(), 100L + i, unique("psp")).status()).isEqualTo(201);
            assertThat(api.deposit(admin, customer.walletId(), 1000L * (i + 1), unique("psp")).status()).isEqualTo(201);
        }
        awaitCaughtUp(WALLETS);
        List<Map<String, Object>> wallets = dump("SELECT * FROM wallet_view ORDER BY wallet_id");
        List<Map<String, Object>> lines = dump("SELECT * FROM statement_line ORDER BY line_id");
        assertThat(wallets).isNotEmpty();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(6);

        Response replay = api.post("/api/admin/projections/" + WALLETS + "/replay", admin, "");
        assertThat(replay.status()).as(replay.raw().body()).isEqualTo(202);
        assertThat(replay.text("name")).isEqualTo(WALLETS);
        assertThat(replay.json().path("replaying").asBoolean()).isTrue();

        JsonNode during = item(api.get("/api/admin/projections", admin).json(), WALLETS);
        boolean replayingOrDone = during.path("replaying").asBoolean() || during.path("lag").asLong(-1) == 0;
        assertThat(replayingOrDone).as(during.toString()).isTrue();
        if (during.path("replaying").asBoolean() && !during.path("replayProgress").isNull()) {
            assertThat(during.path("replayProgress").asDouble()).isBetween(0.0, 1.0);
        }

        awaitCaughtUp(WALLETS);
        assertThat(dump("SELECT * FROM wallet_view ORDER BY wallet_id")).isEqualTo(wallets);
        assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).isEqualTo(lines);
    }

    @Test
    void replayingTheJournalKeepsTheTrialBalance() {
        Customer customer = api.register(unique("journal"));
        assertThat(api.deposit(admin, customer.walletId(), 4200, unique("psp")).status()).isEqualTo(201);
        awaitCaughtUp(JOURNAL);
        String trialBalance = api.get("/api/admin/journal/trial-balance", admin).raw().body();
        List<Map<String, Object>> postings = dump("SELECT * FROM journal_posting ORDER BY event_id, leg");
        assertThat(postings).isNotEmpty();

        assertThat(api.post("/api/admin/projections/" + JOURNAL + "/replay", admin, "").status()).isEqualTo(202);

        awaitCaughtUp(JOURNAL);
        assertThat(api.get("/api/admin/journal/trial-balance", admin).raw().body()).isEqualTo(trialBalance);
        assertThat(dump("SELECT * FROM journal_posting ORDER BY event_id, leg")).isEqualTo(postings);
    }

    @Test
    void replayingEveryReadModelInOnePassRebuildsTheSameRowsAndGoesOnLive() {
        Customer customer = api.register(unique("all"));
        assertThat(api.deposit(admin, customer.walletId(), 777, unique("psp")).status()).isEqualTo(201);
        List<String> tables = List.of("SELECT * FROM wallet_view ORDER BY wallet_id",
                "SELECT * FROM statement_line ORDER BY line_id", "SELECT * FROM journal_posting ORDER BY event_id, leg",
                "SELECT * FROM account_view ORDER BY account_id", "SELECT * FROM catalogue_view ORDER BY service_id");
        List<String> replayable = List.of(WALLETS, JOURNAL, "accounts", "orders", "catalogue");
        replayable.forEach(this::awaitCaughtUp);
        List<List<Map<String, Object>>> before = tables.stream().map(this::dump).toList();

        List<String> replayed = operations.replayAll();
        assertThat(replayed).containsAll(replayable);
        replayed.forEach(this::awaitCaughtUp);
        assertThat(tables.stream().map(this::dump).toList()).isEqualTo(before);

        // the processors go on from where the rebuild left them
        assertThat(api.deposit(admin, customer.walletId(), 223, unique("psp")).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                api.get("/api/me/wallet", customer.token()).json().path("available").asLong()).isEqualTo(1000));
        assertThat(operations.replayAll()).as("nothing is left replaying afterwards").containsAll(replayable);
        replayable.forEach(this::awaitCaughtUp);
    }

    @Test
    void aRebuildThatStopsHalfWayLeavesTheRestToTheProcessorsOwnReplay() {
        Customer customer = api.register(unique("trap"));
        long trapped = 7_654_321;
        for (long amount : new long[]{100, trapped, 200}) {
            assertThat(api.deposit(admin, customer.walletId(), amount, unique("psp")).status()).isEqualTo(201);
        }
        awaitCaughtUp(WALLETS);
        List<Map<String, Object>> lines = dump("SELECT * FROM statement_line ORDER BY line_id");
        List<Map<String, Object>> wallets = dump("SELECT * FROM wallet_view ORDER BY wallet_id");

        // the second deposit's line cannot be written while the trap is set: the rebuild stops there
        jdbc.sql("ALTER TABLE statement_line ADD CONSTRAINT rebuild_trap CHECK (amount <> " + trapped + ") NOT VALID")
            .update();
        try {
            operations.replay(WALLETS);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                // the rebuild is over once the processor runs again (it is shut down while the rebuild reads)
                return item(api.get("/api/admin/projections", admin).json(), WALLETS).path("running").asBoolean();
            });
        } finally {
            jdbc.sql("ALTER TABLE statement_line DROP CONSTRAINT rebuild_trap").update();
        }

        // the processor, started on its replay tokens, replays what the rebuild had not written
        awaitCaughtUp(WALLETS, Duration.ofSeconds(90));
        assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).isEqualTo(lines);
        assertThat(dump("SELECT * FROM wallet_view ORDER BY wallet_id")).isEqualTo(wallets);
    }

    @Test
    void onlyKnownReplayableProjectionsReplayAndOnlyForAdmins() {
        assertProblem(api.post("/api/admin/projections/no-such-projection/replay", admin, ""), 404, "not-found");
        assertProblem(api.post("/api/admin/projections/live-updates/replay", admin, ""), 409, "conflict");

        Customer customer = api.register(unique("nosy"));
        assertProblem(api.get("/api/admin/projections", customer.token()), 403, "forbidden");
        assertProblem(api.post("/api/admin/projections/" + WALLETS + "/replay", customer.token(), ""), 403, "forbidden");
        assertProblem(api.get("/api/admin/projections", null), 401, "unauthorized");
    }

    private JsonNode awaitCaughtUp(String name) {
        return awaitCaughtUp(name, Duration.ofSeconds(30));
    }

    private JsonNode awaitCaughtUp(String name, Duration atMost) {
        JsonNode[] last = new JsonNode[1];
        long[] head = new long[1];
        try {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
            Response response = api.get("/api/admin/projections", admin);
            assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
            JsonNode projection = item(response.json(), name);
            last[0] = projection;
            head[0] = response.json().path("headPosition").asLong();
            return projection.path("running").asBoolean()
                    && !projection.path("replaying").asBoolean()
                    && projection.path("error").isNull()
                    && projection.path("lag").isNumber() && projection.path("lag").asLong() == 0
                    && projection.path("position").asLong() >= response.json().path("headPosition").asLong();
        });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(name + " did not catch up to " + head[0] + ": " + last[0], e);
        }
        return last[0];
    }

    private static JsonNode item(JsonNode overview, String name) {
        for (JsonNode item : overview.path("items")) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        throw new AssertionError("no projection " + name + " in " + overview);
    }

    private List<Map<String, Object>> dump(String sql) {
        return jdbc.sql(sql).query().listOfRows();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
        assertThat(response.json().path("status").asInt()).isEqualTo(status);
    }
}
