package shop.ledger.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
        try (StandaloneUnderLoad rig = StandaloneUnderLoad.start(temp, "kill-standalone", 0.05, "kill",
                Rig.LONG ? 12 : 6, LedgerKillTest::tellingDropsAndDeadlines)) {
            for (int round = 0; round < rounds; round++) {
                Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 10 : 5));
                crashAndRestart(rig.ledger, rig.stats, null, Duration.ZERO);
                Rig.sleepRandomly(Duration.ofSeconds(1), Duration.ofSeconds(3));
                crashAndRestart(rig.ledger, rig.stats, rig.supplier::killAfterNextPlacement, Duration.ofSeconds(30));
                Rig.sleepRandomly(Duration.ofSeconds(1), Duration.ofSeconds(3));
                crashAndRestart(rig.ledger, rig.stats, rig.payouts::killAfterNextSubmission, Duration.ofSeconds(40));
            }
            Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 10 : 3));
            rig.load.stop();
            Rig.log("load stopped: " + rig.stats.summary());

            new LedgerChecks(rig.api, rig.staff, rig.customers, rig.supplier, rig.payouts, rig.postgres).settleAndCheck();
            assertThat(rig.stats.notes()).as("no 5xx but 503 problem+json").isEmpty();
            assertThat(rig.stats.kills.get()).isEqualTo(3L * rounds);
            Rig.report("ledger-kill", rig.stats, started, "supplierOrders=" + rig.supplier.orderCount());
        }
    }

    /** The saga manager and the deadline manager tell what they drop and schedule. */
    private static Map<String, String> tellingDropsAndDeadlines(Map<String, String> env) {
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
