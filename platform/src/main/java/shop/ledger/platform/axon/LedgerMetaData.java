package shop.ledger.platform.axon;

import org.axonframework.messaging.Message;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import shop.ledger.api.common.Actor;

import java.util.HashMap;
import java.util.Map;

/**
 * Carries audit metadata from every message to the messages it causes: the correlation id of the
 * whole flow, the causation id (the message handled right now), the actor and the Idempotency-Key.
 * Axon applies it to every event an aggregate applies and every command a saga sends. The actor is the process's
 * while one of its handlers runs ({@link ProcessActor}), else the handled message's, else the system.
 */
public class LedgerMetaData implements CorrelationDataProvider {

    @Override
    public Map<String, ?> correlationDataFor(Message<?> message) {
        Map<String, Object> data = new HashMap<>();
        Object correlationId = message.getMetaData().get(Actor.CORRELATION_ID);
        data.put(Actor.CORRELATION_ID, correlationId != null ? correlationId : message.getIdentifier());
        data.put(Actor.CAUSATION_ID, message.getIdentifier());
        Object actor = ProcessActor.current().map(Object.class::cast).orElse(message.getMetaData().get(Actor.ACTOR));
        data.put(Actor.ACTOR, actor != null ? actor : Actor.SYSTEM);
        Object idempotencyKey = message.getMetaData().get(Actor.IDEMPOTENCY_KEY);
        if (idempotencyKey != null) {
            data.put(Actor.IDEMPOTENCY_KEY, idempotencyKey);
        }
        return data;
    }
}
