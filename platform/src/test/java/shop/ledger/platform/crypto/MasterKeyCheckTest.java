package shop.ledger.platform.crypto;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.testing.TestDatabase;

import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Keys that cannot be lost silently (decision 08): the check value, the refusals of a wrong or missing master key,
 * and the rotation to a second key id with the re-wrap tool, on a real PostgreSQL with the ledger's schema.
 */
class MasterKeyCheckTest {

    private static final String OTHER_KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String NEW_KEY = Base64.getEncoder().encodeToString(AesGcm.randomKey());

    @TempDir
    Path dataDir;
    @TempDir
    Path emptyDataDir;
    private static String url;
    private static JdbcClient jdbc;

    @BeforeAll
    static void database() {
        url = TestDatabase.newDatabase();
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser("postgres");
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
    }

    /** Every test starts as a fresh install: no data key, no check value. */
    @BeforeEach
    void freshInstall() {
        jdbc.sql("TRUNCATE data_key, master_key_check CASCADE").update();
    }

    private MasterKey start(Path dir, String masterKey, Map<String, String> masterKeys, String newestId) {
        return new MasterKey(new LedgerProperties(dir, null, masterKey, null, null, masterKeys, newestId), jdbc);
    }

    private MasterKey startWithKeyFile() {
        return start(dataDir, null, null, null);
    }

    private Path keyFile() {
        return dataDir.resolve("keys").resolve("master.key");
    }

    private List<String> storedKeyState() {
        return jdbc.sql("""
                        SELECT 'check ' || key_id || ' ' || encode(check_value, 'hex') FROM master_key_check
                        UNION ALL
                        SELECT 'data ' || owner_id || ' ' || master_key_id || ' ' || coalesce(encode(wrapped_key, 'hex'), '-')
                          FROM data_key
                        ORDER BY 1""").query(String.class).list();
    }

    @Test
    void aFreshStartMakesTheKeyFileAndStoresItsCheckValueAndARestartWithTheSameKeyWorks() throws Exception {
        KeyVault vault = new KeyVault(jdbc, startWithKeyFile());
        UUID alice = UUID.randomUUID();
        vault.createKey(alice);
        String sealed = vault.encrypt(alice, "alice@example.com");

        byte[] key = Base64.getDecoder().decode(Files.readString(keyFile()).trim());
        byte[] stored = jdbc.sql("SELECT check_value FROM master_key_check WHERE key_id = 'default'")
                            .query(byte[].class).single();
        assertThat(stored).isEqualTo(MasterKey.checkValue(new SecretKeySpec(key, "AES")))
                          .as("the check value reveals nothing of the key").isNotEqualTo(key);
        assertThat(jdbc.sql("SELECT master_key_id FROM data_key WHERE owner_id = ?").param(alice)
                       .query(String.class).single()).isEqualTo("default");

        assertThat(new KeyVault(jdbc, startWithKeyFile()).decrypt(alice, sealed)).contains("alice@example.com");
        assertThat(new KeyVault(jdbc, start(emptyDataDir, Files.readString(keyFile()), null, null)).decrypt(alice, sealed))
                .as("the same key given as LEDGER_MASTER_KEY").contains("alice@example.com");
    }

    @Test
    void aWrongMasterKeyWhileWrappedKeysExistRefusesTheStartAndWritesNothing() {
        new KeyVault(jdbc, startWithKeyFile()).createKey(UUID.randomUUID());
        List<String> before = storedKeyState();

        assertThatThrownBy(() -> start(emptyDataDir, OTHER_KEY, null, null))
                .isInstanceOf(MasterKeyRefused.class)
                .hasMessageContaining("'default'")
                .hasMessageContaining("LEDGER_MASTER_KEY")
                .hasMessageContaining("from the backup");
        assertThatThrownBy(() -> start(emptyDataDir, null, Map.of("k2", OTHER_KEY), null))
                .as("a new id alone does not replace the key the data keys need")
                .isInstanceOf(MasterKeyRefused.class).hasMessageContaining("'default'");
        assertThat(storedKeyState()).isEqualTo(before);

        // a database from before the check values: the wrapped keys themselves prove the key
        jdbc.sql("DELETE FROM master_key_check").update();
        assertThatThrownBy(() -> start(emptyDataDir, OTHER_KEY, null, null))
                .isInstanceOf(MasterKeyRefused.class).hasMessageContaining("cannot unwrap");
        assertThat(jdbc.sql("SELECT count(*) FROM master_key_check").query(Long.class).single())
                .as("no check value recorded for the wrong key").isZero();
    }

