package shop.ledger.command.payout.http;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * The payout provider's account ({@code ledger.payouts.*}), spoken to by {@link HttpPayoutProvider}:
 * <pre>
 * ledger.payouts:
 *   base-url: https://payouts.example        # POST {base-url}/api/payouts, GET {base-url}/api/payouts?reference=
 *   api-key: ${PAYOUTS_API_KEY}              # sent as Authorization: Bearer &lt;api-key&gt;
 *   connect-timeout: 5s
 *   read-timeout: 20s
 * </pre>
 *
 * @param baseUrl        the provider's base address; unset means no payout provider (every call answers empty).
 *                       May hold placeholders resolved at call time, such as {@code ${local.server.port}}
 *                       (known only once the ledger listens)
 * @param apiKey         the shop's API key at the provider
 * @param connectTimeout how long to wait for a connection (default 5 s)
 * @param readTimeout    how long to wait for the answer once the request is sent (default 20 s)
 */
@ConfigurationProperties("ledger.payouts")
public record PayoutProviderProperties(String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout) {

    public static final String PREFIX = "ledger.payouts";

    public PayoutProviderProperties {
        baseUrl = baseUrl == null || baseUrl.isBlank() ? null : baseUrl.strip();
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        readTimeout = readTimeout == null ? Duration.ofSeconds(20) : readTimeout;
    }

    /** Whether a provider is configured at all. */
    public boolean configured() {
        return baseUrl != null;
    }

    /** Never shows the API key (R11): settings end up in logs and error messages. */
    @Override
    public String toString() {
        return "PayoutProviderProperties[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? null : "***")
               + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + "]";
    }
}
