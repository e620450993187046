package shop.ledger.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stopped immediately ({@code pg_ctl stop -m immediate}: no checkpoint, crash recovery on the next
 * start) under mixed load, and started again a few seconds later. While it is away the ledger answers 503
 * problem+json {@code service-unavailable}; once it is back the same ledger process serves again by itself
 * (no restart), and nothing acknowledged is lost or applied twice ({@link LedgerChecks}).
 * <p>
 * It found that a request whose COMMIT lost its connection was acknowledged (201) although nothing was stored: a
 * staff decision on the refund case it "opened" answered 404 (fixed in IdempotentRequestFilter, proved fast by
 * the standalone's CommitFailureTest). CI size: 4 customers, one outage (~1.5 min); {@code -Dreliability.long=true}:
 * 8 customers, four outages.
 * <p>
 * It also lost work begun just before the crash downstream of the event store (a statement line missing, an
 * order whose fulfilment saga never started, a saga waiting for a deadline that no longer existed) while Axon ran
 * without transactions (fixed: AxonInfrastructure.axonTransactionManager). A failure prints the rows behind the
 * ids it names ({@link Diagnostics#dumpIdsIn}).
 */
class DatabaseOutageTest {

    @TempDir
    Path temp;

    @Test
    void theLedgerAnswers503WhileTheDatabaseIsAwayAndRecoversByItself() throws Exception {
        Instant started = Instant.now();
        int outages = Rig.LONG ? 4 : 1;
        try (StandaloneUnderLoad rig = StandaloneUnderLoad.start(temp, "outage-standalone", 0.0, "outage",
                Rig.LONG ? 8 : 4, environment -> environment)) {
            for (int outage = 0; outage < outages; outage++) {
                Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 10 : 4));
                rig.postgres.crash();
                rig.stats.databaseOutages.incrementAndGet();
                Rig.log("PostgreSQL stopped immediately");
                assertServiceUnavailable(rig.api, rig.staff, rig.customers.get(0));
                Rig.sleepRandomly(Duration.ofSeconds(2), Duration.ofSeconds(Rig.LONG ? 8 : 4));
                rig.postgres.start();
                Rig.log("PostgreSQL started again");
            }
            Rig.sleepRandomly(Duration.ofSeconds(3), Duration.ofSeconds(Rig.LONG ? 10 : 4));
            try {
                rig.load.stop();
            } catch (AssertionError clientFailure) {
                String cause = String.valueOf(clientFailure.getCause() == null ? clientFailure : clientFailure.getCause());
                throw new AssertionError(cause + Diagnostics.dumpIdsIn(rig.postgres, cause), clientFailure);
            }
            Rig.log("load stopped: " + rig.stats.summary());

            assertThat(rig.ledger.isAlive()).as("the ledger recovered without a restart").isTrue();
            try {
                new LedgerChecks(rig.api, rig.staff, rig.customers, rig.supplier, rig.payouts, rig.postgres)
                        .settleAndCheck();
            } catch (AssertionError failedCheck) {
                throw new AssertionError(failedCheck.getMessage()
                                         + Diagnostics.dumpIdsIn(rig.postgres, failedCheck.getMessage()), failedCheck);
            }
            assertThat(rig.stats.unavailable.get()).as("503s seen while the database was away").isPositive();
            assertThat(rig.stats.notes()).as("nothing but 503 problem+json while the database was away").isEmpty();
            Rig.report("database-outage", rig.stats, started, "");
        }
    }

    /** A request made while the database is away: 503 problem+json, and (checked later) nothing changed. */
    private static void assertServiceUnavailable(Api api, String staff, Customer customer) {
        Api.Response answer = api.once("POST", "/api/admin/wallets/" + customer.walletId + "/deposits", staff,
                Map.of("amount", 777, "currency", "USD", "providerReference", "psp-outage-" + UUID.randomUUID()));
        assertThat(answer.status()).as("answer while the database is away: %s", answer.body()).isEqualTo(503);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.problemType()).endsWith("/problems/service-unavailable");
        api.stats().unavailable.incrementAndGet();
    }
}
