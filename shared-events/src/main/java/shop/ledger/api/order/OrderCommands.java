package shop.ledger.api.order;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.util.UUID;

/** Commands of the Order aggregate and its fulfilment saga. */
public final class OrderCommands {

    private OrderCommands() {
    }

    /** Optional details some services need; the IMEI and these travel to the supplier only (R12). */
    public record OrderFields(String model, String network, String serialNumber) {
        public static final OrderFields NONE = new OrderFields(null, null, null);
    }

    /**
     * A customer orders a service. Validated, then the price is reserved in the Wallet in the same
     * transaction; the plain IMEI lives only in this command: events hold it encrypted (R11).
     */
    public record PlaceOrder(@TargetAggregateIdentifier UUID orderId, UUID customerId, UUID walletId, UUID serviceId,
                             String imei, OrderFields fields) {
        /** Never the IMEI or the fields: a logged command must not carry them (R11). */
        @Override
        public String toString() {
            return "PlaceOrder[orderId=" + orderId + ", customerId=" + customerId + ", walletId=" + walletId
                    + ", serviceId=" + serviceId + ", imei=(hidden), fields=(hidden)]";
        }
    }

    /** The customer cancels; allowed only while PENDING with no submission in flight (R3). */
    public record CancelOrder(@TargetAggregateIdentifier UUID orderId, UUID customerId) {
    }

    /** The saga is about to call the supplier: recorded before the call, so a crash cannot hide it. */
    public record StartSubmission(@TargetAggregateIdentifier UUID orderId) {
    }

    public record RecordOrderSubmitted(@TargetAggregateIdentifier UUID orderId, int attempt,
                                       String supplierReference) {
    }

    /** The supplier definitely refused the submission (an ERROR answer): retried a bounded number of times. */
    public record RecordOrderSubmissionFailed(@TargetAggregateIdentifier UUID orderId, int attempt, String message,
                                              boolean retriesLeft) {
    }

    /** The answer to a submission was lost or unreadable: the order needs attention, never retried blindly. */
    public record MarkOrderNeedsAttention(@TargetAggregateIdentifier UUID orderId, int attempt, String reason) {
    }

    public record CompleteOrder(@TargetAggregateIdentifier UUID orderId, String resultCode) {
    }

    public record RejectOrder(@TargetAggregateIdentifier UUID orderId, String reason) {
    }

    /** Staff found the order at the supplier: it goes on IN_PROCESS with that reference. */
    public record ResolveWithReference(@TargetAggregateIdentifier UUID orderId, String supplierReference,
                                       UUID staffId) {
    }

    /** Staff found no order at the supplier: rejected, the reservation released. */
    public record ResolveByRejecting(@TargetAggregateIdentifier UUID orderId, String reason, UUID staffId) {
    }
}
