package shop.ledger.command.refund;

import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.refund.RefundCases.CaseStatus;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;

import java.time.Instant;
import java.util.UUID;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * A verification and refund request (R5, R6, R7). The supplier's decision is final and recorded once;
 * without one by the due date the case is escalated to staff, and nothing is ever refunded automatically.
 * Its fee (the price of service 742, if any) is released when the refund is approved and taken otherwise.
 */
@Aggregate
public class RefundCase {

    /** What the case's end means for its fee. */
    public enum FeeSettlement {
        NONE,
        CAPTURE,
        RELEASE
    }

    @AggregateIdentifier
    private UUID refundCaseId;
    private UUID orderId;
    private UUID walletId;
    private Money fee;
    private CaseStatus status;
    private Outcome outcome;

    protected RefundCase() {
    }

    RefundCase(RefundCaseOpened opened) {
        apply(opened);
    }

    /**
     * Records the supplier's decision. A second decision changes nothing: the same one again is accepted
     * as already done ({@code false}); a different one is refused.
     */
    boolean decide(Outcome decided, String note, String decidedBy, Instant now) {
        if (decided == null) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "outcome is APPROVED or REJECTED");
        }
        if (!status.isOpen()) {
            if (decided == outcome) {
                return false;
            }
            throw new RuleViolation(ProblemType.CONFLICT, "the case is already " + status + "; the decision is final");
        }
        apply(new RefundCaseDecided(refundCaseId, orderId, decided, note, decidedBy, now));
        return true;
    }

    boolean escalate(Instant now) {
        if (status != CaseStatus.OPEN) {
            return false;
        }
        apply(new RefundCaseEscalated(refundCaseId, orderId, now));
        return true;
    }

    boolean close(String reason, Instant now) {
        if (!status.isOpen()) {
            return false;
        }
        apply(new RefundCaseClosed(refundCaseId, orderId, reason, now));
        return true;
    }

    FeeSettlement feeSettlement() {
        if (fee == null || fee.amount() == 0 || status.isOpen()) {
            return FeeSettlement.NONE;
        }
        return status == CaseStatus.APPROVED ? FeeSettlement.RELEASE : FeeSettlement.CAPTURE;
    }

    UUID orderId() {
        return orderId;
    }

    UUID walletId() {
        return walletId;
    }

    @EventSourcingHandler
    void on(RefundCaseOpened event) {
        refundCaseId = event.refundCaseId();
        orderId = event.orderId();
        walletId = event.walletId();
        fee = event.fee();
        status = CaseStatus.OPEN;
    }

    @EventSourcingHandler
    void on(RefundCaseDecided event) {
        outcome = event.outcome();
        status = event.outcome() == Outcome.APPROVED ? CaseStatus.APPROVED : CaseStatus.REJECTED;
    }

    @EventSourcingHandler
    void on(RefundCaseEscalated event) {
        status = CaseStatus.ESCALATED;
    }

    @EventSourcingHandler
    void on(RefundCaseClosed event) {
        status = CaseStatus.CLOSED;
    }
}
