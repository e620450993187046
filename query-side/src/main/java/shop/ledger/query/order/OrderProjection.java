package shop.ledger.query.order;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackingToken;
import shop.ledger.platform.axon.EventTable;
import shop.ledger.platform.axon.GlobalIndex;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.common.Money;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderResolvedByStaff;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.order.OrderQueries.FindOrder;
import shop.ledger.api.order.OrderQueries.FindOrders;
import shop.ledger.api.order.OrderQueries.OrderPage;
import shop.ledger.api.order.OrderQueries.OrderView;
import shop.ledger.api.order.OrderQueries.TimelineEntry;
import shop.ledger.api.order.OrderStatus;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import shop.ledger.query.support.Conditions;
import shop.ledger.query.support.KeysetPage;
import shop.ledger.query.support.ReadModelTables;
import shop.ledger.query.support.SequencedRows;

import static shop.ledger.query.support.SqlTime.instant;
import static shop.ledger.query.support.SqlTime.timestamp;

/**
 * The order read model: one row per order and its timeline, which also shows the order's refund cases.
 * Rows are written in the processor's transaction, with its token. A redelivered event changes nothing: the
 * row is advanced only by a newer aggregate sequence number, and timeline entries are keyed by event id.
 * IMEI and result stay encrypted here; the web layer reveals or masks them per caller (R11, R13).
 * Writes are batched per processor batch ({@link BatchedWrites}); an order's row and its timeline entries are
 * written in event order, as an entry reads the status the row has at that point.
 */
@Component
@ProcessingGroup(OrderProjection.PROCESSING_GROUP)
@ReadModelTables({"order_view", "order_timeline"})
public class OrderProjection {

    public static final String PROCESSING_GROUP = "orders";

    /** Computed at query time: lateness depends on the clock, not on an event (R4, R5). */
    private static final String OVERDUE = "(o.status = 'IN_PROCESS' AND COALESCE(o.estimated_by < now(), FALSE))";

    private static final String PLACE = """
            INSERT INTO order_view (order_id, position, customer_id, wallet_id, service_id, service_name,
                encrypted_imei, status, price_amount, currency, placed_at, last_sequence)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING""";
    /**
     * An event's own global index, looked up in the statement (no round trip): a gap-aware token's position is the
     * highest index seen, which for an event that committed late is a later event's, and a rebuild, which reads
     * exact positions, would then write another value. Tokens of other stores (Axon Server) are exact.
     */
    private static final String EVENT_POSITION =
            "COALESCE((" + EventTable.GLOBAL_INDEX_OF_EVENT + "), ?)";
    private static final String NOTE = """
            INSERT INTO order_timeline (event_id, order_id, sequence, position, occurred_at, status, note)
            SELECT ?, order_id, ?, %s, ?, status, ? FROM order_view WHERE order_id = ?
            ON CONFLICT (event_id) DO NOTHING""".formatted(EVENT_POSITION);
    private static final String CASE_NOTE = """
            INSERT INTO order_timeline (event_id, order_id, sequence, position, occurred_at, status, note)
            VALUES (?, ?, NULL, %s, ?, NULL, ?)
            ON CONFLICT (event_id) DO NOTHING""".formatted(EVENT_POSITION);

    private final JdbcClient jdbc;
    private final BatchedWrites writes;
    private final SequencedRows rows;

