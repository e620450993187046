package shop.ledger.platform.axon;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.WrappedToken;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An event's own global index, for read models that order or page by it.
 * <p>
 * Rule: a gap-aware token's position is the highest index seen, not the event's own when the event fills a gap
 * (committed after a later one), so a gap-aware token's event is looked up by its identifier; any other token (Axon
 * Server's) is exact. Guarded by the reliability suites (RELIABILITY.md, process-level finding 1).
 */
public final class GlobalIndex {

    private GlobalIndex() {
    }

    public static long of(EventMessage<?> message, TrackingToken token, JdbcClient jdbc) {
        TrackingToken latest = WrappedToken.unwrapLowerBound(token);
        if (latest instanceof GapAwareTrackingToken) {
            Long index = jdbc.sql(EventTable.GLOBAL_INDEX_OF_EVENT)
                             .param(message.getIdentifier())
                             .query(Long.class).optional().orElse(null);
            if (index != null) {
                return index;
            }
        }
        return token.position().orElseThrow(() -> new IllegalStateException("tracking token without a position: " + token));
    }
}
