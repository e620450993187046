package shop.ledger.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

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
 * Not yet in CI: its last run left two submitted orders unpolled at the end (most likely a status-poll deadline
 * that failed on a concurrent wallet append and waits for db-scheduler's default five-minute retry). It runs
 * only with {@code -Dreliability.scaleout=true} until that is fixed.
 */
@EnabledIfSystemProperty(named = "reliability.scaleout", matches = "true")
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
            // as the README says for several command sides: a per-instance wallet cache would be stale
            env.put("LEDGER_WALLET_CACHE", "false");
            try {
                // the first command side migrates the schema and creates the keys and the administrator
                LedgerProcess command1 = new LedgerProcess("scale-command-1", LedgerProcess.COMMAND_SIDE, DurablePostgres.freePort(), env);
                processes.add(command1);
                command1.start();
                List<LedgerProcess> others = List.of(
                        new LedgerProcess("scale-command-2", LedgerProcess.COMMAND_SIDE, DurablePostgres.freePort(), env),
                        new LedgerProcess("scale-query-1", LedgerProcess.QUERY_SIDE, DurablePostgres.freePort(), env),
                        new LedgerProcess("scale-query-2", LedgerProcess.QUERY_SIDE, DurablePostgres.freePort(), env));
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
                Set<String> queryOwners = new HashSet<>();
                ownersByProcessor.forEach((processor, owners) -> {
                    if (QUERY_PROCESSORS.contains(processor)) {
                        queryOwners.addAll(owners);
                    }
                });
                Set<String> queryPids = new HashSet<>();
                querySides.forEach(process -> queryPids.add(Long.toString(process.pid())));
                assertThat(queryOwners.stream().map(owner -> owner.split("@")[0]).toList())
                        .as("the projections' segments are held by the query sides only: %s", ownersByProcessor)
                        .allMatch(queryPids::contains);
                assertThat(queryOwners).as("both query sides hold segments: %s", ownersByProcessor).hasSize(2);
                Rig.report("scale-out", stats, started, "segmentOwners=" + ownersByProcessor);
            } finally {
                for (LedgerProcess process : processes) {
                    process.close();
                }
            }
        }
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