    public OrderProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.rows = new SequencedRows(writes, "order_view", "order_id");
    }

    @EventHandler
    void on(OrderPlaced event, DomainEventMessage<?> message, TrackingToken token) {
        writes.write(event.orderId(), PLACE,
                event.orderId(), GlobalIndex.of(message, token, jdbc), event.customerId(), event.walletId(), event.serviceId(),
                event.serviceName(), event.encryptedImei(), OrderStatus.PENDING.name(), event.price().amount(),
                event.price().currency(), timestamp(message.getTimestamp()), message.getSequenceNumber());
        note(message, token, event.orderId(), "Order placed; its price is reserved in the wallet");
    }

    @EventHandler
    void on(OrderSubmissionStarted event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "");
        note(message, token, event.orderId(), "Sending to the supplier (attempt " + event.attempt() + ")");
    }

    @EventHandler
    void on(OrderSubmitted event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "status = 'IN_PROCESS', submitted_at = ?, estimated_by = ?",
                timestamp(event.submittedAt()), timestamp(event.estimatedBy()));
        note(message, token, event.orderId(), "Accepted by the supplier; estimated delivery by " + event.estimatedBy());
    }

    @EventHandler
    void on(OrderSubmissionFailed event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "");
        // the supplier's own message is kept for staff in the event store, not shown here
        note(message, token, event.orderId(), "The supplier refused attempt " + event.attempt()
                + (event.retrying() ? "; it will be retried" : "; no more attempts"));
    }

    @EventHandler
    void on(OrderNeedsAttention event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "status = 'NEEDS_ATTENTION'");
        note(message, token, event.orderId(), "The supplier's answer to attempt " + event.attempt()
                + " was lost; staff are checking with the supplier");
    }

    @EventHandler
    void on(OrderResolvedByStaff event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "");
        note(message, token, event.orderId(), "Resolved by staff: " + event.resolution());
    }

    @EventHandler
    void on(OrderCompleted event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "status = 'COMPLETED', encrypted_result = ?, completed_at = ?",
                event.encryptedResult(), timestamp(event.completedAt()));
        note(message, token, event.orderId(), "Completed");
    }

    @EventHandler
    void on(OrderRejected event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "status = 'REJECTED', rejection_reason = ?", event.reason());
        note(message, token, event.orderId(), "Rejected: " + event.reason() + "; the reservation is released");
    }

    @EventHandler
    void on(OrderCancelled event, DomainEventMessage<?> message, TrackingToken token) {
        rows.advance(message, event.orderId(), "status = 'CANCELLED'");
        note(message, token, event.orderId(), "Cancelled: " + event.reason() + "; the reservation is released");
    }

    // The order's refund cases (R5, R6) show in its timeline but never change its status: an approval
    // cancels the order through an OrderCancelled of its own.

    @EventHandler
    void on(RefundCaseOpened event, EventMessage<?> message, TrackingToken token) {
        caseNote(message, token, event.orderId(), "Verification and refund request opened (case "
                + event.refundCaseId() + "); the supplier's decision is due by " + event.decisionDueBy());
    }

    @EventHandler
    void on(RefundCaseEscalated event, EventMessage<?> message, TrackingToken token) {
        caseNote(message, token, event.orderId(),
                "No decision from the supplier by the due date: the verification request is escalated to staff");
    }

    @EventHandler
    void on(RefundCaseDecided event, EventMessage<?> message, TrackingToken token) {
        String decision = event.outcome() == Outcome.APPROVED
                ? "Verification request approved by the supplier: the order is cancelled and refunded"
                : "Verification request rejected by the supplier: the order keeps processing, no refund";
        caseNote(message, token, event.orderId(), decision + (isBlank(event.note()) ? "" : " (" + event.note() + ")"));
    }

    @EventHandler
    void on(RefundCaseClosed event, EventMessage<?> message, TrackingToken token) {
        caseNote(message, token, event.orderId(), "Verification request closed: " + event.reason());
    }

    @QueryHandler
    public Optional<OrderView> handle(FindOrder query) {
        Conditions where = Conditions.where("o.order_id = ?", query.orderId())
                                     .andIfGiven(query.customerId(), "o.customer_id = ?");
        Optional<Row> row = jdbc.sql("SELECT o.*, " + OVERDUE + " AS overdue FROM order_view o WHERE " + where.sql())
                                .params(where.params()).query(OrderProjection::row).optional();
        return row.map(found -> found.view(timelines(List.of(found.orderId())).getOrDefault(found.orderId(), List.of())));
    }

    /** Newest first; the position of the last item is the next page's bound. */
    @QueryHandler
    public OrderPage handle(FindOrders query) {
        Conditions where = Conditions.where("o.position < ?", KeysetPage.before(query.beforePosition()))
                                     .andIfGiven(query.customerId(), "o.customer_id = ?")
                                     .andIfGiven(query.status() == null ? null : query.status().name(), "o.status = ?")
                                     .andEither(query.overdue(), OVERDUE, "NOT " + OVERDUE);
        List<Row> found = jdbc.sql("SELECT o.*, " + OVERDUE + " AS overdue FROM order_view o WHERE " + where.sql()
                                   + " ORDER BY o.position DESC LIMIT ?")
                              .params(where.params(KeysetPage.rowsToRead(query.limit())))
                              .query(OrderProjection::row).list();
        KeysetPage<Row> page = KeysetPage.of(found, query.limit(), Row::position);
        Map<UUID, List<TimelineEntry>> timelines = timelines(page.items().stream().map(Row::orderId).toList());
        List<OrderView> items = page.items().stream()
                                    .map(row -> row.view(timelines.getOrDefault(row.orderId(), List.of())))
                                    .toList();
        return new OrderPage(items, page.nextBefore());
    }

    /** A timeline entry at the event's time, with the order's status once the event is applied. */
    private void note(DomainEventMessage<?> message, TrackingToken token, UUID orderId, String note) {
        // queued on the order's row: it runs after this event's update and before the next one's
        writes.write(orderId, NOTE, message.getIdentifier(), message.getSequenceNumber(), message.getIdentifier(),
                position(token), timestamp(message.getTimestamp()), note, orderId);
    }

    /**
     * A timeline entry for an event of one of the order's refund cases. It does not depend on the order's row:
     * the case's events may be handled in another segment, even before the order's own during a replay. Its
     * status is left empty and read as the order's status at that point (see {@link #timelines}).
     */
    private void caseNote(EventMessage<?> message, TrackingToken token, UUID orderId, String note) {
        writes.write(message.getIdentifier(), CASE_NOTE,
                message.getIdentifier(), orderId, message.getIdentifier(), position(token),
                timestamp(message.getTimestamp()), note);
    }

    private Map<UUID, List<TimelineEntry>> timelines(List<UUID> orderIds) {
        Map<UUID, List<TimelineEntry>> timelines = new LinkedHashMap<>();
        if (orderIds.isEmpty()) {
            return timelines;
        }
        // in the order of the event store; entries from before positions were kept come first, by sequence
        jdbc.sql("""
                     SELECT order_id, occurred_at, status, note FROM order_timeline
                     WHERE order_id IN (:ids) ORDER BY order_id, position NULLS FIRST, sequence""")
            .param("ids", orderIds)
            .query(rs -> {
                List<TimelineEntry> timeline =
                        timelines.computeIfAbsent(rs.getObject("order_id", UUID.class), id -> new ArrayList<>());
                String status = rs.getString("status");
                if (status == null && !timeline.isEmpty()) {
                    // a refund-case entry: the order's status is the one its previous entry left
                    status = timeline.get(timeline.size() - 1).status();
                }
                timeline.add(new TimelineEntry(instant(rs, "occurred_at"), status, rs.getString("note")));
            });
        return timelines;
    }

    private static long position(TrackingToken token) {
        return token.position().orElseThrow(() -> new IllegalStateException("tracking token without a position: " + token));
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }

    /** An order row before its timeline is attached. */
    private record Row(UUID orderId, UUID customerId, UUID serviceId, String serviceName, String encryptedImei,
                       OrderStatus status, Money price, Instant placedAt, Instant submittedAt, Instant estimatedBy,
                       boolean overdue, Instant completedAt, String encryptedResult, String rejectionReason,
                       long position) {

        OrderView view(List<TimelineEntry> timeline) {
            return new OrderView(orderId, customerId, serviceId, serviceName, encryptedImei, status, price, placedAt,
                    submittedAt, estimatedBy, overdue, completedAt, encryptedResult, rejectionReason,
                    List.copyOf(timeline), position);
        }
    }

    private static Row row(ResultSet rs, int row) throws SQLException {
        return new Row(rs.getObject("order_id", UUID.class), rs.getObject("customer_id", UUID.class),
                rs.getObject("service_id", UUID.class), rs.getString("service_name"), rs.getString("encrypted_imei"),
                OrderStatus.valueOf(rs.getString("status")), Money.of(rs.getLong("price_amount"), rs.getString("currency")),
                instant(rs, "placed_at"), instant(rs, "submitted_at"), instant(rs, "estimated_by"),
                rs.getBoolean("overdue"), instant(rs, "completed_at"), rs.getString("encrypted_result"),
                rs.getString("rejection_reason"), rs.getLong("position"));
    }
}
