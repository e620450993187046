package shop.ledger.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Says, loudly, that the simulated outside parties are on: a WARN line once the ledger is ready, and the
 * {@code simulators} component of {@code /actuator/health} (its details, {@code enabled: true}, for ADMIN only;
 * anonymous callers see the component and its status). With simulators on, orders and payouts are fake: a shop in
 * production must run with {@code LEDGER_SIMULATORS=false}. Absent when they are off.
 */
@Component
@ConditionalOnProperty(name = "ledger.simulators.enabled", havingValue = "true", matchIfMissing = true)
public class SimulatorsHealthIndicator implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(SimulatorsHealthIndicator.class);

    static final String WARNING = "the simulated DHRU supplier and payout provider answer at /simulator/**, and the "
            + "orders and payouts they take are not real. They must never be on in production: set LEDGER_SIMULATORS=false";

    @Override
    public Health health() {
        // UP: the simulators working is not a fault of the ledger; the warning is for whoever reads the details
        return Health.up().withDetail("enabled", true).withDetail("warning", WARNING).build();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void warnAtStart() {
        log.warn("SIMULATORS ON: {}", WARNING);
    }
}
