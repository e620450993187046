package shop.ledger.platform.web;

import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque paging cursors and the contract's limits (default 50, max 500). */
public final class Cursors {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private Cursors() {
    }

    public static int limit(Integer requested) {
        if (requested == null) {
            return DEFAULT_LIMIT;
        }
        if (requested < 1 || requested > MAX_LIMIT) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "limit must be between 1 and " + MAX_LIMIT);
        }
        return requested;
    }

    public static String encode(Long position) {
        return position == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(("p:" + position).getBytes(StandardCharsets.US_ASCII));
    }

    public static Long decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (!raw.startsWith("p:")) {
                throw new IllegalArgumentException();
            }
            return Long.parseLong(raw.substring(2));
        } catch (IllegalArgumentException e) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "invalid cursor");
        }
    }
}
