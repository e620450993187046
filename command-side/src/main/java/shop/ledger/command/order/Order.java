package shop.ledger.command.order;

import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderResolvedByStaff;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.order.OrderStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * An order's life, and every rule about it (R2, R3, R4, R8 in the placement, R6's "supplier decides").
 * <p>
 * The methods decide and apply events; they answer the {@link Settlement} the order's reservation needs,
 * which {@link OrderCommandHandlers} carries out on the Wallet in the same transaction. Transitions the
 * fulfilment saga asks for are idempotent: asked twice (a redelivered event, a retried saga), the second
 * time changes nothing and settles nothing, so money moves exactly once per order.
 */
@Aggregate
public class Order {

    /** What the order's reservation needs after a decision. */
    public enum Settlement {
        NONE,
        /** The order completed: the held price is taken (R2). */
        CAPTURE,
        /** Rejected or cancelled: the held price returns to the customer (R2). */
        RELEASE
    }

    @AggregateIdentifier
    private UUID orderId;
    private UUID customerId;
    private UUID walletId;
    private Money price;
    private String estimatedMax;
    private OrderStatus status;
    private int attempt;
    private boolean submissionInFlight;
    private String supplierReference;
    private Instant estimatedBy;

    protected Order() {
    }

    /** Only {@link OrderCommandHandlers#place} creates orders: after validation and with the price reserved. */
    Order(OrderPlaced placed) {
        apply(placed);
    }

    /** The saga is about to call the supplier. False when the order is no longer waiting for submission. */
    boolean startSubmission() {
        if (status != OrderStatus.PENDING || submissionInFlight) {
            return false;
        }
        apply(new OrderSubmissionStarted(orderId, attempt + 1));
        return true;
    }

    void submitted(int forAttempt, String reference, Instant now) {
        if (status == OrderStatus.PENDING && submissionInFlight && forAttempt == attempt) {
            apply(new OrderSubmitted(orderId, attempt, reference, now, now.plus(Duration.parse(estimatedMax))));
        }
    }

    Settlement submissionFailed(int forAttempt, String message, boolean retriesLeft, Instant now) {
        if (status != OrderStatus.PENDING || !submissionInFlight || forAttempt != attempt) {
            return Settlement.NONE;
        }
        apply(new OrderSubmissionFailed(orderId, attempt, message, retriesLeft));
        if (retriesLeft) {
            return Settlement.NONE;
        }
        apply(new OrderRejected(orderId, "the supplier refused the order: " + message, now));
        return Settlement.RELEASE;
    }

    /** The answer to submission {@code forAttempt}, still in flight, was lost: staff check at the supplier. */
    void needsAttention(int forAttempt, String reason) {
        if (status == OrderStatus.PENDING && submissionInFlight && forAttempt == attempt) {
            apply(new OrderNeedsAttention(orderId, attempt, reason));
        }
    }

    /**
     * The supplier keeps refusing to tell the status of the order it accepted as {@code reference}: staff check
     * there and resolve it. Nothing is settled. About another reference (staff have since given a new one) or
     * once the order has moved on, it changes nothing.
     */
    void submittedNeedsAttention(String reference, String reason) {
        if (status == OrderStatus.IN_PROCESS && reference.equals(supplierReference)) {
            apply(new OrderNeedsAttention(orderId, attempt, reason));
        }
    }

    Settlement complete(String encryptedResult, Instant now) {
        if (status != OrderStatus.IN_PROCESS) {
            return Settlement.NONE; // already completed, or not the supplier's to complete
        }
        apply(new OrderCompleted(orderId, encryptedResult, now));
        return Settlement.CAPTURE;
    }

    Settlement rejectedBySupplier(String reason, Instant now) {
        if (status != OrderStatus.IN_PROCESS) {
            return Settlement.NONE;
        }
        apply(new OrderRejected(orderId, reason, now));
        return Settlement.RELEASE;
    }

