package shop.ledger.query.operations;

import java.util.List;

/** What {@code GET /api/admin/projections} answers: the event stream's head and every processor's progress. */
public record ProjectionOverview(long headPosition, List<Projection> items) {

    /**
     * One event processor. {@code position} is its lowest segment's position and {@code lag} how many events
     * it is behind the head; {@code replayProgress} is 0.0-1.0 while replaying (null when not computable).
     */
    public record Projection(String name, boolean replayable, boolean running, List<SegmentStatus> segments,
                             Long position, Long lag, boolean replaying, Double replayProgress, String error) {
    }

    public record SegmentStatus(int segment, Long position, boolean caughtUp, boolean replaying, String error) {
    }

    /** The answer to a replay request. */
    public record ReplayStarted(String name, boolean replaying) {
    }
}
