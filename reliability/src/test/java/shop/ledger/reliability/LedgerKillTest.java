package shop.ledger.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of the ledger (the standalone jar) under mixed load, then a restart on the same database; the clients
 * retry every unanswered request with the same Idempotency-Key. Kill points: random moments under load; right
 * after the supplier wrote its placeimeiorder answer (before the ledger could record it); right after the payout
 * provider wrote a new payout's answer. Afterwards nothing acknowledged is lost, nothing is applied twice, every
 * saga reaches its end and the read models equal a replay ({@link LedgerChecks}).
 * <p>
 * CI size: 6 customers, one round of the three kills (about two and a half minutes); {@code -Dreliability.long=true}:
 * 12 customers, four rounds (12 kills).
 */
class LedgerKillTest {

    @TempDir
    Path temp;

    @Test
    void killNineUnderLoadLosesNothingAndAppliesNothingTwice() throws Exception {
        Instant started = Instant.now();
        int rounds = Rig.LONG ? 4 : 1;
        try (DurablePostgres postgres = new DurablePostgres(temp.resolve("postgres"));
             FakeDhruSupplier supplier = new FakeDhruSupplier(0.05);
             FakePayoutProvider payouts = new FakePayoutProvider();
             LedgerProcess ledger = new LedgerProcess("kill-standalone", LedgerProcess.STANDALONE,
                     DurablePostgres.freePort(), environment(postgres, supplier, payouts))) {
            ledger.start();
            Stats stats = new Stats();
            Api api = new Api(ledger.baseUrl(), stats);
            String staff = api.adminToken();
            Shop shop = Shop.prepare(api, staff, true);
            List<Customer> customers = Rig.customers(api, staff, "kill", Rig.LONG ? 12 : 6);
            Workload load = new Workload(api, shop, customers, staff);
            load.start();
            Rig.log("load started");

            for (int round = 0; round < rounds; round++) {
                Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 10 : 5));
                crashAndRestart(ledger, stats, null, Duration.ZERO);
                Rig.sleepRandomly(Duration.ofSeconds(1), Duration.ofSeconds(3));
                crashAndRestart(ledger, stats, supplier::killAfterNextPlacement, Duration.ofSeconds(30));
                Rig.sleepRandomly(Duration.ofSeconds(1), Duration.ofSeconds(3));
                crashAndRestart(ledger, stats, payouts::killAfterNextSubmission, Duration.ofSeconds(40));
            }
            Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 10 : 3));
            load.stop();
            Rig.log("load stopped: " + stats.summary());

            new LedgerChecks(api, staff, customers, supplier, payouts, postgres).settleAndCheck();
            assertThat(stats.notes()).as("no 5xx but 503 problem+json").isEmpty();
            assertThat(stats.kills.get()).isEqualTo(3L * rounds);
            Rig.report("ledger-kill", stats, started, "supplierOrders=" + supplier.orderCount());
        }
    }

    /** Rig's environment, with the saga manager and the deadline manager telling what they drop and schedule. */
    private java.util.Map<String, String> environment(DurablePostgres postgres, FakeDhruSupplier supplier,
                                                      FakePayoutProvider payouts) {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>(
                Rig.environment(postgres, temp.resolve("ledger"), supplier, payouts));
        env.put("LOGGING_LEVEL_ORG_AXONFRAMEWORK_MODELLING_SAGA_ABSTRACTSAGAMANAGER", "DEBUG");
        env.put("LOGGING_LEVEL_ORG_AXONFRAMEWORK_DEADLINE_DBSCHEDULER", "DEBUG");
        return env;
    }

    /**
     * Arms a kill (or, without {@code arm}, kills at once), waits for the ledger to die
     * (killing it anyway if the armed moment does not come), and starts it again on the same port and database.
     */
    private static void crashAndRestart(LedgerProcess ledger, Stats stats, Consumer<Runnable> arm, Duration wait)
            throws Exception {
        if (arm == null) {
            ledger.kill();
        } else {
            arm.accept(ledger::kill);
            long deadline = System.nanoTime() + wait.toNanos();
            while (ledger.isAlive() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            if (ledger.isAlive()) {
                arm.accept(null);
                ledger.kill();
                System.out.println("the armed kill did not fire within " + wait + "; killed at a random moment instead");
            }
        }
        ledger.awaitDeath();
        stats.kills.incrementAndGet();
        Rig.log("killed " + ledger.name() + (arm == null ? " at a random moment" : " at an armed moment") + "; restarting");
        ledger.start();
        stats.restarts.incrementAndGet();
        Rig.log("restarted " + ledger.name());
    }
}
