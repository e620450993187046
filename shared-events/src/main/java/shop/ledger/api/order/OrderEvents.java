package shop.ledger.api.order;

import org.axonframework.serialization.Revision;
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
    @Revision("1")
    public record OrderPlaced(UUID orderId, UUID customerId, UUID walletId, UUID serviceId, String serviceName,
                              String encryptedImei, String encryptedFields, Money price, String estimatedMax,
                              String supplier, String supplierServiceId) {
    }

    @Revision("1")
    public record OrderSubmissionStarted(UUID orderId, int attempt) {
    }

    /** IN_PROCESS: the supplier accepted the order under {@code supplierReference}. */
    @Revision("1")
    public record OrderSubmitted(UUID orderId, int attempt, String supplierReference, Instant submittedAt,
                                 Instant estimatedBy) {
    }

    @Revision("1")
    public record OrderSubmissionFailed(UUID orderId, int attempt, String message, boolean retrying) {
    }

    @Revision("1")
    public record OrderNeedsAttention(UUID orderId, int attempt, String reason) {
    }

    @Revision("1")
    public record OrderCompleted(UUID orderId, String encryptedResult, Instant completedAt) {
    }

    @Revision("1")
    public record OrderRejected(UUID orderId, String reason, Instant rejectedAt) {
    }

    @Revision("1")
    public record OrderCancelled(UUID orderId, String reason, Instant cancelledAt) {
    }

    /** Staff resolution of a NEEDS_ATTENTION order, recorded for the audit before its outcome event. */
    @Revision("1")
    public record OrderResolvedByStaff(UUID orderId, UUID staffId, String resolution) {
    }
}
