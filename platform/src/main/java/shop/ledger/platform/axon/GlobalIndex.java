package shop.ledger.platform.axon;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.WrappedToken;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An event's own global index, for read models that order or page by it.
 * <p>
 * A tracking token's position is not always the event's index: with the JDBC event store the token is gap-aware,
 * and when an event fills a gap (its transaction committed after a later event's, as concurrent requests do) the
 * token already stands at the later index. Two events would then share one position (found by the reliability
 * suite: concurrent orders collided on {@code order_view.position} and the second order never appeared). So a
 * gap-aware token's event is looked up by its identifier; any other token (Axon Server's) is exact.
 */
public final class GlobalIndex {

    private GlobalIndex() {
    }

    public static long of(EventMessage<?> message, TrackingToken token, JdbcClient jdbc) {
        TrackingToken latest = WrappedToken.unwrapLowerBound(token);
        if (latest instanceof GapAwareTrackingToken) {
            Long index = jdbc.sql("SELECT globalIndex FROM domainevententry WHERE eventIdentifier = ?")
                             .param(message.getIdentifier())
                             .query(Long.class).optional().orElse(null);
            if (index != null) {
                return index;
            }
        }
        return token.position().orElseThrow(() -> new IllegalStateException("tracking token without a position: " + token));
    }
}