    /** R3: only while PENDING and not being forwarded; afterwards the 742 request is the way. */
    Settlement cancel(UUID byCustomer, Instant now) {
        if (!customerId.equals(byCustomer)) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such order");
        }
        if (status == OrderStatus.CANCELLED) {
            return Settlement.NONE;
        }
        if (status == OrderStatus.IN_PROCESS || status == OrderStatus.NEEDS_ATTENTION
                || (status == OrderStatus.PENDING && submissionInFlight)) {
            throw new RuleViolation(ProblemType.ORDER_IN_PROCESS, "the order has been forwarded to the supplier and "
                    + "can no longer be cancelled; once it is overdue, request '742# Order Check / Verification & "
                    + "Refund Request' with POST /api/orders/" + orderId + "/verification-requests");
        }
        if (status != OrderStatus.PENDING) {
            throw new RuleViolation(ProblemType.CONFLICT, "the order is already " + status);
        }
        apply(new OrderCancelled(orderId, "cancelled by the customer", now));
        return Settlement.RELEASE;
    }

    void resolveWithReference(String reference, UUID staffId, Instant now) {
        requireAttention();
        apply(new OrderResolvedByStaff(orderId, staffId, "found at the supplier as " + reference));
        apply(new OrderSubmitted(orderId, attempt, reference, now, now.plus(Duration.parse(estimatedMax))));
    }

    Settlement resolveByRejecting(String reason, UUID staffId, Instant now) {
        requireAttention();
        apply(new OrderResolvedByStaff(orderId, staffId, "not found at the supplier: " + reason));
        apply(new OrderRejected(orderId, reason, now));
        return Settlement.RELEASE;
    }

    /**
     * R5: a verification request is for the owner's order that is IN_PROCESS past its estimate. Answers the
     * wallet that pays the case's fee.
     */
    public UUID verificationAllowed(UUID byCustomer, Instant now) {
        if (!customerId.equals(byCustomer)) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such order");
        }
        if (status != OrderStatus.IN_PROCESS || estimatedBy == null || !now.isAfter(estimatedBy)) {
            throw new RuleViolation(ProblemType.ORDER_NOT_OVERDUE, status == OrderStatus.IN_PROCESS
                    ? "the order is within its estimated delivery time until " + estimatedBy
                    + "; a verification request is possible after that"
                    : "a verification request is only for an order in process past its estimate; this one is " + status);
        }
        return walletId;
    }

    /** R6: the supplier approved a refund case, so the order is cancelled and its price released. */
    public Settlement cancelForApprovedRefund(UUID refundCaseId, Instant now) {
        if (status != OrderStatus.IN_PROCESS && status != OrderStatus.NEEDS_ATTENTION) {
            throw new RuleViolation(ProblemType.CONFLICT, "the order is already " + status
                    + ": the refund case closes with it");
        }
        apply(new OrderCancelled(orderId, "refund approved by the supplier (case " + refundCaseId + ")", now));
        return Settlement.RELEASE;
    }

    private void requireAttention() {
        if (status != OrderStatus.NEEDS_ATTENTION) {
            throw new RuleViolation(ProblemType.CONFLICT, "only an order that needs attention can be resolved; this one is "
                    + status);
        }
    }

    public UUID customerId() {
        return customerId;
    }

    public UUID walletId() {
        return walletId;
    }

    @EventSourcingHandler
    void on(OrderPlaced event) {
        orderId = event.orderId();
        customerId = event.customerId();
        walletId = event.walletId();
        price = event.price();
        estimatedMax = event.estimatedMax();
        status = OrderStatus.PENDING;
    }

    @EventSourcingHandler
    void on(OrderSubmissionStarted event) {
        attempt = event.attempt();
        submissionInFlight = true;
    }

    @EventSourcingHandler
    void on(OrderSubmitted event) {
        submissionInFlight = false;
        supplierReference = event.supplierReference();
        estimatedBy = event.estimatedBy();
        status = OrderStatus.IN_PROCESS;
    }

    @EventSourcingHandler
    void on(OrderSubmissionFailed event) {
        submissionInFlight = false;
    }

    @EventSourcingHandler
    void on(OrderNeedsAttention event) {
        submissionInFlight = false;
        status = OrderStatus.NEEDS_ATTENTION;
    }

    @EventSourcingHandler
    void on(OrderCompleted event) {
        status = OrderStatus.COMPLETED;
    }

    @EventSourcingHandler
    void on(OrderRejected event) {
        status = OrderStatus.REJECTED;
    }

    @EventSourcingHandler
    void on(OrderCancelled event) {
        status = OrderStatus.CANCELLED;
    }
}
