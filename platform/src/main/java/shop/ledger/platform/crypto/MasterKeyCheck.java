package shop.ledger.platform.crypto;

import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.LedgerProperties;

import javax.crypto.SecretKey;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Proves the configured master keys against the database before anything uses them (decision 08): each check value
 * stored in {@code master_key_check} must match its key, and one data key wrapped by each id in use must unwrap (the
 * proof for a database from before the check values). Every refusal comes before the first write, so a refused
 * start changes nothing. Guarded by MasterKeyCheckTest.
 */
final class MasterKeyCheck {

    private final JdbcClient jdbc;
    private final Path keyFile;
    private final Map<String, byte[]> checks;
    /** One wrapped data key per master key id still in use: the proof for ids without a check value. */
    private final Map<String, Sample> inUse;

    private record Sample(UUID ownerId, byte[] wrapped) {
    }

    MasterKeyCheck(JdbcClient jdbc, Path keyFile) {
        this.jdbc = jdbc;
        this.keyFile = keyFile;
        this.checks = readChecks();
        this.inUse = new TreeMap<>();
        jdbc.sql("""
                 SELECT DISTINCT ON (master_key_id) master_key_id, owner_id, wrapped_key FROM data_key
                  WHERE wrapped_key IS NOT NULL ORDER BY master_key_id, owner_id""")
            .query((rs, n) -> inUse.put(rs.getString(1), new Sample(rs.getObject(2, UUID.class), rs.getBytes(3))))
            .list();
    }

    /** No master key is configured: fine only for a database that never had one, where a key file is made. */
    void refuseUnlessFreshInstall() {
        if (!checks.isEmpty() || !inUse.isEmpty()) {
            String expected = String.join(", ", expectedIds());
            throw new MasterKeyRefused("no master key is configured, but this database holds data keys or a check "
                    + "value of master key " + expected + ". Restore " + keyFile + " or LEDGER_MASTER_KEY (for ids "
                    + "other than 'default': ledger.master-keys.<id>) from the backup and start again; without it "
                    + "every customer's personal data is unreadable. A new master key is generated only for an empty "
                    + "database. Nothing was changed.");
        }
    }

    /** Refuses a key that does not match, or a key in use that is missing; then records new keys' check values. */
    void verifyAndRecord(Map<String, SecretKey> configured) {
        configured.forEach((id, key) -> {
            byte[] stored = checks.get(id);
            if (stored != null && !MessageDigest.isEqual(stored, MasterKey.checkValue(key))) {
                throw wrongKey(id, "its check value in master_key_check differs");
            }
        });
        inUse.forEach((id, sample) -> {
            SecretKey key = configured.get(id);
            if (key == null) {
                throw new MasterKeyRefused("data keys wrapped by master key '" + id + "' exist, but it is not configured "
                        + "(configured: " + configured.keySet() + "). Restore it from the backup as "
                        + source(id) + " and start again. Nothing was changed.");
            }
            try {
                AesGcm.decrypt(key, sample.wrapped(), KeyVault.aad(sample.ownerId()));
            } catch (IllegalStateException e) {
                throw wrongKey(id, "it cannot unwrap the data keys it is said to have wrapped");
            }
        });
        if (!checks.isEmpty() && configured.keySet().stream().noneMatch(checks::containsKey)) {
            throw new MasterKeyRefused("none of the configured master keys " + configured.keySet() + " is known to "
                    + "this database, which expects " + String.join(", ", expectedIds()) + ". Restore "
                    + source(checks.keySet().iterator().next()) + " from the backup and start again. Nothing was changed.");
        }
        configured.forEach((id, key) -> {
            if (!checks.containsKey(id)) {
                jdbc.sql("INSERT INTO master_key_check (key_id, check_value) VALUES (?, ?) ON CONFLICT (key_id) DO NOTHING")
                    .params(id, MasterKey.checkValue(key))
                    .update();
            }
        });
        // another instance may have recorded a different key under a new id at the same moment
        Map<String, byte[]> recorded = readChecks();
        configured.forEach((id, key) -> {
            if (!MessageDigest.isEqual(recorded.get(id), MasterKey.checkValue(key))) {
                throw wrongKey(id, "another instance recorded a different key under this id");
            }
        });
    }

    private MasterKeyRefused wrongKey(String id, String why) {
        return new MasterKeyRefused("the configured master key '" + id + "' is not the one this database's data keys "
                + "were wrapped with (" + why + "). Restore the right key from the backup as " + source(id)
                + " and start again; a different key makes every customer's personal data unreadable. Nothing was changed.");
    }

    private String source(String id) {
        return id.equals(LedgerProperties.MASTER_KEY_DEFAULT_ID)
                ? keyFile + " or LEDGER_MASTER_KEY"
                : "ledger.master-keys." + id;
    }

    private Set<String> expectedIds() {
        Set<String> ids = new TreeSet<>(checks.keySet());
        ids.addAll(inUse.keySet());
        return ids.stream().map(id -> "'" + id + "'").collect(Collectors.toCollection(TreeSet::new));
    }

    private Map<String, byte[]> readChecks() {
        Map<String, byte[]> values = new TreeMap<>();
        jdbc.sql("SELECT key_id, check_value FROM master_key_check")
            .query((rs, n) -> values.put(rs.getString(1), rs.getBytes(2)))
            .list();
        return values;
    }
}
