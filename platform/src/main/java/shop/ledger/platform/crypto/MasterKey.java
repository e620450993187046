package shop.ledger.platform.crypto;

import org.springframework.stereotype.Component;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.KeyFiles;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.util.Base64;

/**
 * The key that wraps every data key: {@code LEDGER_MASTER_KEY} (base64 of 32 bytes) or, for the
 * standalone, a key file created once in the data directory.
 */
@Component
public class MasterKey {

    private final SecretKey key;

    public MasterKey(LedgerProperties properties) {
        String configured = properties.masterKey();
        byte[] raw;
        if (configured != null && !configured.isBlank()) {
            raw = Base64.getDecoder().decode(configured.trim());
        } else {
            raw = Base64.getDecoder().decode(KeyFiles.readOrCreate(properties.keysDir().resolve("master.key"),
                    () -> Base64.getEncoder().encodeToString(AesGcm.randomKey())).trim());
        }
        if (raw.length != 32) {
            throw new IllegalStateException("the master key must be 32 bytes (AES-256), got " + raw.length);
        }
        this.key = new SecretKeySpec(raw, "AES");
    }

    /**
     * A key for another purpose, derived from this one (HMAC-SHA256 of the purpose's name), so every instance that
     * shares the master key derives the same one and the master key itself is never used for two things.
     */
    public SecretKey derive(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return new SecretKeySpec(mac.doFinal(purpose.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "HmacSHA256");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    SecretKey key() {
        return key;
    }
}
