package shop.ledger.command.identity;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * The password and one-time-code guessing throttle (R9), {@code ledger.auth.throttle.*}.
 *
 * @param window              the sliding window failures are counted in; a throttled client may try again as soon
 *                            as enough of its failures are older than this (never a permanent lock)
 * @param maxAccountFailures  failures per account within the window; one more attempt answers 429
 * @param maxAddressFailures  failures per client address (IPv6: per /64) within the window, over all accounts
 */
@ConfigurationProperties("ledger.auth.throttle")
public record ThrottleSettings(Duration window, int maxAccountFailures, int maxAddressFailures) {

    public ThrottleSettings {
        window = window == null || window.isNegative() || window.isZero() ? Duration.ofMinutes(15) : window;
        maxAccountFailures = maxAccountFailures <= 0 ? 5 : maxAccountFailures;
        maxAddressFailures = maxAddressFailures <= 0 ? 20 : maxAddressFailures;
    }

    public static ThrottleSettings defaults() {
        return new ThrottleSettings(null, 0, 0);
    }
}
