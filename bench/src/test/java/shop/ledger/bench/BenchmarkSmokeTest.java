package shop.ledger.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole harness at a tiny size: a durable PostgreSQL, the ledger, every phase. Checks that the JSON holds
 * every key with sane values and that the results block of the Markdown file is regenerated in place, leaving
 * the narrative around it alone. No timing is asserted: CI machines vary.
 */
class BenchmarkSmokeTest {

    @TempDir
    Path directory;

    @Test
    void theHarnessRunsEveryPhaseAndReportsEveryKey() throws Exception {
        Path json = directory.resolve("latest.json");
        Path markdown = directory.resolve("BENCHMARKS.md");
        Files.writeString(markdown, "# Benchmarks\n\nnarrative above\n\n" + Report.BEGIN + "\nold figures\n" + Report.END
                                    + "\n\nnarrative below\n");

        Benchmark.run(BenchOptions.parse("--warmup=2s", "--duration=3s", "--events=3000", "--wallets=64",
                "--audit-events=200", "--big-audit-events=300", "--balance-samples=20", "--out=" + json,
                "--markdown=" + markdown, "--work-dir=" + directory.resolve("work")));

        JsonNode result = JsonMapper.builder().build().readTree(Files.readString(json));
        for (String map : List.of("raw_append_per_s", "commands_per_s")) {
            for (String clients : List.of("1", "8", "32")) {
                assertThat(result.path(map).path(clients).asDouble()).as(map + " " + clients).isPositive();
            }
        }
        // on a loaded machine one HTTP call can outlast the tiny window, so only its presence is checked here
        assertThat(result.path("http_commands_per_s").path("32").isNumber()).isTrue();
        assertThat(result.path("http_commands_per_s").path("32").asDouble()).isGreaterThanOrEqualTo(0);
        for (String p : List.of("p50", "p99", "p999")) {
            assertThat(result.path("latency_ms").path(p).asDouble()).as("latency " + p).isPositive();
        }
        assertThat(result.path("latency_ms").path("p50").asDouble())
                .isLessThanOrEqualTo(result.path("latency_ms").path("p999").asDouble());
        assertThat(result.path("projection_lag_ms").path("p50").isNumber()).isTrue();
        assertThat(result.path("projection_lag_ms").path("p99").asDouble())
                .isGreaterThanOrEqualTo(result.path("projection_lag_ms").path("p50").asDouble());
        assertThat(result.path("raw_read_events_per_s").asDouble()).isPositive();
        assertThat(result.path("replay_events_per_s").asDouble()).isPositive();
        assertThat(result.path("phases").path("replay").path("operations").asLong()).isGreaterThanOrEqualTo(3000);
        assertThat(result.path("balance_as_of_ms").path("p99").asDouble()).isPositive();
        assertThat(result.path("balance_as_of_ms").path("walletEvents").asLong()).isEqualTo(200);
        assertThat(result.path("balance_as_of_100k_ms").path("walletEvents").asLong()).isEqualTo(300);
        assertThat(result.path("heap_mb_max").asDouble()).isPositive();
        assertThat(result.path("rss_mb_max").asDouble()).isGreaterThanOrEqualTo(result.path("heap_mb_max").asDouble());
        assertThat(result.path("machine").path("fsync").asText()).isEqualTo("on");
        assertThat(result.path("machine").path("synchronous_commit").asText()).isEqualTo("on");
        assertThat(result.path("machine").path("cores").asInt()).isPositive();
        assertThat(result.path("errors").asLong()).as(result.path("phases").toString()).isZero();
        assertThat(result.path("targets").size()).as("seven targets, balance as of on both wallets").isEqualTo(8);
        result.path("targets").forEach(target -> assertThat(target.path("met").isBoolean()).isTrue());

        String text = Files.readString(markdown);
        assertThat(text).startsWith("# Benchmarks\n\nnarrative above\n\n").endsWith("\n\nnarrative below\n")
                        .doesNotContain("old figures").contains("| raw appends").contains("| target |");
        assertThat(directory.resolve("work")).isEmptyDirectory();
    }
}
