package shop.ledger.platform.crypto;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.KeyFiles;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The keys that wrap every data key, by id: {@code ledger.master-key} ({@code LEDGER_MASTER_KEY}) or, for the
 * standalone, the key file {@code <data dir>/keys/master.key}, both with id
 * {@value LedgerProperties#MASTER_KEY_DEFAULT_ID}; during a rotation also {@code ledger.master-keys.<id>}, with
 * {@code ledger.master-key-id} naming the newest, which wraps new data keys.
 * <p>
 * Built only after {@link MasterKeyCheck} proved every configured key against the database: a missing or different
 * key while wrapped data keys or a check value exist stops the start, and a new key file is generated only for a
 * database that holds neither (decision 08, MasterKeyCheckTest).
 */
@Component
public class MasterKey {

    static final String KEY_FILE = "master.key";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    private final Map<String, SecretKey> keys;
    private final String newestId;

    public MasterKey(LedgerProperties properties, JdbcClient jdbc) {
        Path keyFile = properties.keysDir().resolve(KEY_FILE);
        Map<String, SecretKey> configured = configured(properties, keyFile);
        MasterKeyCheck check = new MasterKeyCheck(jdbc, keyFile);
        if (configured.isEmpty()) {
            check.refuseUnlessFreshInstall();
            configured = Map.of(LedgerProperties.MASTER_KEY_DEFAULT_ID, aes(LedgerProperties.MASTER_KEY_DEFAULT_ID,
                    KeyFiles.readOrCreate(keyFile, () -> Base64.getEncoder().encodeToString(AesGcm.randomKey()))));
        }
        this.newestId = newestId(properties.masterKeyId(), configured);
        check.verifyAndRecord(configured);
        this.keys = Collections.unmodifiableMap(configured);
    }

    /** The id of the key that wraps new data keys. */
    public String newestId() {
        return newestId;
    }

    /**
     * A key for another purpose, derived from the newest master key (HMAC-SHA256 of the purpose's name), so every
     * instance that shares the master key derives the same one and the master key itself is never used for two
     * things. A rotation changes it: see decision 08 for what that means to each purpose.
     */
    public SecretKey derive(String purpose) {
        return new SecretKeySpec(hmac(keys.get(newestId), purpose), "HmacSHA256");
    }

    /** A data key wrapped under the newest master key, with that key's id. */
    Wrapped wrap(byte[] dataKey, byte[] aad) {
        return new Wrapped(newestId, AesGcm.encrypt(keys.get(newestId), dataKey, aad));
    }

    /** The data key inside {@code wrapped}, unwrapped with the master key named by its id. */
    byte[] unwrap(Wrapped wrapped, byte[] aad) {
        SecretKey key = keys.get(wrapped.masterKeyId());
        if (key == null) {
            throw new IllegalStateException("master key '" + wrapped.masterKeyId() + "' is not configured; "
                    + "configure it as ledger.master-keys." + wrapped.masterKeyId() + " (see docs/operations.md, Key rotation)");
        }
        return AesGcm.decrypt(key, wrapped.bytes(), aad);
    }

    /** A data key as stored: its wrapping and the id of the master key that made it. */
    record Wrapped(String masterKeyId, byte[] bytes) {
    }

    /** The check value of a master key: HMAC-SHA256 of a fixed text; proves the key, reveals nothing of it. */
    static byte[] checkValue(SecretKey key) {
        return hmac(key, "ledger master key check");
    }

    private static byte[] hmac(SecretKey key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every configured key by id; the key file is read, never created, here. */
    private static Map<String, SecretKey> configured(LedgerProperties properties, Path keyFile) {
        Map<String, SecretKey> keys = new TreeMap<>();
        properties.masterKeys().forEach((id, base64) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalStateException("ledger.master-keys." + id + ": a master key id is 1 to 32 of a-z, 0-9, '-' and '_'");
            }
            keys.put(id, aes(id, base64));
        });
        String single = properties.masterKey();
        if ((single == null || single.isBlank()) && Files.exists(keyFile)) {
            try {
                single = Files.readString(keyFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + keyFile, e);
            }
        }
        if (single != null && !single.isBlank()) {
            SecretKey key = aes(LedgerProperties.MASTER_KEY_DEFAULT_ID, single);
            SecretKey same = keys.putIfAbsent(LedgerProperties.MASTER_KEY_DEFAULT_ID, key);
            if (same != null && !MessageDigest.isEqual(same.getEncoded(), key.getEncoded())) {
                throw new IllegalStateException("ledger.master-key (or " + keyFile + ") and ledger.master-keys."
                        + LedgerProperties.MASTER_KEY_DEFAULT_ID + " are two different keys for one id");
            }
        }
        return keys;
    }

    private static String newestId(String named, Map<String, SecretKey> keys) {
        if (named != null && !named.isBlank()) {
            if (!keys.containsKey(named.trim())) {
                throw new IllegalStateException("ledger.master-key-id names '" + named.trim()
                        + "' but the configured master keys are " + keys.keySet());
            }
            return named.trim();
        }
        if (keys.size() > 1) {
            throw new IllegalStateException("several master keys are configured " + keys.keySet()
                    + ": ledger.master-key-id (LEDGER_MASTER_KEY_ID) must name the newest");
        }
        return keys.keySet().iterator().next();
    }

    private static SecretKey aes(String id, String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("master key '" + id + "' is not base64", e);
        }
        if (raw.length != 32) {
            throw new IllegalStateException("master key '" + id + "' must be 32 bytes (AES-256), got " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }
}
