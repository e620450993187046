package shop.ledger.platform.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Per-owner data keys (R11). Personal data (email, IMEI, payout destination) is encrypted with its
 * owner's key before it reaches an event or a read model; the key itself is stored only wrapped by the
 * master key. Erasure destroys the key, which makes every copy of the owner's data unreadable at once
 * (crypto-shredding) while amounts and the audit trail stay.
 */
@Component
public class KeyVault {

    /** What a field reads as once its owner's key was destroyed. */
    public static final String ERASED = "[erased]";
    private static final String FORMAT = "v1:";

    private final JdbcClient jdbc;
    private final MasterKey masterKey;
    private final Cache<UUID, Optional<SecretKey>> keys = Caffeine.newBuilder()
            .maximumSize(10_000)
            // every instance forgets an erased key as the erasure event arrives (KeyEvictions); this bounds the
            // staleness should that event be late
            .expireAfterWrite(Duration.ofMinutes(1))
            .build();

    public KeyVault(JdbcClient jdbc, MasterKey masterKey) {
        this.jdbc = jdbc;
        this.masterKey = masterKey;
    }

    /** Creates the owner's data key; joins the caller's transaction. */
    public void createKey(UUID ownerId) {
        byte[] raw = AesGcm.randomKey();
        MasterKey.Wrapped wrapped = masterKey.wrap(raw, aad(ownerId));
        jdbc.sql("INSERT INTO data_key (owner_id, wrapped_key, master_key_id) VALUES (?, ?, ?)")
            .params(ownerId, wrapped.bytes(), wrapped.masterKeyId())
            .update();
        keys.put(ownerId, Optional.of(new SecretKeySpec(raw, "AES")));
    }

    /**
     * Seals personal data under its owner's key. Refused with 409 {@code conflict} once the owner's data was
     * erased: nothing personal is stored for them any more (a token issued before the erasure may still try).
     */
    public String encrypt(UUID ownerId, String plaintext) {
        SecretKey key = key(ownerId).orElseThrow(KeyVault::erasedOwner);
        byte[] sealed = AesGcm.encrypt(key, plaintext.getBytes(StandardCharsets.UTF_8), aad(ownerId));
        return FORMAT + Base64.getEncoder().encodeToString(sealed);
    }

    /** The plaintext, or empty when the owner's key was destroyed. */
    public Optional<String> decrypt(UUID ownerId, String ciphertext) {
        if (ciphertext == null || !ciphertext.startsWith(FORMAT)) {
            throw new IllegalArgumentException("not a vault ciphertext");
        }
        return key(ownerId).map(key -> new String(
                AesGcm.decrypt(key, Base64.getDecoder().decode(ciphertext.substring(FORMAT.length())), aad(ownerId)),
                StandardCharsets.UTF_8));
    }

    /**
     * A keyed fingerprint (HMAC-SHA256 under the owner's data key) for equality checks on personal data
     * without storing it in clear; meaningless once the key is erased.
     */
    public String fingerprint(UUID ownerId, String value) {
        SecretKey key = key(ownerId).orElseThrow(KeyVault::erasedOwner);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("fingerprint failed", e);
        }
    }

    /** The plaintext, or {@value #ERASED}. */
    public String reveal(UUID ownerId, String ciphertext) {
        return decrypt(ownerId, ciphertext).orElse(ERASED);
    }

    public boolean isErased(UUID ownerId) {
        return key(ownerId).isEmpty();
    }

    /**
     * Destroys the owner's key for good: the one operation behind erasure. Joins the caller's transaction; this
     * instance forgets its cached copy at once, the others when the erasure event reaches them ({@link #forget}).
     */
    public void erase(UUID ownerId) {
        jdbc.sql("UPDATE data_key SET wrapped_key = NULL, destroyed_at = coalesce(destroyed_at, now()) WHERE owner_id = ?")
            .param(ownerId)
            .update();
        // not cached as erased: should the transaction roll back, the key is still there
        keys.invalidate(ownerId);
    }

    /**
     * Wraps the owner's data key anew under the newest master key, in one statement of its own: the update applies
     * only while the row still holds the wrapping that was read, so a concurrent erasure wins and an erased key stays
     * erased. Answers whether the row changed; a row already under the newest key is left as it is (safe to re-run).
     * Caches hold the data key itself, which does not change. Guarded by MasterKeyCheckTest.
     */
    public boolean rewrap(UUID ownerId) {
        Optional<MasterKey.Wrapped> current = jdbc.sql("SELECT master_key_id, wrapped_key FROM data_key WHERE owner_id = ?")
            .param(ownerId)
            .query(KeyVault::wrapped)
            .optional()
            .flatMap(wrapped -> wrapped);
        if (current.isEmpty() || current.get().masterKeyId().equals(masterKey.newestId())) {
            return false;
        }
        MasterKey.Wrapped old = current.get();
        MasterKey.Wrapped renewed = masterKey.wrap(masterKey.unwrap(old, aad(ownerId)), aad(ownerId));
        return jdbc.sql("""
                        UPDATE data_key SET wrapped_key = ?, master_key_id = ?
                         WHERE owner_id = ? AND master_key_id = ? AND wrapped_key = ?""")
                   .params(renewed.bytes(), renewed.masterKeyId(), ownerId, old.masterKeyId(), old.bytes())
                   .update() == 1;
    }

    /** Drops the cached copy of the owner's key: the next use reads the vault again. */
    public void forget(UUID ownerId) {
        keys.invalidate(ownerId);
    }

    private static RuleViolation erasedOwner() {
        return new RuleViolation(ProblemType.CONFLICT, "this customer's personal data was erased");
    }

    private Optional<SecretKey> key(UUID ownerId) {
        return keys.get(ownerId, this::load);
    }

    private Optional<SecretKey> load(UUID ownerId) {
        return jdbc.sql("SELECT master_key_id, wrapped_key FROM data_key WHERE owner_id = ?")
                   .param(ownerId)
                   .query(KeyVault::wrapped)
                   .optional()
                   .orElseThrow(() -> new IllegalStateException("no data key for " + ownerId))
                   .map(wrapped -> new SecretKeySpec(masterKey.unwrap(wrapped, aad(ownerId)), "AES"));
    }

    /** A {@code master_key_id, wrapped_key} row: empty once erased. */
    private static Optional<MasterKey.Wrapped> wrapped(ResultSet row, int rowNum) throws SQLException {
        byte[] bytes = row.getBytes(2);
        return bytes == null ? Optional.empty() : Optional.of(new MasterKey.Wrapped(row.getString(1), bytes));
    }

    static byte[] aad(UUID ownerId) {
        return ownerId.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
