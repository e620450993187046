package shop.ledger.api.order;

public enum OrderStatus {
    /** Placed, price reserved, not yet accepted by the supplier: the customer may still cancel (R3). */
    PENDING,
    /** Accepted by the supplier ("Submitted / In Process"): no cancellation, only the 742 request (R3, R5). */
    IN_PROCESS,
    COMPLETED,
    REJECTED,
    CANCELLED,
    /** The supplier's answer to a submission was lost: staff must check at the supplier before anything else. */
    NEEDS_ATTENTION;

    public boolean isTerminal() {
        return this == COMPLETED || this == REJECTED || this == CANCELLED;
    }
}
