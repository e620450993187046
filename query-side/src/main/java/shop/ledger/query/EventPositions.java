package shop.ledger.query;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.WrappedToken;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The global position of the event being handled, for read-model rows that are ordered (and paged) by it.
 * <p>
 * A processor's token says how far it has read, not where this event is: with the JDBC event store, an event
 * committed after a later-numbered one (concurrent appends, a process killed mid-append) fills a gap, and its
 * token then carries the later event's index. Two rows would share a position and a unique position would refuse
 * the second, failing the batch again and again. So with a gap-aware token the event's own {@code globalIndex} is
 * read by its identifier (a unique index); other tokens (Axon Server's) hold the event's own position.
 */
public final class EventPositions {

    private EventPositions() {
    }

    public static long of(JdbcClient jdbc, EventMessage<?> message, TrackingToken token) {
        if (WrappedToken.unwrap(token, GapAwareTrackingToken.class).isPresent()) {
            Long globalIndex = jdbc.sql("SELECT globalIndex FROM domainevententry WHERE eventIdentifier = ?")
                                   .param(message.getIdentifier())
                                   .query(Long.class)
                                   .optional()
                                   .orElse(null);
            if (globalIndex != null) {
                return globalIndex;
            }
        }
        return token.position().orElseThrow(() -> new IllegalStateException("tracking token without a position: " + token));
    }
}