    @Test
    void aMissingKeyFileWhileWrappedKeysExistRefusesTheStartAndGeneratesNoNewKey() throws Exception {
        new KeyVault(jdbc, startWithKeyFile()).createKey(UUID.randomUUID());
        List<String> before = storedKeyState();
        Files.delete(keyFile());

        assertThatThrownBy(this::startWithKeyFile)
                .isInstanceOf(MasterKeyRefused.class)
                .hasMessageContaining("'default'")
                .hasMessageContaining(keyFile().toString())
                .hasMessageContaining("Restore");
        assertThat(keyFile()).doesNotExist();
        assertThat(storedKeyState()).isEqualTo(before);

        Throwable refused = catchThrowable(this::startWithKeyFile);
        assertThat(refused).isInstanceOf(MasterKeyRefused.class);
        FailureAnalysis analysis = new MasterKeyRefusedAnalyzer().analyze(new IllegalStateException("Error creating bean 'masterKey'", refused));
        assertThat(analysis.getDescription()).as("a failed start opens with the message").isEqualTo(refused.getMessage());
        assertThat(analysis.getAction()).contains("Restore the master key");
    }

    @Test
    void aMissingKeyWithOnlyACheckValueRefusesToo() throws Exception {
        startWithKeyFile(); // no customer yet: only the check value knows the key
        Files.delete(keyFile());
        assertThatThrownBy(this::startWithKeyFile).isInstanceOf(MasterKeyRefused.class);
        assertThat(keyFile()).doesNotExist();
    }

    @Test
    void reWrappingUnderASecondKeyKeepsPersonalDataReadableAndErasedKeysDestroyed() throws Exception {
        KeyVault before = new KeyVault(jdbc, startWithKeyFile());
        UUID alice = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        before.createKey(alice);
        before.createKey(bob);
        String aliceSealed = before.encrypt(alice, "alice@example.com");
        String bobSealed = before.encrypt(bob, "bob@example.com");
        before.erase(bob);

        String[] args = {"--url=" + url, "--user=postgres", "--data-dir=" + dataDir, "--master-keys.k2=" + NEW_KEY,
                "--master-key-id=k2"};
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        assertThat(RewrapCli.execute(args, Map.of(), new PrintStream(printed, true, StandardCharsets.UTF_8), System.err))
                .isEqualTo(RewrapCli.OK);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("re-wrapped 1 data keys under master key 'k2'")
                                                             .contains("0 left");
        assertThat(jdbc.sql("SELECT master_key_id FROM data_key WHERE owner_id = ?").param(alice)
                       .query(String.class).single()).isEqualTo("k2");
        assertThat(jdbc.sql("SELECT wrapped_key IS NULL FROM data_key WHERE owner_id = ?").param(bob)
                       .query(Boolean.class).single()).as("an erased key stays erased").isTrue();
        List<String> afterFirstRun = storedKeyState();
        assertThat(RewrapCli.execute(args, Map.of(), System.out, System.err)).as("safe to re-run").isEqualTo(RewrapCli.OK);
        assertThat(storedKeyState()).isEqualTo(afterFirstRun);

        KeyVault bothKeys = new KeyVault(jdbc, start(dataDir, null, Map.of("k2", NEW_KEY), "k2"));
        assertThat(bothKeys.decrypt(alice, aliceSealed)).contains("alice@example.com");
        UUID carol = UUID.randomUUID();
        bothKeys.createKey(carol);
        assertThat(jdbc.sql("SELECT master_key_id FROM data_key WHERE owner_id = ?").param(carol)
                       .query(String.class).single()).as("new data keys under the newest").isEqualTo("k2");

        KeyVault onlyNewKey = new KeyVault(jdbc, start(emptyDataDir, null, Map.of("k2", NEW_KEY), null));
        assertThat(onlyNewKey.decrypt(alice, aliceSealed)).contains("alice@example.com");
        assertThat(onlyNewKey.reveal(bob, bobSealed)).isEqualTo(KeyVault.ERASED);
        assertThat(onlyNewKey.rewrap(bob)).isFalse();
        assertThat(emptyDataDir.resolve("keys").resolve("master.key")).as("no key file made").doesNotExist();
    }

    @Test
    void theOldKeyCannotBeDroppedWhileDataKeysStillNeedIt() {
        new KeyVault(jdbc, startWithKeyFile()).createKey(UUID.randomUUID());
        start(dataDir, null, Map.of("k2", NEW_KEY), "k2"); // both configured, not yet re-wrapped

        assertThatThrownBy(() -> start(emptyDataDir, null, Map.of("k2", NEW_KEY), null))
                .isInstanceOf(MasterKeyRefused.class)
                .hasMessageContaining("data keys wrapped by master key 'default' exist, but it is not configured");
        assertThatThrownBy(() -> start(dataDir, null, Map.of("k2", NEW_KEY), null))
                .as("two keys and no newest named").hasMessageContaining("ledger.master-key-id");
    }

    @Test
    void theReWrapToolNeverMakesAKey() {
        assertThat(RewrapCli.execute(new String[]{"--url=" + url, "--user=postgres", "--data-dir=" + emptyDataDir},
                Map.of(), System.out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .isEqualTo(RewrapCli.USAGE);
        assertThat(emptyDataDir.resolve("keys")).doesNotExist();
        assertThat(jdbc.sql("SELECT count(*) FROM master_key_check").query(Long.class).single()).isZero();
    }
}
