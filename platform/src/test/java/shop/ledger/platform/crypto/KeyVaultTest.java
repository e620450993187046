package shop.ledger.platform.crypto;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.EmbeddedPostgresLauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Per-customer data keys on a real PostgreSQL: encryption, tamper detection and crypto-shredding (R11). */
class KeyVaultTest {

    private static EmbeddedPostgres postgres;
    private static JdbcClient jdbc;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void database() {
        postgres = EmbeddedPostgresLauncher.forTests();
        jdbc = JdbcClient.create(postgres.getPostgresDatabase());
        jdbc.sql("CREATE TABLE data_key (owner_id UUID PRIMARY KEY, wrapped_key BYTEA, master_key_id TEXT NOT NULL, "
                + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), destroyed_at TIMESTAMPTZ)").update();
        jdbc.sql("CREATE TABLE master_key_check (key_id TEXT PRIMARY KEY, check_value BYTEA NOT NULL, "
                + "created_at TIMESTAMPTZ NOT NULL DEFAULT now())").update();
    }

    /** Each test has its own data directory, so its own master key: the database starts empty for it. */
    @BeforeEach
    void emptyVault() {
        jdbc.sql("TRUNCATE data_key, master_key_check").update();
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private KeyVault vault(String masterKey) {
        return new KeyVault(jdbc, new MasterKey(new LedgerProperties(dataDir, "USD", masterKey, null, null), jdbc));
    }

    @Test
    void dataIsEncryptedPerOwnerAndReadableOnlyWithTheRightKey() {
        KeyVault vault = vault(null);
        UUID alice = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        vault.createKey(alice);
        vault.createKey(bob);

        String sealed = vault.encrypt(alice, "alice@example.com");
        assertThat(sealed).startsWith("v1:").doesNotContain("alice");
        assertThat(vault.encrypt(alice, "alice@example.com")).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThat(vault.decrypt(alice, sealed)).contains("alice@example.com");
        assertThatThrownBy(() -> vault.decrypt(bob, sealed)).as("another owner's key cannot open it")
                                                           .isInstanceOf(IllegalStateException.class);

        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length - 1] ^= 1;
        String tampered = "v1:" + Base64.getEncoder().encodeToString(raw);
        assertThatThrownBy(() -> vault.decrypt(alice, tampered)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void erasureDestroysTheKeyAndEveryCopyReadsErased() {
        KeyVault vault = vault(null);
        UUID carol = UUID.randomUUID();
        vault.createKey(carol);
        String sealed = vault.encrypt(carol, "carol@example.com");

        vault.erase(carol);

        assertThat(vault.decrypt(carol, sealed)).isEmpty();
        assertThat(vault.reveal(carol, sealed)).isEqualTo(KeyVault.ERASED);
        assertThat(vault.isErased(carol)).isTrue();
        assertThat(vault(null).reveal(carol, sealed)).as("also for a fresh instance without cache")
                                                     .isEqualTo(KeyVault.ERASED);
        assertThat(jdbc.sql("SELECT wrapped_key IS NULL FROM data_key WHERE owner_id = ?").param(carol)
                       .query(Boolean.class).single()).isTrue();
    }

    @Test
    void nothingNewIsSealedForAnErasedOwner() {
        KeyVault vault = vault(null);
        UUID erin = UUID.randomUUID();
        vault.createKey(erin);
        vault.erase(erin);
        assertThatThrownBy(() -> vault.encrypt(erin, "erin@example.com"))
                .isInstanceOfSatisfying(RuleViolation.class, e -> assertThat(e.problem()).isEqualTo(ProblemType.CONFLICT));
        assertThatThrownBy(() -> vault.fingerprint(erin, "490154203237518")).isInstanceOf(RuleViolation.class);
    }

    @Test
    void aKeyErasedByAnotherInstanceIsSeenOnceForgotten() {
        KeyVault here = vault(null);
        KeyVault elsewhere = vault(null);
        UUID fred = UUID.randomUUID();
        here.createKey(fred);
        String sealed = here.encrypt(fred, "fred@example.com");

        elsewhere.erase(fred);
        assertThat(here.decrypt(fred, sealed)).as("this instance still holds the key in its cache")
                                              .contains("fred@example.com");
        here.forget(fred); // what the erasure event does on every instance
        assertThat(here.reveal(fred, sealed)).isEqualTo(KeyVault.ERASED);
    }

    @Test
    void theMasterKeyFileIsCreatedOnceAndKeysSurviveARestart() throws Exception {
        KeyVault first = vault(null);
        UUID dave = UUID.randomUUID();
        first.createKey(dave);
        String sealed = first.encrypt(dave, "dave@example.com");
        Path keyFile = dataDir.resolve("keys").resolve("master.key");
        assertThat(Files.getPosixFilePermissions(keyFile)).hasSize(2); // owner read and write only

        assertThat(vault(null).decrypt(dave, sealed)).contains("dave@example.com");

        String otherMaster = Base64.getEncoder().encodeToString(new byte[32]);
        assertThatThrownBy(() -> vault(otherMaster).decrypt(dave, sealed))
                .as("a wrong master key cannot unwrap the data key").isInstanceOf(IllegalStateException.class);
    }
}
