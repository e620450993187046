package shop.ledger.bench;

import org.axonframework.commandhandling.gateway.CommandGateway;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.operations.ProjectionOverview;
import shop.ledger.query.operations.ProjectionOverview.Projection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The benchmark: starts the ledger on a fresh durable PostgreSQL and measures it side by side with plain JDBC
 * on the same database, at the same concurrency. Writes the JSON result and the results block of
 * BENCHMARKS.md. See {@link BenchOptions} for the flags.
 */
public final class Benchmark {

    static final int[] CONCURRENCY = {1, 8, 32};

    private final BenchOptions options;
    private final Map<String, Object> phases = new LinkedHashMap<>();
    private final long startedAt = System.nanoTime();

    private Benchmark(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Map<String, Object> result = run(options);
        System.out.println(Report.json(result));
        System.exit(0);
    }

    /** Runs every phase and writes the results; returns them as written to the JSON file. */
    public static Map<String, Object> run(BenchOptions options) throws Exception {
        Map<String, Object> result = new Benchmark(options).measure();
        Report.write(result, options);
        return result;
    }

    private Map<String, Object> measure() throws Exception {
        Files.createDirectories(options.workDir());
        Path dataDir = Files.createTempDirectory(options.workDir(), "ledger-bench-");
        Map<String, Object> result = new LinkedHashMap<>();
        try (MemoryWatch memory = new MemoryWatch()) {
            log("starting PostgreSQL (durable) and the ledger in " + dataDir);
            try (LedgerUnderTest ledger = LedgerUnderTest.start(dataDir, List.of())) {
                result.put("generatedAt", Instant.now().toString());
                result.put("mode", options.quick() ? "quick" : "full");
                result.put("machine", machine(ledger, memory));
                result.put("settings", settings());
                measureLedger(ledger, result);
                result.put("heap_mb_max", round(memory.heapMbMax()));
                result.put("rss_mb_max", round(MemoryWatch.rssMbMax()));
            }
        } finally {
            if (!options.keepData()) {
                deleteRecursively(dataDir);
            }
        }
        result.put("phases", phases);
        result.put("errors", phases.values().stream()
                                   .mapToLong(p -> ((Number) ((Map<?, ?>) p).get("errors")).longValue()).sum());
        result.put("targets", Report.targets(result));
        result.put("runSeconds", round((System.nanoTime() - startedAt) / 1e9));
        return result;
    }

    private void measureLedger(LedgerUnderTest ledger, Map<String, Object> result) throws Exception {
        CommandGateway gateway = ledger.commandGateway();
        Wallets wallets = new Wallets(options.wallets());
        log("opening and funding " + options.wallets() + " wallets");
        wallets.openAndFund(gateway, 32);

        Map<String, Object> rawAppend = new LinkedHashMap<>();
        Map<String, Object> commands = new LinkedHashMap<>();
        Load.Result commandsAt32 = null;
        try (RawJdbc raw = new RawJdbc(ledger, 32, RawJdbc.shapeOfDeposits(ledger))) {
            for (int clients : CONCURRENCY) {
                Load.Result rawResult = phase(Load.run("raw-append-" + clients, clients, options.warmup(),
                        options.duration(), (client, iteration) -> raw.append(client)));
                rawAppend.put(Integer.toString(clients), round(rawResult.perSecond()));
                Load.Result commandResult = phase(Load.run("commands-" + clients, clients, options.warmup(),
                        options.duration(),
                        (client, iteration) -> wallets.command(gateway, wallets.walletFor(client, clients, iteration))));
                commands.put(Integer.toString(clients), round(commandResult.perSecond()));
                commandsAt32 = commandResult;
            }
        }
        result.put("raw_append_per_s", rawAppend);
        result.put("commands_per_s", commands);

        LedgerHttp http = new LedgerHttp(ledger.port());
        String token = http.adminToken(LedgerUnderTest.ADMIN_PASSWORD);
        Load.Result httpResult = phase(Load.run("http-commands-32", 32, options.warmup(), options.duration(),
                (client, iteration) -> {
                    int wallet = wallets.walletFor(client, 32, iteration);
                    try {
                        http.deposit(token, wallets.id(wallet), 1_000);
                    } catch (Exception e) {
                        wallets.unknown(wallet);
                        throw e;
                    }
                    wallets.deposited(wallet);
                }));
        result.put("http_commands_per_s", Map.of("32", round(httpResult.perSecond())));
        result.put("latency_ms", latencies(commandsAt32));

        result.put("projection_lag_ms", projectionLag(ledger, gateway, wallets, commandsAt32.perSecond() / 2));

        List<UUID> audited = options.seedThroughCommands() ? seedThroughCommands(ledger, gateway, wallets)
                : seedThroughEventStore(ledger);
        // no wait for the projections here: the replay below starts every read model from the first event anyway

        result.put("raw_read_events_per_s", rawRead(ledger));
        result.put("replay_events_per_s", replay(ledger));

        String auditorToken = http.adminToken(LedgerUnderTest.ADMIN_PASSWORD);
        result.put("balance_as_of_ms", balanceAsOf(ledger, http, auditorToken, audited, 0, "balance-as-of"));
        if (audited.size() > 1 && options.bigAuditEvents() > 0) {
            result.put("balance_as_of_100k_ms",
                    balanceAsOf(ledger, http, auditorToken, audited, 1, "balance-as-of-big-wallet"));
        }
    }

