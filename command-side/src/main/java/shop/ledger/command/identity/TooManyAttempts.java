package shop.ledger.command.identity;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import java.time.Duration;

/**
 * 429 {@code too-many-requests} from the guessing throttle. It says nothing about whether the password or code
 * was right (it is not even checked). The {@code Retry-After} header is put on the response of the request
 * being served right away, so every endpoint that runs into the throttle answers with it.
 */
public class TooManyAttempts extends RuleViolation {

    private final Duration retryAfter;

    public TooManyAttempts(Duration retryAfter) {
        super(ProblemType.TOO_MANY_REQUESTS, "too many failed attempts; try again in " + seconds(retryAfter) + " s");
        this.retryAfter = retryAfter;
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
            HttpServletResponse response = attributes.getResponse();
            if (response != null && !response.isCommitted()) {
                response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds(retryAfter)));
            }
        }
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole seconds, rounded up, at least one. */
    public static long seconds(Duration duration) {
        long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
