package shop.ledger.platform.security;

import org.springframework.security.core.context.SecurityContextHolder;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

/** The caller of the request being served; the security chain has already refused anonymous ones. */
public final class CurrentCaller {

    private CurrentCaller() {
    }

    public static Caller get() {
        return Caller.from(SecurityContextHolder.getContext().getAuthentication())
                     .orElseThrow(() -> new RuleViolation(ProblemType.UNAUTHORIZED, "a bearer token is required"));
    }
}