    /** Half the maximum command rate, 32 clients on a fixed schedule; every acknowledged command is a sample. */
    private Map<String, Object> projectionLag(LedgerUnderTest ledger, CommandGateway gateway, Wallets wallets,
                                              double rate) throws Exception {
        log(String.format("projection lag at %.0f commands/s", rate));
        Load.Operation command = (client, iteration) -> wallets.command(gateway,
                wallets.walletFor(client, 32, iteration));
        Load.run("projection-lag-warmup", 32, Duration.ZERO, options.warmup(), rate, command);
        long[] lags;
        Load.Result load;
        try (LagWatcher watcher = new LagWatcher(ledger.connect())) {
            load = Load.run("projection-lag", 32, Duration.ZERO, options.duration(), rate, (client, iteration) -> {
                int wallet = wallets.walletFor(client, 32, iteration);
                wallets.command(gateway, wallet);
                long sequence = wallets.lastSequence(wallet);
                if (sequence >= 0) {
                    watcher.acknowledged(wallets.id(wallet), sequence, System.nanoTime());
                }
            });
            lags = watcher.finish();
            Map<String, Object> details = details(load);
            details.put("offeredRatePerSecond", round(rate));
            details.put("samples", lags.length);
            details.put("neverVisible", watcher.unseen());
            details.put("errors", load.errors() + watcher.unseen());
            phases.put(load.name(), details);
        }
        Map<String, Object> lag = new LinkedHashMap<>();
        lag.put("p50", round(Percentiles.of(lags, 50) / 1e6));
        lag.put("p99", round(Percentiles.of(lags, 99) / 1e6));
        lag.put("ratePerSecond", round(load.perSecond()));
        return lag;
    }

