package shop.ledger.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** What every fault suite sets up the same way: the ledger's environment, customers, the size of a run, the report. */
final class Rig {

    /** {@code -Dreliability.long=true}: more customers, more rounds of faults, longer load. */
    static final boolean LONG = Boolean.getBoolean("reliability.long");

    private Rig() {
    }

    /**
     * The ledger's environment: the test JVM's PostgreSQL, the fake supplier and payout provider, short saga
     * delays (so a run settles in seconds), and a data directory for the key files that all instances share.
     */
    static Map<String, String> environment(DurablePostgres postgres, Path dataDir, FakeDhruSupplier supplier,
                                           FakePayoutProvider payouts) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPRING_DATASOURCE_URL", postgres.jdbcUrl());
        env.put("SPRING_DATASOURCE_USERNAME", "postgres");
        env.put("SPRING_DATASOURCE_PASSWORD", "");
        env.put("LEDGER_DATA_DIR", dataDir.toString());
        env.put("LEDGER_ADMIN_PASSWORD", LedgerProcess.ADMIN_PASSWORD);
        env.put("LEDGER_TOKEN_TTL", "2h");
        env.put("LEDGER_SIMULATORS", "false");
        env.put("LEDGER_ORDERS_SUBMISSION_BACKOFF", "1s");
        env.put("LEDGER_ORDERS_POLL_INITIAL", "500ms");
        env.put("LEDGER_ORDERS_POLL_MAX", "2s");
        env.put("LEDGER_WITHDRAWALS_CHASE_INITIAL", "500ms");
        env.put("LEDGER_WITHDRAWALS_CHASE_MAX", "2s");
        // all clients come from localhost: a code that expired in flight must not lock the address out
        env.put("LEDGER_AUTH_THROTTLE_MAX_ADDRESS_FAILURES", "100000");
        Map<String, Object> ledger = new LinkedHashMap<>();
        ledger.put("suppliers", Map.of(FakeDhruSupplier.NAME, supplier.ledgerSettings()));
        ledger.put("payouts", payouts.ledgerSettings());
        ledger.put("catalogue", Map.of("seed-supplier", FakeDhruSupplier.NAME));
        env.put("SPRING_APPLICATION_JSON", Api.JSON.writeValueAsString(Map.of("ledger", ledger)));
        // -Dreliability.ledger-java-options=... : JVM options for every ledger (experiments, debug logging)
        String javaOptions = System.getProperty("reliability.ledger-java-options", "");
        if (!javaOptions.isBlank()) {
            env.put("JAVA_TOOL_OPTIONS", javaOptions);
        }
        return env;
    }

    static List<Customer> customers(Api api, String staffToken, String prefix, int count) {
        List<Customer> customers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Customer customer = Customer.register(api, prefix + "-" + i + "-" + Long.toString(System.nanoTime(), 36));
            customer.deposit(api, staffToken, 5_000);
            customers.add(customer);
        }
        return customers;
    }

    /** A timestamped line in the test's output, to see where a run spends its time. */
    static void log(String what) {
        System.out.println(Instant.now() + " " + what);
    }

    static void sleepRandomly(Duration min, Duration max) throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextLong(min.toMillis(), max.toMillis() + 1));
    }

    /** One line per run in target/reliability-report.txt, the figures RELIABILITY.md quotes. */
    static void report(String suite, Stats stats, Instant started, String extra) throws IOException {
        String line = Instant.now() + " " + suite + (LONG ? " [long]" : "") + " duration="
                      + Duration.between(started, Instant.now()).toSeconds() + "s " + stats.summary()
                      + (extra.isEmpty() ? "" : " " + extra) + " result=ok" + System.lineSeparator();
        System.out.print(line);
        Path report = Path.of("target", "reliability-report.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
