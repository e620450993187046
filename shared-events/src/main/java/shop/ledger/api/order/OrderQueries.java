package shop.ledger.api.order;

import shop.ledger.api.common.Money;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

public final class OrderQueries {

    private OrderQueries() {
    }

    /** One order; {@code customerId} restricts it to its owner (null for staff). */
    public record FindOrder(UUID orderId, UUID customerId) {
    }

    /** A page of orders, newest first; {@code customerId} null for staff, who may filter overdue ones. */
    public record FindOrders(UUID customerId, OrderStatus status, Boolean overdue, int limit, Long beforePosition) {
    }

    public record TimelineEntry(Instant at, String status, String note) {
    }

    /** The stored view: IMEI and result still encrypted; the web layer reveals or masks them per caller. */
    public record OrderView(UUID orderId, UUID customerId, UUID serviceId, String serviceName, String encryptedImei,
                            OrderStatus status, Money price, Instant placedAt, Instant submittedAt,
                            Instant estimatedBy, boolean overdue, Instant completedAt, String encryptedResult,
                            String rejectionReason, List<TimelineEntry> timeline, long position) {
    }

    public record OrderPage(List<OrderView> items, Long nextBeforePosition) {
    }
}
