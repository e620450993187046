package shop.ledger.standalone;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import shop.ledger.platform.testing.TestDatabase;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The whole ledger in one context on a real (embedded) PostgreSQL and a random port. Test classes that
 * share this annotation share one cached context and one database.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(classes = LedgerStandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                // the tests decide when the simulated supplier answers
                "ledger.simulators.dhru.autocomplete=false",
                "ledger.orders.poll-initial=200ms",
                "ledger.orders.poll-max=1s",
                "ledger.orders.submission-backoff=10s",
                "ledger.suppliers.simulator.read-timeout=2s",
                "ledger.simulators.payouts.autocomplete=false",
                "ledger.withdrawals.chase-initial=200ms",
                "ledger.withdrawals.chase-max=1s"})
@ActiveProfiles({"command", "query", "standalone"})
@ContextConfiguration(initializers = TestDatabase.class)
public @interface StandaloneTest {
}
