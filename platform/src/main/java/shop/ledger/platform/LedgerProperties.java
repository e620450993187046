package shop.ledger.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The ledger's own settings ({@code ledger.*}); each has an environment variable, see docs/operations.md (Configuration).
 *
 * @param dataDir        where the standalone keeps PostgreSQL, keys and simulator state ({@code LEDGER_DATA_DIR})
 * @param currency       the shop currency; requests in another one are refused
 * @param masterKey      base64 AES-256 key that wraps every customer's data key ({@code LEDGER_MASTER_KEY});
 *                       when empty, a key file in the data directory is used (created on first start)
 * @param jwtKey         the command side's token signing keys, one RSA JWK or a JWK set whose first key signs
 *                       (security.JwtKeys); when empty, a key file in the data directory. Never on a query side
 * @param tokenTtl       how long an access token is valid
 */
@ConfigurationProperties("ledger")
public record LedgerProperties(Path dataDir, String currency, String masterKey, String jwtKey, Duration tokenTtl) {

    public LedgerProperties {
        dataDir = dataDir == null ? Path.of("data") : dataDir;
        currency = currency == null || currency.isBlank() ? "USD" : currency;
        tokenTtl = tokenTtl == null ? Duration.ofMinutes(15) : tokenTtl;
    }

    public Path keysDir() {
        return dataDir.resolve("keys");
    }
}
