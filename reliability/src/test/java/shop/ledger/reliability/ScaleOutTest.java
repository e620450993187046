package shop.ledger.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out on one machine: two command-side and two query-side processes (the mains in the same jar) on one
 * PostgreSQL, under mixed load spread over them. Same invariants as a single ledger, and the query sides share
 * the projections' segments through the token store.
 * <p>
 * A pooled processor claims every free segment it can, so whichever query side starts first may hold them all; the
 * sharing is shown by a hand-over instead: the query side holding segments is stopped, the other takes them over
 * through the token store and shows a change made afterwards.
 * <p>
 * CI size: 6 customers, 10 s of load (about two minutes); {@code -Dreliability.long=true}: 12 customers, 60 s.
 */
class ScaleOutTest {

    /** The query side's processors with a stored position (live-updates keeps its own in memory). */
    private static final Set<String> QUERY_PROCESSORS = Set.of("wallets", "journal", "accounts", "catalogue", "orders",
            "refund-cases", "withdrawals", "reconciliations");

    @TempDir
    Path temp;

    @Test
    void twoCommandSidesAndTwoQuerySidesKeepEveryInvariantAndShareTheSegments() throws Exception {
        Instant started = Instant.now();
        List<LedgerProcess> processes = new ArrayList<>();
        try (DurablePostgres postgres = new DurablePostgres(temp.resolve("postgres"));
             FakeDhruSupplier supplier = new FakeDhruSupplier(0.05);
             FakePayoutProvider payouts = new FakePayoutProvider()) {
            Map<String, String> env = new java.util.LinkedHashMap<>(Rig.environment(postgres, temp.resolve("ledger"), supplier, payouts));
            // as docs/operations.md says for several command sides: a per-instance wallet cache would be stale
            env.put("LEDGER_WALLET_CACHE", "false");
            try {
                // the first command side migrates the schema and creates the keys and the administrator
                LedgerProcess command1 = new LedgerProcess("scale-command-1", LedgerProcess.COMMAND_SIDE, DurablePostgres.freePort(), env);
                processes.add(command1);
                command1.start();
                // query sides never get a private key: one a copy of the published public keys, one their URL
                String jwks = command1.baseUrl() + "/.well-known/jwks.json";
                Map<String, String> queryEnv1 = new java.util.LinkedHashMap<>(env);
                queryEnv1.put("LEDGER_JWT_PUBLIC_KEYS", publicKeys(jwks));
                Map<String, String> queryEnv2 = new java.util.LinkedHashMap<>(env);
                queryEnv2.put("LEDGER_JWT_JWKS_URI", jwks);
                List<LedgerProcess> others = List.of(
                        new LedgerProcess("scale-command-2", LedgerProcess.COMMAND_SIDE, DurablePostgres.freePort(), env),
                        new LedgerProcess("scale-query-1", LedgerProcess.QUERY_SIDE, DurablePostgres.freePort(), queryEnv1),
                        new LedgerProcess("scale-query-2", LedgerProcess.QUERY_SIDE, DurablePostgres.freePort(), queryEnv2));
                for (LedgerProcess process : others) {
                    processes.add(process);
                    process.launch();
                }
                for (LedgerProcess process : others) {
                    process.awaitHealthy();
                }
                Rig.log("two command sides and two query sides serve");
                List<LedgerProcess> commandSides = processes.subList(0, 2);
                List<LedgerProcess> querySides = processes.subList(2, 4);

                Stats stats = new Stats();
                Api api = new Api(() -> pick(commandSides), () -> pick(querySides), stats, Api.PATIENCE);
                String staff = api.adminToken();
                Shop shop = Shop.prepare(api, staff, false);
                List<Customer> customers = Rig.customers(api, staff, "scale", Rig.LONG ? 12 : 6);
                Workload load = new Workload(api, shop, customers, staff);
                load.start();
                Rig.log("load started");
                Thread.sleep(Rig.LONG ? 60_000 : 10_000);
                load.stop();
                Rig.log("load stopped: " + stats.summary());

                new LedgerChecks(api, staff, customers, supplier, payouts, postgres).settleAndCheck();
                assertThat(stats.notes()).as("no 5xx").isEmpty();

                Map<String, Set<String>> ownersByProcessor = segmentOwners(postgres);
                Set<String> queryPids = new HashSet<>();
                querySides.forEach(process -> queryPids.add(Long.toString(process.pid())));
                assertThat(queryOwnerPids(ownersByProcessor))
                        .as("the projections' segments are held by the query sides only: %s", ownersByProcessor)
                        .isNotEmpty().allMatch(queryPids::contains);
                handOver(postgres, querySides, commandSides.get(0), api, staff, customers.get(0), stats);
                Rig.report("scale-out", stats, started, "segmentOwners=" + ownersByProcessor);
            } finally {
                for (LedgerProcess process : processes) {
                    process.close();
                }
            }
        }
    }

