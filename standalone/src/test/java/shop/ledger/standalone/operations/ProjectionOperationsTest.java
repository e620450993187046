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

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
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
    @Autowired
    DataSource dataSource;

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
        Long tableBefore = tableOid("statement_line");
        List<String> indexesBefore = indexes("statement_line");
        // a reporting role reads the statement: it still may once the new table is in
        jdbc.sql("DO $$ BEGIN CREATE ROLE ledger_reporting_test; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
            .update();
        jdbc.sql("GRANT SELECT ON statement_line TO ledger_reporting_test").update();

        Instant requested = Instant.now();
        Response replay = api.post("/api/admin/projections/" + WALLETS + "/replay", admin, "");
        assertThat(replay.status()).as(replay.raw().body()).isEqualTo(202);
        assertThat(replay.text("name")).isEqualTo(WALLETS);
        assertThat(replay.json().path("replaying").asBoolean()).isTrue();
        assertThat(replay.header(shop.ledger.platform.web.LedgerPosition.HEADER))
                .as("a state-changing answer of the query side carries a position too (API.md)").matches("\\d+");

        JsonNode during = item(api.get("/api/admin/projections", admin).json(), WALLETS);
        assertThat(during.path("running").asBoolean()).as("the live processor keeps running").isTrue();
        if (during.path("replaying").asBoolean()) {
            assertThat(during.path("replayProgress").asDouble()).isBetween(0.0, 1.0);
            assertThat(during.path("lastReplay").path("state").asText()).isEqualTo("RUNNING");
        }

        JsonNode done = awaitReplayed(WALLETS, requested);
        assertThat(done.path("lastReplay").path("eventsRead").asLong()).isPositive();
        assertThat(done.path("lastReplay").path("error").isNull()).isTrue();
        assertThat(tableOid("statement_line")).as("fresh tables were swapped in").isNotEqualTo(tableBefore);
        assertThat(dump("SELECT * FROM wallet_view ORDER BY wallet_id")).isEqualTo(wallets);
        assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).isEqualTo(lines);
        assertThat(indexes("statement_line")).as("the same indexes, by name").isEqualTo(indexesBefore);
        assertThat(jdbc.sql("SELECT has_table_privilege('ledger_reporting_test', 'public.statement_line', 'SELECT')")
                       .query(Boolean.class).single()).as("the same privileges").isTrue();
        assertThat(rebuildSchemas()).as("nothing left behind").isEmpty();
    }

    @Test
    void replayingTheJournalKeepsTheTrialBalance() {
        Customer customer = api.register(unique("journal"));
        assertThat(api.deposit(admin, customer.walletId(), 4200, unique("psp")).status()).isEqualTo(201);
        awaitCaughtUp(JOURNAL);
        String trialBalance = api.get("/api/admin/journal/trial-balance", admin).raw().body();
        List<Map<String, Object>> postings = dump("SELECT * FROM journal_posting ORDER BY event_id, leg");
        assertThat(postings).isNotEmpty();

        Instant requested = Instant.now();
        assertThat(api.post("/api/admin/projections/" + JOURNAL + "/replay", admin, "").status()).isEqualTo(202);

        awaitReplayed(JOURNAL, requested);
        assertThat(api.get("/api/admin/journal/trial-balance", admin).raw().body()).isEqualTo(trialBalance);
        assertThat(dump("SELECT * FROM journal_posting ORDER BY event_id, leg")).isEqualTo(postings);
    }

    @Test
    void replayingEveryReadModelInOnePassRebuildsTheSameRowsAndGoesOnLive() {
        Customer customer = api.register(unique("all"));
        assertThat(api.deposit(admin, customer.walletId(), 777, unique("psp")).status()).isEqualTo(201);
        List<String> tables = List.of("SELECT * FROM wallet_view ORDER BY wallet_id",
                "SELECT * FROM statement_line ORDER BY line_id", "SELECT * FROM journal_posting ORDER BY event_id, leg",
                "SELECT * FROM account_view ORDER BY account_id", "SELECT * FROM catalogue_view ORDER BY service_id",
                "SELECT * FROM order_view ORDER BY order_id", "SELECT * FROM order_timeline ORDER BY event_id");
        List<String> replayable = List.of(WALLETS, JOURNAL, "accounts", "orders", "catalogue", "refund-cases",
                "withdrawals", "reconciliations");
        replayable.forEach(this::awaitCaughtUp);
        List<List<Map<String, Object>>> before = tables.stream().map(this::dump).toList();

        Instant requested = Instant.now();
        List<String> replayed = operations.replayAll();
        assertThat(replayed).containsExactlyInAnyOrderElementsOf(replayable);
        replayed.forEach(name -> awaitReplayed(name, requested));
        assertThat(tables.stream().map(this::dump).toList()).isEqualTo(before);

        // the processors go on from their own tokens, into the new tables
        assertThat(api.deposit(admin, customer.walletId(), 223, unique("psp")).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                api.get("/api/me/wallet", customer.token()).json().path("available").asLong()).isEqualTo(1000));
        assertThat(operations.replayAll()).as("nothing is left replaying afterwards").containsAll(replayable);
        Instant again = Instant.now().minusSeconds(1);
        replayable.forEach(name -> awaitReplayed(name, again));
    }

    /**
     * The swap needs the live tables for a moment; while a reader holds one, the rebuild waits with its new tables
     * complete, and the live read model goes on serving in full and taking new events. Once the reader lets go, the
     * new tables come in with those events too.
     */
    @Test
    void theLiveReadModelServesInFullWhileARebuildWaitsToSwapAndNothingWrittenMeanwhileIsLost() throws Exception {
        Customer customer = api.register(unique("busy"));
        assertThat(api.deposit(admin, customer.walletId(), 300, unique("psp")).status()).isEqualTo(201);
        awaitCaughtUp(WALLETS);
        List<Map<String, Object>> linesBefore = dump("SELECT * FROM statement_line ORDER BY line_id");

        Instant requested;
        try (Connection reader = dataSource.getConnection()) {
            reader.setAutoCommit(false);
            try (Statement statement = reader.createStatement()) {
                statement.execute("SELECT count(*) FROM wallet_view"); // holds its lock until the transaction ends
            }
            requested = Instant.now();
            operations.replay(WALLETS);
            await().atMost(Duration.ofSeconds(30)).until(() -> waitingForTheLiveTables(WALLETS));

            JsonNode during = item(api.get("/api/admin/projections", admin).json(), WALLETS);
            assertThat(during.path("replaying").asBoolean()).isTrue();
            assertThat(during.path("running").asBoolean()).isTrue();
            assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).as("served in full").isEqualTo(linesBefore);
            assertThat(api.deposit(admin, customer.walletId(), 45, unique("psp")).status()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                    api.get("/api/me/wallet", customer.token()).json().path("available").asLong()).isEqualTo(345));
            reader.rollback();
        }

        awaitReplayed(WALLETS, requested);
        assertThat(api.get("/api/me/wallet", customer.token()).json().path("available").asLong()).isEqualTo(345);
        assertThat(api.get("/api/me/wallet/transactions", customer.token()).json().path("items").size()).isEqualTo(2);
        assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).hasSize(linesBefore.size() + 1);
    }

    @Test
    void aRebuildThatFailsLeavesTheLiveReadModelAsItWas() {
        Customer customer = api.register(unique("trap"));
        long trapped = 7_654_321;
        for (long amount : new long[]{100, trapped, 200}) {
            assertThat(api.deposit(admin, customer.walletId(), amount, unique("psp")).status()).isEqualTo(201);
        }
        awaitCaughtUp(WALLETS);
        List<Map<String, Object>> lines = dump("SELECT * FROM statement_line ORDER BY line_id");
        List<Map<String, Object>> wallets = dump("SELECT * FROM wallet_view ORDER BY wallet_id");
        Long tableBefore = tableOid("statement_line");

        // the new tables take the live tables' constraints: the second deposit's line cannot be rebuilt
        jdbc.sql("ALTER TABLE statement_line ADD CONSTRAINT rebuild_trap CHECK (amount <> " + trapped + ") NOT VALID")
            .update();
        JsonNode failed;
        try {
            Instant requested = Instant.now();
            operations.replay(WALLETS);
            failed = awaitReplayEnded(WALLETS, requested);
        } finally {
            jdbc.sql("ALTER TABLE statement_line DROP CONSTRAINT rebuild_trap").update();
        }

        assertThat(failed.path("lastReplay").path("state").asText()).isEqualTo("FAILED");
        assertThat(failed.path("lastReplay").path("error").asText()).contains("rebuild_trap");
        assertThat(failed.path("replaying").asBoolean()).isFalse();
        assertThat(tableOid("statement_line")).as("the live table stays").isEqualTo(tableBefore);
        assertThat(dump("SELECT * FROM statement_line ORDER BY line_id")).isEqualTo(lines);
        assertThat(dump("SELECT * FROM wallet_view ORDER BY wallet_id")).isEqualTo(wallets);
        assertThat(rebuildSchemas()).as("the new tables are dropped").isEmpty();
        // and the live processor went on all along
        assertThat(api.deposit(admin, customer.walletId(), 1, unique("psp")).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                api.get("/api/me/wallet", customer.token()).json().path("available").asLong()).isEqualTo(trapped + 301));
    }

    @Test
    void aRebuildWhoseInstanceDiedIsAbandonedAndItsTablesDropped() {
        UUID run = UUID.randomUUID();
        String schema = "ledger_rebuild_" + run.toString().replace("-", "");
        jdbc.sql("""
                     INSERT INTO projection_rebuild (run_id, processors, state, owner, started_at, heartbeat_at,
                         start_position)
                     VALUES (?, ARRAY['catalogue'], 'RUNNING', 'gone@elsewhere', now(), now() - interval '1 hour', 0)
                     """).param(run).update();
        jdbc.sql("CREATE SCHEMA " + schema).update();
        jdbc.sql("CREATE TABLE " + schema + ".catalogue_view (LIKE public.catalogue_view)").update();
        // a run whose instance went silent reads as abandoned at once, before anything marks it so
        assertThat(item(api.get("/api/admin/projections", admin).json(), "catalogue")
                           .path("lastReplay").path("state").asText()).isEqualTo("ABANDONED");

        operations.dropLeftovers();

        assertThat(jdbc.sql("SELECT state FROM projection_rebuild WHERE run_id = ?").param(run).query(String.class)
                       .single()).isEqualTo("ABANDONED");
        assertThat(rebuildSchemas()).doesNotContain(schema);
        Instant requested = Instant.now();
        operations.replay("catalogue");
        assertThat(awaitReplayed("catalogue", requested).path("lastReplay").path("state").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void aSecondReplayOfTheSameReadModelWhileOneRunsIsRefused() throws Exception {
        try (Connection reader = dataSource.getConnection()) {
            reader.setAutoCommit(false);
            try (Statement statement = reader.createStatement()) {
                statement.execute("SELECT count(*) FROM refund_case_view");
            }
            Instant requested = Instant.now();
            operations.replay("refund-cases");
            assertProblem(api.post("/api/admin/projections/refund-cases/replay", admin, ""), 409, "conflict");
            reader.rollback();
            awaitReplayed("refund-cases", requested);
        }
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

    /** The processor's newest rebuild, started at or after {@code requested}, has completed and it is caught up. */
    private JsonNode awaitReplayed(String name, Instant requested) {
        JsonNode ended = awaitReplayEnded(name, requested);
        assertThat(ended.path("lastReplay").path("state").asText()).as(ended.toString()).isEqualTo("COMPLETED");
        return awaitCaughtUp(name);
    }

    private JsonNode awaitReplayEnded(String name, Instant requested) {
        JsonNode[] last = new JsonNode[1];
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode projection = item(api.get("/api/admin/projections", admin).json(), name);
                last[0] = projection;
                JsonNode replay = projection.path("lastReplay");
                return !projection.path("replaying").asBoolean() && replay.isObject()
                       && !Instant.parse(replay.path("startedAt").asText()).isBefore(requested.minusMillis(500))
                       && !"RUNNING".equals(replay.path("state").asText());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the replay of " + name + " did not end: " + last[0], e);
        }
        return last[0];
    }

    /** A rebuild has read the events up to where it started and now waits for the live tables' locks. */
    private boolean waitingForTheLiveTables(String name) {
        return jdbc.sql("""
                            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                            WHERE NOT l.granted AND l.mode = 'AccessExclusiveLock' AND c.relname IN (?, ?)""")
                   .params("wallet_view", "refund_case_view").query(Long.class).single() > 0
               && item(api.get("/api/admin/projections", admin).json(), name).path("replaying").asBoolean();
    }

    private Long tableOid(String table) {
        return jdbc.sql("SELECT ('public.' || ?)::regclass::oid::bigint").param(table).query(Long.class).single();
    }

    private List<String> indexes(String table) {
        return jdbc.sql("SELECT indexname || ' ' || replace(indexdef, indexname, '') FROM pg_indexes "
                        + "WHERE schemaname = 'public' AND tablename = ? ORDER BY indexname")
                   .param(table).query(String.class).list();
    }

    private List<String> rebuildSchemas() {
        return jdbc.sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ledger\\_re%'").query(String.class).list();
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
