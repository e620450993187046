package shop.ledger.simulator.payout;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.env.Environment;

import java.time.Duration;

/**
 * The simulated payout provider ({@code ledger.simulators.payouts.*}).
 *
 * @param apiKey           the API key it accepts ({@code Authorization: Bearer <api-key>})
 * @param autocomplete     whether new payouts become PAID by themselves ({@code LEDGER_SIMULATOR_AUTOCOMPLETE}, as for
 *                         the DHRU simulator); when false they stay PENDING until told through the control endpoint
 * @param completeAfterMin shortest random delay before a payout is paid by itself
 * @param completeAfterMax longest such delay
 * @param timeoutDelay     how long the TIMEOUT fault waits before answering; unset, a second longer than the ledger's
 *                         payout read timeout ({@code ledger.payouts.read-timeout})
 */
@ConfigurationProperties("ledger.simulators.payouts")
public record PayoutSimulatorProperties(
        @DefaultValue(DEFAULT_API_KEY) String apiKey,
        @DefaultValue("true") boolean autocomplete,
        @DefaultValue("1s") Duration completeAfterMin,
        @DefaultValue("5s") Duration completeAfterMax,
        Duration timeoutDelay) {

    public static final String PREFIX = "ledger.simulators.payouts";
    public static final String DEFAULT_API_KEY = "sim_payouts_5b8e1c0d9f2a4e7b8c3d6a1f0e9b2c47";

    /**
     * The configured settings read straight from the environment, without needing the simulator's beans
     * (which exist only while {@code ledger.simulators.enabled} is true).
     */
    public static PayoutSimulatorProperties from(Environment environment) {
        return Binder.get(environment).bindOrCreate(PREFIX, PayoutSimulatorProperties.class);
    }

    /** Never shows the API key. */
    @Override
    public String toString() {
        return "PayoutSimulatorProperties[apiKey=***, autocomplete=" + autocomplete + ", completeAfter="
               + completeAfterMin + ".." + completeAfterMax + ", timeoutDelay=" + timeoutDelay + "]";
    }
}
