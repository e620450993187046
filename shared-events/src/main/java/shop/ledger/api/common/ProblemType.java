package shop.ledger.api.common;

/** The problem types of the public contract (API.md): {@code type} is {@code /problems/<slug>}. */
public enum ProblemType {
    VALIDATION_FAILED(400, "validation-failed", "Validation failed"),
    INVALID_IMEI(400, "invalid-imei", "Invalid IMEI"),
    CURRENCY_MISMATCH(400, "currency-mismatch", "Currency mismatch"),
    UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    OTP_REQUIRED(403, "otp-required", "One-time code required"),
    INVALID_OTP(403, "invalid-otp", "Invalid one-time code"),
    NOT_FOUND(404, "not-found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    INSUFFICIENT_FUNDS(409, "insufficient-funds", "Insufficient funds"),
    ORDER_IN_PROCESS(409, "order-in-process", "Order in process"),
    ORDER_NOT_OVERDUE(409, "order-not-overdue", "Order not overdue"),
    REFUND_CASE_OPEN(409, "refund-case-open", "Refund case already open"),
    DUPLICATE_ORDER(409, "duplicate-order", "Duplicate order"),
    CONFLICT(409, "conflict", "Conflict"),
    REQUEST_IN_PROGRESS(409, "request-in-progress", "Request in progress"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency key reused"),
    TOO_MANY_REQUESTS(429, "too-many-requests", "Too many requests"),
    INTERNAL_ERROR(500, "internal-error", "Internal error"),
    SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable");

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public String type() {
        return "/problems/" + slug;
    }

    public static ProblemType fromSlug(String slug) {
        for (ProblemType type : values()) {
            if (type.slug.equals(slug)) {
                return type;
            }
        }
        return null;
    }
}
