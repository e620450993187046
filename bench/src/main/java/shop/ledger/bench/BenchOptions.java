package shop.ledger.bench;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The benchmark's knobs, as command-line flags ({@code --name=value}). {@code --quick} changes the defaults
 * only; any flag given explicitly wins.
 *
 * @param quick          the short run (about 10 minutes on 2 cores)
 * @param warmup         not counted, before every measured phase
 * @param duration       every measured phase (raw appends and commands at each concurrency, HTTP, lag)
 * @param wallets        wallets the command phases spread over
 * @param events         the event table holds at least this many events before raw read and replay
 * @param auditEvents    events of the wallet whose balance as of an instant is measured
 * @param bigAuditEvents a second, larger wallet for the same measurement (0: none)
 * @param balanceSamples measured balance-as-of requests per wallet
 * @param out            the JSON result
 * @param markdown       BENCHMARKS.md, whose marked results block is regenerated (none: not written)
 * @param workDir        where the fresh data directories are made (deleted afterwards unless keepData)
 * @param seedThroughCommands {@code --seed=commands}: seed the volume for replay with Wallet commands through the
 *                       gateway (slow, one commit per event) instead of the event storage engine in batches
 */
record BenchOptions(boolean quick, Duration warmup, Duration duration, int wallets, long events, int auditEvents,
                    int bigAuditEvents, int balanceSamples, Path out, Path markdown, Path workDir, boolean keepData,
                    boolean seedThroughCommands) {

    static BenchOptions parse(String... args) {
        boolean quick = false;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            }
        }
        Duration warmup = Duration.ofSeconds(quick ? 5 : 10);
        Duration duration = Duration.ofSeconds(quick ? 15 : 30);
        int wallets = 2_048;
        long events = quick ? 200_000 : 1_000_000;
        int auditEvents = 10_000;
        int bigAuditEvents = quick ? 0 : 100_000;
        int balanceSamples = quick ? 500 : 2_000;
        Path out = Path.of("bench-results/latest.json");
        Path markdown = Path.of("BENCHMARKS.md");
        Path workDir = Path.of(System.getProperty("java.io.tmpdir"));
        boolean keepData = false;
        boolean seedThroughCommands = false;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                continue;
            }
            if (arg.equals("--keep-data")) {
                keepData = true;
                continue;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("unknown argument " + arg + "\n" + usage());
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (name) {
                case "warmup" -> warmup = duration(value);
                case "duration" -> duration = duration(value);
                case "wallets" -> wallets = Integer.parseInt(value);
                case "events" -> events = Long.parseLong(value.replace("_", ""));
                case "audit-events" -> auditEvents = Integer.parseInt(value.replace("_", ""));
                case "big-audit-events" -> bigAuditEvents = Integer.parseInt(value.replace("_", ""));
                case "balance-samples" -> balanceSamples = Integer.parseInt(value);
                case "out" -> out = Path.of(value);
                case "markdown" -> markdown = value.isEmpty() ? null : Path.of(value);
                case "work-dir" -> workDir = Path.of(value);
                case "seed" -> {
                    if (!value.equals("commands") && !value.equals("store")) {
                        throw new IllegalArgumentException("--seed is 'store' or 'commands'");
                    }
                    seedThroughCommands = value.equals("commands");
                }
                default -> throw new IllegalArgumentException("unknown flag --" + name + "\n" + usage());
            }
        }
        if (wallets < 32) {
            throw new IllegalArgumentException("--wallets must be at least 32 (one per client at 32 clients)");
        }
        return new BenchOptions(quick, warmup, duration, wallets, events, auditEvents, bigAuditEvents, balanceSamples,
                out, markdown, workDir, keepData, seedThroughCommands);
    }

    /** "30s", "2m", "500ms", or plain seconds. */
    private static Duration duration(String value) {
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        if (value.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
        }
        if (value.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)) * 60);
        }
        return Duration.ofMillis((long) (Double.parseDouble(value) * 1000));
    }

    static String usage() {
        return """
                bench/run [--quick] [--duration=30s] [--warmup=10s] [--events=1000000] [--wallets=2048]
                          [--audit-events=10000] [--big-audit-events=100000] [--balance-samples=2000]
                          [--seed=store|commands] [--out=bench-results/latest.json] [--markdown=BENCHMARKS.md]
                          [--work-dir=/tmp] [--keep-data]""";
    }
}
