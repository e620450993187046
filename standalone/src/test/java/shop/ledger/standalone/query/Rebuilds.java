package shop.ledger.standalone.query;

import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.operations.ProjectionOverview.Projection;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Read models rebuilt the one way the ledger replays: fresh tables from the events, swapped in. */
final class Rebuilds {

    private Rebuilds() {
    }

    /** Rebuilds the named read models and returns once every rebuild has ended; each must have completed. */
    static void rebuild(ProjectionOperations operations, List<String> names) {
        Instant requested = Instant.now();
        names.forEach(operations::replay);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
               .until(() -> {
                   List<Projection> rebuilt = rebuilt(operations, names, requested);
                   return rebuilt.size() == names.size()
                          && rebuilt.stream().noneMatch(p -> p.replaying() || "RUNNING".equals(p.lastReplay().state()));
               });
        assertThat(rebuilt(operations, names, requested))
                .hasSize(names.size())
                .allSatisfy(p -> assertThat(p.lastReplay().state()).as(p.name()).isEqualTo("COMPLETED"));
    }

    /** The named read models, as long as their newest rebuild was asked for at {@code requested} or later. */
    private static List<Projection> rebuilt(ProjectionOperations operations, List<String> names, Instant requested) {
        return operations.overview().items().stream()
                         .filter(p -> names.contains(p.name()))
                         .filter(p -> p.lastReplay() != null
                                      && !p.lastReplay().startedAt().isBefore(requested.minusMillis(500)))
                         .toList();
    }
}
