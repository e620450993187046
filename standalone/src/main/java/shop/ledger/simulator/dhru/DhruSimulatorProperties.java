package shop.ledger.simulator.dhru;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.env.Environment;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The simulated DHRU Fusion supplier ({@code ledger.simulators.dhru.*}).
 *
 * @param username         the account it accepts
 * @param apiKey           that account's API access key
 * @param autocomplete     whether orders complete by themselves ({@code LEDGER_SIMULATOR_AUTOCOMPLETE}); when
 *                         false they stay in process until told through the control endpoint
 * @param completeAfterMin shortest random delay before an order completes by itself
 * @param completeAfterMax longest such delay
 * @param rejectOneIn      about one order in this many is rejected (status 3) instead of completed
 * @param timeoutDelay     how long the TIMEOUT fault waits before answering; unset, a second longer than the longest
 *                         read timeout of the configured suppliers (ledger.suppliers.*.read-timeout)
 * @param credit           the account's credit before any order
 */
@ConfigurationProperties("ledger.simulators.dhru")
public record DhruSimulatorProperties(
        @DefaultValue(DEFAULT_USERNAME) String username,
        @DefaultValue(DEFAULT_API_KEY) String apiKey,
        @DefaultValue("true") boolean autocomplete,
        @DefaultValue("2s") Duration completeAfterMin,
        @DefaultValue("8s") Duration completeAfterMax,
        @DefaultValue("10") int rejectOneIn,
        Duration timeoutDelay,
        @DefaultValue("1000.00") BigDecimal credit) {

    public static final String PREFIX = "ledger.simulators.dhru";
    public static final String DEFAULT_USERNAME = "simulator";
    public static final String DEFAULT_API_KEY = "d4c1f9a0b2e7436a8c5d9e0f1a2b3c4d";

    /**
     * The configured settings read straight from the environment, without needing the simulator's beans
     * (which exist only while {@code ledger.simulators.enabled} is true): e.g. to configure a client for it.
     */
    public static DhruSimulatorProperties from(Environment environment) {
        return Binder.get(environment).bindOrCreate(PREFIX, DhruSimulatorProperties.class);
    }

    /** Never shows the API key. */
    @Override
    public String toString() {
        return "DhruSimulatorProperties[username=" + username + ", apiKey=***, autocomplete=" + autocomplete
               + ", completeAfter=" + completeAfterMin + ".." + completeAfterMax + ", rejectOneIn=" + rejectOneIn
               + ", timeoutDelay=" + timeoutDelay + ", credit=" + credit + "]";
    }
}
