package shop.ledger.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
 * @param masterKeys     further master keys by id ({@code ledger.master-keys.<id>=base64}), for a rotation;
 *                       {@code ledger.master-key} (or the key file) is the one with id {@value MASTER_KEY_DEFAULT_ID}
 * @param masterKeyId    the id of the newest master key, which wraps new data keys ({@code LEDGER_MASTER_KEY_ID});
 *                       needed only when more than one master key is configured
 */
@ConfigurationProperties("ledger")
public record LedgerProperties(Path dataDir, String currency, String masterKey, String jwtKey, Duration tokenTtl,
                               Map<String, String> masterKeys, String masterKeyId) {

    /** The id of {@code ledger.master-key} and of the key file: the only key of an install that never rotated. */
    public static final String MASTER_KEY_DEFAULT_ID = "default";

    @ConstructorBinding
    public LedgerProperties {
        dataDir = dataDir == null ? Path.of("data") : dataDir;
        currency = currency == null || currency.isBlank() ? "USD" : currency;
        tokenTtl = tokenTtl == null ? Duration.ofMinutes(15) : tokenTtl;
        masterKeys = masterKeys == null ? Map.of() : Map.copyOf(masterKeys);
    }

    /** A single master key (or none: the key file), as before rotation existed. */
    public LedgerProperties(Path dataDir, String currency, String masterKey, String jwtKey, Duration tokenTtl) {
        this(dataDir, currency, masterKey, jwtKey, tokenTtl, null, null);
    }

    public Path keysDir() {
        return dataDir.resolve("keys");
    }
}