    /**
     * Brings the event table to {@code --events} through the real path: Wallet commands through the command
     * gateway from 32 clients, while one more client per audited wallet builds its long history.
     */
    private List<UUID> seedThroughCommands(LedgerUnderTest ledger, CommandGateway gateway, Wallets wallets)
            throws Exception {
        int[] targets = options.bigAuditEvents() > 0
                ? new int[]{options.auditEvents(), options.bigAuditEvents()}
                : new int[]{options.auditEvents()};
        Wallets audited = new Wallets(targets.length);
        for (int i = 0; i < targets.length; i++) {
            audited.open(gateway, i);
        }
        long existing = countEvents(ledger);
        long general = Math.max(0, options.events() - existing - (long) options.auditEvents() - options.bigAuditEvents());
        log("seeding: " + existing + " events so far, " + general + " more on " + wallets.size() + " wallets, and "
            + "audited wallets of " + java.util.Arrays.toString(targets) + " events");
        AtomicLong issued = new AtomicLong();
        int auditClients = targets.length;
        Load.Result seeding = phase(Load.run("seed", 32 + auditClients, Duration.ZERO, Duration.ofDays(1),
                (client, iteration) -> {
                    if (client < auditClients) {
                        if (audited.lastSequence(client) + 1 >= targets[client]) {
                            throw new Wallets.Done();
                        }
                        audited.command(gateway, client);
                    } else {
                        if (issued.incrementAndGet() > general) {
                            throw new Wallets.Done();
                        }
                        wallets.command(gateway, wallets.walletFor(client - auditClients, 32, iteration));
                    }
                }));
        Map<String, Object> details = details(seeding);
        details.put("seconds", round(seeding.elapsedSeconds()));
        details.put("perSecond", round(seeding.operations() / seeding.elapsedSeconds()));
        details.put("path", "command gateway, one command per transaction");
        details.put("eventsInStore", countEvents(ledger));
        phases.put(seeding.name(), details);
        for (int i = 0; i < targets.length; i++) {
            if (audited.lastSequence(i) + 1 < targets[i]) {
                throw new IllegalStateException("audited wallet " + i + " has " + (audited.lastSequence(i) + 1)
                                                + " events, not " + targets[i]);
            }
        }
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            ids.add(audited.id(i));
        }
        return ids;
    }

    /**
     * Brings the event table to {@code --events} through the ledger's event storage engine (see
     * {@link EventStoreSeeder}): the audited wallets first, then wallets of 500 events from 4 threads.
     */
    private List<UUID> seedThroughEventStore(LedgerUnderTest ledger) throws Exception {
        EventStoreSeeder seeder = ledger.seeder();
        long existing = countEvents(ledger);
        long general = Math.max(0, options.events() - existing - (long) options.auditEvents() - options.bigAuditEvents());
        int perWallet = 500;
        long seedWallets = (general + perWallet - 1) / perWallet;
        log("seeding through the event store: " + existing + " events so far, " + general + " more on " + seedWallets
            + " wallets, audited wallets of " + options.auditEvents() + " and " + options.bigAuditEvents() + " events");
        long begin = System.nanoTime();
        List<UUID> audited = new ArrayList<>();
        audited.add(seeder.wallet(options.auditEvents()));
        if (options.bigAuditEvents() > 0) {
            audited.add(seeder.wallet(options.bigAuditEvents()));
        }
        AtomicLong next = new AtomicLong();
        // one writer: parallel transactions of a thousand events each leave thousands of not-yet-committed
        // positions behind the committed ones, which every processor catching up carries as gaps in the token of
        // each event it buffers (a full run ran out of its 512 MB that way); the ledger's own commits are small
        Load.Result seeding = Load.run("seed", 1, Duration.ZERO, Duration.ofDays(1), (client, iteration) -> {
            long wallet = next.getAndIncrement();
            if (wallet >= seedWallets) {
                throw new Wallets.Done();
            }
            long remaining = general - wallet * perWallet;
            seeder.wallet((int) Math.min(perWallet, remaining));
        });
        double seconds = (System.nanoTime() - begin) / 1e9;
        long events = countEvents(ledger);
        Map<String, Object> details = details(seeding);
        details.put("path", "event storage engine, " + EventStoreSeeder.BATCH + " events per transaction");
        details.put("seconds", round(seconds));
        details.put("operations", events - existing);
        details.put("perSecond", round((events - existing) / seconds));
        details.remove("latencyMs");
        details.put("eventsInStore", events);
        phases.put("seed", details);
        log(String.format("seeded %d events in %.1f s; %d in the store", events - existing, seconds, events));
        return audited;
    }

    private double rawRead(LedgerUnderTest ledger) throws SQLException {
        try (Connection connection = ledger.connect()) {
            log("raw read: warm-up pass");
            RawJdbc.readAllEvents(connection, 1_000);
            log("raw read: measured pass");
            long begin = System.nanoTime();
            long events = RawJdbc.readAllEvents(connection, 1_000);
            double seconds = (System.nanoTime() - begin) / 1e9;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("clients", 1);
            details.put("operations", events);
            details.put("errors", 0);
            details.put("seconds", round(seconds));
            details.put("perSecond", round(events / seconds));
            phases.put("raw-read", details);
            return round(events / seconds);
        }
    }

    /** Rebuilds every replayable read model at once and waits until each processor is back at the head. */
    private double replay(LedgerUnderTest ledger) throws Exception {
        ProjectionOperations projections = ledger.projections();
        List<String> names = projections.overview().items().stream()
                                        .filter(Projection::replayable).map(Projection::name).toList();
        long events = countEvents(ledger);
        log("replaying " + names + " over " + events + " events");
        long begin = System.nanoTime();
        // one pass over the store for all of them, as staff would rebuild after a release (ProjectionRebuild)
        List<String> replayed = projections.replayAll();
        if (!replayed.equals(names)) {
            throw new IllegalStateException("replayed " + replayed + " instead of " + names);
        }
        awaitProjectionsCaughtUp(projections, Duration.ofMinutes(60));
        double seconds = (System.nanoTime() - begin) / 1e9;
        List<Projection> notRebuilt = projections.overview().items().stream()
                                                 .filter(p -> names.contains(p.name()))
                                                 .filter(p -> p.lastReplay() == null
                                                              || !"COMPLETED".equals(p.lastReplay().state()))
                                                 .toList();
        if (!notRebuilt.isEmpty()) {
            throw new IllegalStateException("the rebuild did not complete: " + notRebuilt);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("readModels", names);
        details.put("operations", events);
        details.put("errors", 0);
        details.put("seconds", round(seconds));
        details.put("perSecond", round(events / seconds));
        phases.put("replay", details);
        return round(events / seconds);
    }

    /** Until every replayable processor runs, replays nothing, has no error and has reached the head. */
    private static void awaitProjectionsCaughtUp(ProjectionOperations projections, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ProjectionOverview overview = projections.overview();
            List<Projection> behind = overview.items().stream()
                                              .filter(Projection::replayable)
                                              .filter(p -> !p.running() || p.replaying() || p.error() != null
                                                           || p.lag() == null || p.lag() > 0)
                                              .toList();
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("projections did not catch up in " + timeout + ": " + behind);
            }
            Thread.sleep(20);
        }
    }

    private Map<String, Object> balanceAsOf(LedgerUnderTest ledger, LedgerHttp http, String token,
                                            List<UUID> audited, int index, String name) throws Exception {
        UUID wallet = audited.get(index);
        Instant first;
        Instant last;
        long events;
        try (Connection connection = ledger.connect(); Statement query = connection.createStatement();
             ResultSet row = query.executeQuery("SELECT min(timeStamp), max(timeStamp), count(*) FROM DomainEventEntry "
                                                + "WHERE aggregateIdentifier = '" + wallet + "'")) {
            row.next();
            first = Instant.parse(row.getString(1));
            last = Instant.parse(row.getString(2));
            events = row.getLong(3);
        }
        log(name + ": wallet with " + events + " events");
        long span = Duration.between(first, last).toNanos();
        Load.Operation ask = (client, iteration) -> http.balanceAsOf(token, wallet,
                first.plusNanos((long) (ThreadLocalRandom.current().nextDouble() * span)));
        for (int i = 0; i < Math.min(200, options.balanceSamples()); i++) {
            ask.run(0, i); // warm-up, not counted
        }
        long[] latencies = new long[options.balanceSamples()];
        long errors = 0;
        String firstError = null;
        int measured = 0;
        long begin = System.nanoTime();
        for (int i = 0; i < options.balanceSamples(); i++) {
            long start = System.nanoTime();
            try {
                ask.run(0, i);
                latencies[measured++] = System.nanoTime() - start;
            } catch (Exception e) {
                errors++;
                firstError = firstError == null ? e.toString() : firstError;
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        long[] sorted = java.util.Arrays.copyOf(latencies, measured);
        java.util.Arrays.sort(sorted);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("walletEvents", events);
        details.put("clients", 1);
        details.put("operations", measured);
        details.put("errors", errors);
        details.put("seconds", round(seconds));
        details.put("firstError", firstError);
        phases.put(name, details);
        Map<String, Object> balance = new LinkedHashMap<>();
        balance.put("p50", round(Percentiles.of(sorted, 50) / 1e6));
        balance.put("p99", round(Percentiles.of(sorted, 99) / 1e6));
        balance.put("walletEvents", events);
        return balance;
    }

    private Load.Result phase(Load.Result result) {
        phases.put(result.name(), details(result));
        log(String.format("%-20s %3d clients  %10.1f /s  errors %d  (%d calls in all, mean %.1f ms)%s", result.name(),
                result.clients(), result.perSecond(), result.errors(), result.completed(), result.meanMillisAll(), result.firstError() == null ? "" : "  first: " + result.firstError()));
        return result;
    }

    private static Map<String, Object> details(Load.Result result) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("clients", result.clients());
        details.put("operations", result.operations());
        details.put("errors", result.errors());
        details.put("seconds", round(result.seconds()));
        details.put("perSecond", round(result.perSecond()));
        if (result.latencies().length > 0) {
            details.put("latencyMs", latencies(result));
        }
        details.put("firstError", result.firstError());
        return details;
    }

    private Map<String, Object> machine(LedgerUnderTest ledger, MemoryWatch memory) throws SQLException {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryMb", memoryMb());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                          + System.getProperty("os.arch"));
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("heapLimitMb", round(memory.heapLimitMb()));
        try (Connection connection = ledger.connect(); Statement show = connection.createStatement()) {
            for (String setting : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes",
                    "wal_sync_method", "shared_buffers")) {
                try (ResultSet value = show.executeQuery("SHOW " + setting)) {
                    value.next();
                    machine.put(setting.equals("server_version") ? "postgresql" : setting, value.getString(1));
                }
            }
        }
        if (!"on".equals(machine.get("fsync")) || !"on".equals(machine.get("synchronous_commit"))) {
            throw new IllegalStateException("PostgreSQL is not durable: " + machine);
        }
        return machine;
    }

    private Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("warmupSeconds", options.warmup().toMillis() / 1000.0);
        settings.put("durationSeconds", options.duration().toMillis() / 1000.0);
        settings.put("wallets", options.wallets());
        settings.put("events", options.events());
        settings.put("auditEvents", options.auditEvents());
        settings.put("bigAuditEvents", options.bigAuditEvents());
        settings.put("balanceSamples", options.balanceSamples());
        return settings;
    }

    private static long countEvents(LedgerUnderTest ledger) throws SQLException {
        try (Connection connection = ledger.connect(); Statement query = connection.createStatement();
             ResultSet count = query.executeQuery("SELECT count(*) FROM DomainEventEntry")) {
            count.next();
            return count.getLong(1);
        }
    }

    private static long memoryMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, Object> latencies(Load.Result result) {
        Map<String, Object> latencies = new LinkedHashMap<>();
        latencies.put("p50", millis(result, 50));
        latencies.put("p99", millis(result, 99));
        latencies.put("p999", millis(result, 99.9));
        return latencies;
    }

    private static double millis(Load.Result result, double percentile) {
        return round(result.percentileMillis(percentile));
    }

    static double round(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return value;
        }
        if (Math.abs(value) < 1) {
            return Math.round(value * 10_000) / 10_000.0;
        }
        return value >= 100 ? Math.round(value) : Math.round(value * 100) / 100.0;
    }

    private void log(String message) {
        System.err.printf("[bench %6.1fs] %s%n", (System.nanoTime() - startedAt) / 1e9, message);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        }
    }
}
