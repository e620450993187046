package shop.ledger.query.operations;

import java.time.Instant;
import java.util.List;

/** What {@code GET /api/admin/projections} answers: the event stream's head and every processor's progress. */
public record ProjectionOverview(long headPosition, List<Projection> items) {

    /**
     * One event processor. {@code position} is its lowest segment's position and {@code lag} how many events
     * it is behind the head; {@code replayProgress} is 0.0-1.0 while replaying (null when not computable);
     * {@code lastReplay} is the newest rebuild of its read model, running or ended (null if there was none).
     */
    public record Projection(String name, boolean replayable, boolean running, List<SegmentStatus> segments,
                             Long position, Long lag, boolean replaying, Double replayProgress, String error,
                             Replay lastReplay) {
    }

    /** A rebuild of a read model: RUNNING, COMPLETED (swapped in), FAILED or ABANDONED (its instance stopped). */
    public record Replay(String state, Instant startedAt, Instant finishedAt, long eventsRead, String error) {
    }

    public record SegmentStatus(int segment, Long position, boolean caughtUp, boolean replaying, String error) {
    }

    /** The answer to a replay request. */
    public record ReplayStarted(String name, boolean replaying) {
    }
}
