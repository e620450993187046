package shop.ledger.api.order;

import shop.ledger.api.common.Money;

import java.time.Instant;
import java.util.UUID;

/**
 * Events of the Order aggregate. Personal data (IMEI, device fields, the supplier's result code) is held
 * only as ciphertext under the customer's data key (R11).
 */
public final class OrderEvents {

    private OrderEvents() {
    }

    /**
     * @param estimatedMax the service's maximum delivery time (ISO-8601), which makes an order overdue
     * @param supplier     configured supplier name; {@code supplierServiceId} its own service id
     */
    public record OrderPlaced(UUID orderId, UUID customerId, UUID walletId, UUID serviceId, String serviceName,
                              String encryptedImei, String encryptedFields, Money price, String estimatedMax,
                              String supplier, String supplierServiceId) {
    }

    public record OrderSubmissionStarted(UUID orderId, int attempt) {
    }

    /** IN_PROCESS: the supplier accepted the order under {@code supplierReference}. */
    public record OrderSubmitted(UUID orderId, int attempt, String supplierReference, Instant submittedAt,
                                 Instant estimatedBy) {
    }

    public record OrderSubmissionFailed(UUID orderId, int attempt, String message, boolean retrying) {
    }

    public record OrderNeedsAttention(UUID orderId, int attempt, String reason) {
    }

    public record OrderCompleted(UUID orderId, String encryptedResult, Instant completedAt) {
    }

    public record OrderRejected(UUID orderId, String reason, Instant rejectedAt) {
    }

    public record OrderCancelled(UUID orderId, String reason, Instant cancelledAt) {
    }

    /** Staff resolution of a NEEDS_ATTENTION order, recorded for the audit before its outcome event. */
    public record OrderResolvedByStaff(UUID orderId, UUID staffId, String resolution) {
    }
}
