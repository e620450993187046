package shop.ledger.query.operations;

import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.db.OwnTransaction;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static shop.ledger.query.support.SqlTime.instant;

/**
 * The rebuilds of read models as every query-side instance sees them: one {@code projection_rebuild} row per run
 * (V15), so a rebuild started on one instance shows its progress on all of them, and two instances never rebuild the
 * same read model at once. A run's instance beats its heart every {@link #HEARTBEAT}; a run silent for
 * {@link #STALE} lost its instance and is abandoned (its schema is dropped by whoever notices).
 */
final class RebuildRuns {

    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration STALE = Duration.ofSeconds(30);

    enum State { RUNNING, COMPLETED, FAILED, ABANDONED }

    /** A run {@code r} whose instance went silent: still RUNNING, no heartbeat for {@code :stale} seconds. */
    private static final String SILENT = "r.state = 'RUNNING' AND r.heartbeat_at < now() - make_interval(secs => :stale)";
    /** A run as seen now: a silent one reads as abandoned even before a rebuild marks it so. */
    private static final String SEEN_STATE =
            "CASE WHEN " + SILENT + " THEN 'ABANDONED' ELSE r.state END AS seen_state";

    /** One run; {@code upTo} is the head it rebuilds to first (null until known), {@code position} how far it got. */
    record Run(UUID id, List<String> processors, State state, String owner, Instant startedAt, Instant finishedAt,
               long startPosition, Long upTo, Long position, long events, String error) {

        /** 0.0-1.0 of the way to {@code upTo}; 0 until it is known. */
        double progress() {
            if (state != State.RUNNING) {
                return 1.0;
            }
            if (upTo == null || position == null) {
                return 0.0;
            }
            long span = upTo - startPosition;
            return span <= 0 ? 1.0 : Math.max(0.0, Math.min(1.0, (double) (position - startPosition) / span));
        }
    }

    private final JdbcClient jdbc;
    /** Committed at once, also when asked from within a request's transaction: the rebuild's own thread must see it. */
    private final OwnTransaction registration;

    RebuildRuns(JdbcClient jdbc, OwnTransaction registration) {
        this.jdbc = jdbc;
        this.registration = registration;
    }

    /**
     * Registers a run of the given read models, unless one of them is being rebuilt already (409). Runs whose
     * instance stopped beating are abandoned first, so a crash never blocks the next rebuild for long.
     */
    Run start(List<String> processors, String owner, long startPosition) {
        UUID registered = registration.call(own -> {
            // one registration at a time, on every instance: the overlap check and the insert must not interleave
            own.sql("SELECT pg_advisory_xact_lock(hashtext('projection_rebuild'))").query().singleRow();
            abandonStale(own);
            List<String> busy = own.sql("""
                                             SELECT DISTINCT p FROM projection_rebuild, unnest(processors) p
                                             WHERE state = 'RUNNING' AND p = ANY (string_to_array(:names, ','))""")
                                    .param("names", String.join(",", processors))
                                    .query(String.class).list();
            if (!busy.isEmpty()) {
                throw new RuleViolation(ProblemType.CONFLICT, "projection '" + busy.get(0) + "' is already replaying");
            }
            UUID id = UUID.randomUUID();
            own.sql("""
                         INSERT INTO projection_rebuild (run_id, processors, state, owner, started_at, heartbeat_at,
                             start_position)
                         VALUES (:id, string_to_array(:names, ','), 'RUNNING', :owner, now(), now(), :start)""")
                .param("id", id).param("names", String.join(",", processors)).param("owner", owner)
                .param("start", startPosition)
                .update();
            return id;
        });
        return find(registered);
    }

    /** How far the run got; also a heartbeat. */
    void progress(UUID id, Long upTo, long position, long events) {
        jdbc.sql("""
                     UPDATE projection_rebuild SET up_to = COALESCE(:upTo, up_to), position = :position,
                         events = :events, heartbeat_at = now()
                     WHERE run_id = :id AND state = 'RUNNING'""")
            .param("upTo", upTo).param("position", position).param("events", events).param("id", id)
            .update();
    }

    void heartbeat(UUID id) {
        jdbc.sql("UPDATE projection_rebuild SET heartbeat_at = now() WHERE run_id = ? AND state = 'RUNNING'")
            .param(id).update();
    }

    void finish(UUID id, State state, String error) {
        jdbc.sql("""
                     UPDATE projection_rebuild SET state = :state, error = :error, finished_at = now(), heartbeat_at = now()
                     WHERE run_id = :id AND state = 'RUNNING'""")
            .param("state", state.name()).param("error", error).param("id", id)
            .update();
    }

    /** Marks runs whose instance went silent as abandoned; their ids. */
    List<UUID> abandonStale() {
        return abandonStale(jdbc);
    }

    private static List<UUID> abandonStale(JdbcClient jdbc) {
        return jdbc.sql("""
                            UPDATE projection_rebuild r SET state = 'ABANDONED', finished_at = now(),
                                error = 'its instance stopped before the end'
                            WHERE %s
                            RETURNING run_id""".formatted(SILENT))
                   .param("stale", STALE.toSeconds())
                   .query(UUID.class).list();
    }

    /** Runs whose schemas may still exist and must stay: those running. */
    List<UUID> running() {
        return jdbc.sql("SELECT run_id FROM projection_rebuild WHERE state = 'RUNNING'").query(UUID.class).list();
    }

    /** The newest run of every read model that was ever rebuilt, by read model. */
    Map<String, Run> latestByProcessor() {
        return jdbc.sql("""
                            SELECT DISTINCT ON (p) p AS processor, r.*, %s
                            FROM projection_rebuild r, unnest(r.processors) p
                            ORDER BY p, r.started_at DESC""".formatted(SEEN_STATE))
                   .param("stale", STALE.toSeconds())
                   .query((rs, n) -> Map.entry(rs.getString("processor"), run(rs)))
                   .list().stream()
                   .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    Run find(UUID id) {
        return jdbc.sql("SELECT r.*, %s FROM projection_rebuild r WHERE run_id = :id".formatted(SEEN_STATE))
                   .param("id", id).param("stale", STALE.toSeconds())
                   .query((rs, n) -> run(rs)).single();
    }

    private static Run run(ResultSet rs) throws SQLException {
        Array processors = rs.getArray("processors");
        return new Run(rs.getObject("run_id", UUID.class),
                Arrays.stream((Object[]) processors.getArray()).map(String::valueOf).toList(),
                State.valueOf(rs.getString("seen_state")), rs.getString("owner"), instant(rs, "started_at"),
                instant(rs, "finished_at"), rs.getLong("start_position"), nullable(rs, "up_to", ResultSet::getLong),
                nullable(rs, "position", ResultSet::getLong), rs.getLong("events"), rs.getString("error"));
    }

    private interface Column<T> {
        T get(ResultSet rs, String column) throws SQLException;
    }

    private static <T> T nullable(ResultSet rs, String column, Column<T> getter) throws SQLException {
        T value = getter.get(rs, column);
        return rs.wasNull() ? null : value;
    }
}
