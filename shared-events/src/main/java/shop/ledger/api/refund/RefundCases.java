package shop.ledger.api.refund;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import shop.ledger.api.common.Money;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The "742# Order Check / Verification & Refund Request" (R5, R6): a case opened for an overdue order,
 * forwarded to the supplier, decided by the supplier within 1-7 working days, escalated to staff otherwise.
 */
public final class RefundCases {

    private RefundCases() {
    }

    public enum CaseStatus {
        OPEN,
        /** The supplier approved: the order is cancelled and its price released (refunded). */
        APPROVED,
        /** The supplier refused: the order keeps processing, no refund. */
        REJECTED,
        /** No decision within 7 working days: staff follow it up. Never refunded automatically. */
        ESCALATED,
        /** The order completed, or was rejected by the supplier, while the case was open. */
        CLOSED;

        public boolean isOpen() {
            return this == OPEN || this == ESCALATED;
        }
    }

    public enum Outcome {
        APPROVED,
        REJECTED
    }

    // ---- commands ----

    public record OpenRefundCase(@TargetAggregateIdentifier UUID refundCaseId, UUID orderId, UUID customerId) {
    }

    /** The supplier's decision, recorded by staff or by a supplier adapter that has an API for it. */
    public record DecideRefundCase(@TargetAggregateIdentifier UUID refundCaseId, Outcome outcome, String note,
                                   String decidedBy) {
    }

    public record EscalateRefundCase(@TargetAggregateIdentifier UUID refundCaseId) {
    }

    public record CloseRefundCase(@TargetAggregateIdentifier UUID refundCaseId, String reason) {
    }

    // ---- events ----

    /** @param fee the price of service 742 held for the case (zero when it is free) */
    @Revision("1")
    public record RefundCaseOpened(UUID refundCaseId, UUID orderId, UUID customerId, UUID walletId, Money fee,
                                   Instant openedAt, Instant decisionDueBy) {
    }

    @Revision("1")
    public record RefundCaseDecided(UUID refundCaseId, UUID orderId, Outcome outcome, String note, String decidedBy,
                                    Instant decidedAt) {
    }

    @Revision("1")
    public record RefundCaseEscalated(UUID refundCaseId, UUID orderId, Instant escalatedAt) {
    }

    @Revision("1")
    public record RefundCaseClosed(UUID refundCaseId, UUID orderId, String reason, Instant closedAt) {
    }

    // ---- queries ----

    /** One case; {@code customerId} restricts it to its owner (null for staff). */
    public record FindRefundCase(UUID refundCaseId, UUID customerId) {
    }

    /** Own cases (customerId set) or all (staff), newest first, optionally by status. */
    public record FindRefundCases(UUID customerId, CaseStatus status, int limit, Long beforePosition) {
    }

    /** The staff queue: OPEN and ESCALATED cases, the earliest due first. */
    public record FindRefundCaseQueue(int limit) {
    }

    public record RefundCaseView(UUID refundCaseId, UUID orderId, UUID customerId, CaseStatus status,
                                 Instant openedAt, Instant decisionDueBy, Instant decidedAt, Outcome outcome,
                                 String note, long position) {
    }

    public record RefundCasePage(List<RefundCaseView> items, Long nextBeforePosition) {
    }
}