    private static String publicKeys(String jwksUrl) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(jwksUrl)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"kid\"").doesNotContain("\"d\"");
        return response.body();
    }

    /**
     * Stops (SIGTERM, so it releases its claims) a query side that holds segments; the other must claim every
     * projection segment and show a deposit made afterwards.
     */
    private static void handOver(DurablePostgres postgres, List<LedgerProcess> querySides, LedgerProcess commandSide,
                                 Api api, String staff, Customer customer, Stats stats) throws Exception {
        Set<String> holders = queryOwnerPids(segmentOwners(postgres));
        LedgerProcess stopped = querySides.stream().filter(q -> holders.contains(Long.toString(q.pid()))).findFirst()
                                          .orElseThrow();
        LedgerProcess remaining = querySides.get(0) == stopped ? querySides.get(1) : querySides.get(0);
        String remainingPid = Long.toString(remaining.pid());
        stopped.close();
        Rig.log("stopped " + stopped.name() + "; " + remaining.name() + " must take its segments over");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!allProjectionSegmentsHeldBy(postgres, remainingPid) && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        assertThat(allProjectionSegmentsHeldBy(postgres, remainingPid))
                .as("%s holds every projection segment after the hand-over: %s", remaining.name(), segmentOwners(postgres))
                .isTrue();

        Api throughRemaining = new Api(commandSide::baseUrl, remaining::baseUrl, stats, Api.PATIENCE);
        long before = throughRemaining.read("/api/me/wallet", customer.token).json().path("available").asLong();
        long acknowledged = customer.acknowledgedDeposits();
        for (int attempt = 0; attempt < 5 && customer.acknowledgedDeposits() == acknowledged; attempt++) {
            customer.deposit(throughRemaining, staff, 1_234); // a 409 conflict changed nothing: try again
        }
        assertThat(customer.acknowledgedDeposits()).as("the deposit after the hand-over").isEqualTo(acknowledged + 1_234);
        long expected = before + 1_234;
        long shown = before;
        long readDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (shown != expected && System.nanoTime() < readDeadline) {
            Thread.sleep(200);
            shown = throughRemaining.read("/api/me/wallet", customer.token).json().path("available").asLong();
        }
        assertThat(shown).as("%s shows the deposit made after the hand-over", remaining.name()).isEqualTo(expected);
    }

    private static Set<String> queryOwnerPids(Map<String, Set<String>> ownersByProcessor) {
        Set<String> pids = new HashSet<>();
        ownersByProcessor.forEach((processor, owners) -> {
            if (QUERY_PROCESSORS.contains(processor)) {
                owners.forEach(owner -> pids.add(owner.split("@")[0]));
            }
        });
        return pids;
    }

    /** Every segment of every projection (claimed or not) is claimed by the process {@code pid}. */
    private static boolean allProjectionSegmentsHeldBy(DurablePostgres postgres, String pid) throws Exception {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT processorname, owner FROM tokenentry")) {
            while (rows.next()) {
                if (QUERY_PROCESSORS.contains(rows.getString(1))
                    && (rows.getString(2) == null || !rows.getString(2).startsWith(pid + "@"))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String pick(List<LedgerProcess> processes) {
        return processes.get(ThreadLocalRandom.current().nextInt(processes.size())).baseUrl();
    }

    private static Map<String, Set<String>> segmentOwners(DurablePostgres postgres) throws Exception {
        Map<String, Set<String>> owners = new HashMap<>();
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT processorname, owner FROM tokenentry WHERE owner IS NOT NULL")) {
            while (rows.next()) {
                owners.computeIfAbsent(rows.getString(1), name -> new HashSet<>()).add(rows.getString(2));
            }
        }
        return owners;
    }
}
