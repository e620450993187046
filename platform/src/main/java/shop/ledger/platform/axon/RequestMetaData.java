package shop.ledger.platform.axon;

import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageDispatchInterceptor;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import shop.ledger.api.common.Actor;
import shop.ledger.platform.security.Caller;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Stamps a message dispatched while serving an HTTP request with who sent it and why: the caller as
 * actor, the request's {@code X-Correlation-Id} (or a new one) and its {@code Idempotency-Key}.
 * Messages made inside a unit of work already carry this as correlation data: through {@link LedgerMetaData} inside a
 * handler, and through the request's own root unit of work (web.RequestTransactions, whose message carries
 * {@link #of}) on a state-changing request. Guarded by AuditTrailAndPrivacyTest (actor and correlation id in the
 * audit history).
 */
public class RequestMetaData<T extends Message<?>> implements MessageDispatchInterceptor<T> {

    public static final String CORRELATION_HEADER = "X-Correlation-Id";
    /** Request attribute holding the correlation id chosen for the current request. */
    public static final String CORRELATION_ATTRIBUTE = RequestMetaData.class.getName() + ".correlationId";

    @Override
    @SuppressWarnings("unchecked")
    public BiFunction<Integer, T, T> handle(List<? extends T> messages) {
        return (index, message) -> {
            if (CurrentUnitOfWork.isStarted() || message.getMetaData().containsKey(Actor.ACTOR)) {
                return message;
            }
            return (T) message.andMetaData(of(currentRequest()));
        };
    }

    /** Who and why for a message sent while serving {@code request} (null: not serving one, the actor alone). */
    public static Map<String, Object> of(HttpServletRequest request) {
        Map<String, Object> data = new HashMap<>();
        if (request != null) {
            data.put(Actor.CORRELATION_ID, correlationId(request));
            String key = request.getHeader("Idempotency-Key");
            if (key != null && !key.isBlank()) {
                data.put(Actor.IDEMPOTENCY_KEY, key);
            }
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        data.put(Actor.ACTOR, Caller.from(authentication).map(Caller::actor).orElse(Actor.SYSTEM));
        return data;
    }

    /** The correlation id of the request, chosen once and echoed in the response header. */
    public static String correlationId(HttpServletRequest request) {
        Object existing = request.getAttribute(CORRELATION_ATTRIBUTE);
        if (existing != null) {
            return existing.toString();
        }
        String header = request.getHeader(CORRELATION_HEADER);
        String id = header != null && header.matches("[A-Za-z0-9._-]{1,64}") ? header : UUID.randomUUID().toString();
        request.setAttribute(CORRELATION_ATTRIBUTE, id);
        return id;
    }

    private static HttpServletRequest currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? attributes.getRequest() : null;
    }
}
