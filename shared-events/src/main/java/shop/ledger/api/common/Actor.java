package shop.ledger.api.common;

/**
 * Names of the metadata every message carries, so auditors can tell what caused an event and who.
 * The values are plain strings in Axon's {@code MetaData}.
 */
public final class Actor {

    /** Metadata key: the id shared by every message that one outside request or process started. */
    public static final String CORRELATION_ID = "correlationId";
    /** Metadata key: the id of the message that directly caused this one. */
    public static final String CAUSATION_ID = "causationId";
    /** Metadata key: who caused it, {@code customer:<id>}, {@code staff:<id>} or {@code process:<name>}. */
    public static final String ACTOR = "actor";
    /** Metadata key: the caller's Idempotency-Key, where the request had one. */
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";

    public static final String SYSTEM = "process:system";

    private Actor() {
    }

    public static String customer(Object customerId) {
        return "customer:" + customerId;
    }

    public static String staff(Object accountId) {
        return "staff:" + accountId;
    }

    public static String process(String name) {
        return "process:" + name;
    }
}
