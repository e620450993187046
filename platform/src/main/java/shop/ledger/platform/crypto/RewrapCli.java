package shop.ledger.platform.crypto;

import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.ToolDatabase;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Re-wraps every data key under the newest master key, while the ledger runs (the key rotation, docs/operations.md):
 * <pre>
 *   java -cp standalone/target/ledger-standalone.jar -Dloader.main=shop.ledger.platform.crypto.RewrapCli \
 *        org.springframework.boot.loader.launch.PropertiesLauncher \
 *        --url=jdbc:postgresql://HOST:PORT/DB --user=USER --password=PASSWORD \
 *        --master-keys.default=OLD_BASE64 --master-keys.k2=NEW_BASE64 --master-key-id=k2
 * </pre>
 * The keys as the ledger takes them: {@code --master-key=} / {@code LEDGER_MASTER_KEY} (id 'default'),
 * {@code --master-keys.<id>=} / {@code LEDGER_MASTERKEYS_<ID>}, {@code --master-key-id=} / {@code LEDGER_MASTER_KEY_ID},
 * {@code --data-dir=} / {@code LEDGER_DATA_DIR} for the key file. The keys are checked against the database first,
 * as at a start. Each data key is re-wrapped in its own statement ({@link KeyVault#rewrap}): safe to re-run and to
 * interrupt, and an erasure meanwhile stays an erasure. Exits 0 when no data key is left under an older master key,
 * 1 when some are (run it again), 2 on a usage, key or connection error.
 */
public final class RewrapCli {

    public static final int OK = 0;
    public static final int NOT_DONE = 1;
    public static final int USAGE = 2;
    private static final int PAGE = 500;

    private RewrapCli() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.getenv(), System.out, System.err));
    }

    /** {@link #main} without System.exit: answers the exit code. */
    public static int execute(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ToolDatabase database = ToolDatabase.from(args, env);
        String dataDir = env.get("LEDGER_DATA_DIR");
        String masterKey = env.get("LEDGER_MASTER_KEY");
        String masterKeyId = env.get("LEDGER_MASTER_KEY_ID");
        Map<String, String> masterKeys = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("LEDGER_MASTERKEYS_")) {
                masterKeys.put(name.substring("LEDGER_MASTERKEYS_".length()).toLowerCase(Locale.ROOT), value);
            }
        });
        for (String arg : database.rest()) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq + 1);
            String value = eq < 0 ? "" : arg.substring(eq + 1);
            switch (name) {
                case "--data-dir=" -> dataDir = value;
                case "--master-key=" -> masterKey = value;
                case "--master-key-id=" -> masterKeyId = value;
                default -> {
                    if (!name.startsWith("--master-keys.") || eq < 0) {
                        return usage(err, "unknown argument " + name);
                    }
                    masterKeys.put(name.substring("--master-keys.".length(), name.length() - 1), value);
                }
            }
        }
        if (!database.hasPostgresUrl()) {
            return usage(err, "a jdbc:postgresql: URL is required");
        }
        LedgerProperties properties = new LedgerProperties(dataDir == null ? null : Path.of(dataDir), null, masterKey,
                null, null, masterKeys, masterKeyId);
        if (masterKeys.isEmpty() && (masterKey == null || masterKey.isBlank())
                && !Files.exists(properties.keysDir().resolve(MasterKey.KEY_FILE))) {
            // never the fresh-install path: this tool must not generate a key
            return usage(err, "no master key given");
        }
        try {
            return run(database.dataSource(), properties, out);
        } catch (RuntimeException e) {
            err.println("re-wrapping could not run: " + e.getMessage());
            return USAGE;
        }
    }

    /** Checks the keys, re-wraps every data key under the newest, prints what it did, answers the exit code. */
    public static int run(DataSource dataSource, LedgerProperties properties, PrintStream out) {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        MasterKey masterKey = new MasterKey(properties, jdbc);
        KeyVault vault = new KeyVault(jdbc, masterKey);
        String newest = masterKey.newestId();
        long rewrapped = 0;
        long unchanged = 0;
        UUID after = null;
        List<UUID> page;
        do {
            page = jdbc.sql("""
                            SELECT owner_id FROM data_key
                             WHERE wrapped_key IS NOT NULL AND master_key_id <> ?
                               AND (CAST(? AS uuid) IS NULL OR owner_id > ?)
                             ORDER BY owner_id LIMIT ?""")
                       .params(newest, after, after, PAGE)
                       .query(UUID.class)
                       .list();
            for (UUID owner : page) {
                if (vault.rewrap(owner)) {
                    rewrapped++;
                } else {
                    unchanged++; // erased or re-wrapped meanwhile
                }
                after = owner;
            }
        } while (page.size() == PAGE);
        long left = jdbc.sql("SELECT count(*) FROM data_key WHERE wrapped_key IS NOT NULL AND master_key_id <> ?")
                        .param(newest).query(Long.class).single();
        out.printf("re-wrapped %d data keys under master key '%s'; %d changed meanwhile (erased or re-wrapped); "
                   + "%d left under an older key%n", rewrapped, newest, unchanged, left);
        out.flush();
        return left == 0 ? OK : NOT_DONE;
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println("usage: RewrapCli " + ToolDatabase.USAGE);
        err.println("         [--master-key=BASE64] [--master-keys.<id>=BASE64 ...] [--master-key-id=NEWEST] [--data-dir=DIR]");
        err.println("   (or LEDGER_MASTER_KEY, LEDGER_MASTERKEYS_<ID>, LEDGER_MASTER_KEY_ID, LEDGER_DATA_DIR)");
        return USAGE;
    }
}
