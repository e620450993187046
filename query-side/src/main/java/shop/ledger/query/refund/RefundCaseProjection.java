package shop.ledger.query.refund;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import shop.ledger.platform.axon.GlobalIndex;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.refund.RefundCases.CaseStatus;
import shop.ledger.api.refund.RefundCases.FindRefundCase;
import shop.ledger.api.refund.RefundCases.FindRefundCaseQueue;
import shop.ledger.api.refund.RefundCases.FindRefundCases;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;
import shop.ledger.api.refund.RefundCases.RefundCasePage;
import shop.ledger.api.refund.RefundCases.RefundCaseView;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import shop.ledger.query.support.ReadModelTables;

/**
 * The refund-case read model (R5, R6): one row per verification and refund request, written in the
 * processor's transaction with its token. A redelivered event changes nothing: a row is advanced only by a
 * newer aggregate sequence number of its case, so a late Opened or Escalated never reopens a decided case.
 */
@Component
@ProcessingGroup(RefundCaseProjection.PROCESSING_GROUP)
@ReadModelTables("refund_case_view")
public class RefundCaseProjection {

    public static final String PROCESSING_GROUP = "refund-cases";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public RefundCaseProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(RefundCaseOpened event, DomainEventMessage<?> message, TrackingToken token) {
        writes.write(event.refundCaseId(), """
                INSERT INTO refund_case_view (refund_case_id, position, order_id, customer_id, status, opened_at,
                    decision_due_by, last_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (refund_case_id) DO NOTHING""",
                event.refundCaseId(), GlobalIndex.of(message, token, jdbc), event.orderId(), event.customerId(), CaseStatus.OPEN.name(),
                timestamp(event.openedAt()), timestamp(event.decisionDueBy()), message.getSequenceNumber());
    }

    /** Decided is final, whether the case was open or escalated (R6). */
    @EventHandler
    void on(RefundCaseDecided event, DomainEventMessage<?> message) {
        CaseStatus status = event.outcome() == Outcome.APPROVED ? CaseStatus.APPROVED : CaseStatus.REJECTED;
        advance(message, event.refundCaseId(), "status = ?, decided_at = ?, outcome = ?, note = ?",
                status.name(), timestamp(event.decidedAt()), event.outcome().name(), event.note());
    }

    /** Still waiting for the supplier's decision, now with staff following it up (R6). */
    @EventHandler
    void on(RefundCaseEscalated event, DomainEventMessage<?> message) {
        advance(message, event.refundCaseId(), "status = ?, escalated_at = ?",
                CaseStatus.ESCALATED.name(), timestamp(event.escalatedAt()));
    }

    /** The order completed (or was rejected) while the case was open: the reason is the case's note. */
    @EventHandler
    void on(RefundCaseClosed event, DomainEventMessage<?> message) {
        advance(message, event.refundCaseId(), "status = ?, closed_at = ?, note = ?",
                CaseStatus.CLOSED.name(), timestamp(event.closedAt()), event.reason());
    }

    @ResetHandler
    void reset() {
        jdbc.sql("TRUNCATE refund_case_view").update();
    }

    @QueryHandler
    public Optional<RefundCaseView> handle(FindRefundCase query) {
        StringBuilder sql = new StringBuilder("SELECT * FROM refund_case_view WHERE refund_case_id = ?");
        List<Object> params = new ArrayList<>(List.of(query.refundCaseId()));
        if (query.customerId() != null) {
            sql.append(" AND customer_id = ?");
            params.add(query.customerId());
        }
        return jdbc.sql(sql.toString()).params(params).query(RefundCaseProjection::view).optional();
    }

    /** Newest first; the position of the last item is the next page's bound. */
    @QueryHandler
    public RefundCasePage handle(FindRefundCases query) {
        StringBuilder sql = new StringBuilder("SELECT * FROM refund_case_view WHERE position < ?");
        List<Object> params = new ArrayList<>();
        params.add(query.beforePosition() == null ? Long.MAX_VALUE : query.beforePosition());
        if (query.customerId() != null) {
            sql.append(" AND customer_id = ?");
            params.add(query.customerId());
        }
        if (query.status() != null) {
            sql.append(" AND status = ?");
            params.add(query.status().name());
        }
        sql.append(" ORDER BY position DESC LIMIT ?");
        params.add(query.limit() + 1);
        List<RefundCaseView> rows = jdbc.sql(sql.toString()).params(params).query(RefundCaseProjection::view).list();

        boolean more = rows.size() > query.limit();
        List<RefundCaseView> page = more ? rows.subList(0, query.limit()) : rows;
        return new RefundCasePage(List.copyOf(page), more ? page.get(page.size() - 1).position() : null);
    }

    /** Cases still waiting for a decision, the earliest due first (the oldest case first among equals). */
    @QueryHandler
    public List<RefundCaseView> handle(FindRefundCaseQueue query) {
        return jdbc.sql("""
                            SELECT * FROM refund_case_view WHERE status IN ('OPEN', 'ESCALATED')
                            ORDER BY decision_due_by, position LIMIT ?""")
                   .param(query.limit())
                   .query(RefundCaseProjection::view)
                   .list();
    }

    /** Applies an event's changes to the row, unless a newer event of the case was applied already. */
    private void advance(DomainEventMessage<?> message, UUID refundCaseId, String assignments, Object... values) {
        long sequence = message.getSequenceNumber();
        Object[] params = Stream.concat(Stream.of(values), Stream.of(sequence, refundCaseId, sequence)).toArray();
        writes.write(refundCaseId, "UPDATE refund_case_view SET " + assignments
                + ", last_sequence = ? WHERE refund_case_id = ? AND last_sequence < ?", params);
    }


    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static RefundCaseView view(ResultSet rs, int row) throws SQLException {
        String outcome = rs.getString("outcome");
        return new RefundCaseView(rs.getObject("refund_case_id", UUID.class), rs.getObject("order_id", UUID.class),
                rs.getObject("customer_id", UUID.class), CaseStatus.valueOf(rs.getString("status")),
                instant(rs, "opened_at"), instant(rs, "decision_due_by"), instant(rs, "decided_at"),
                outcome == null ? null : Outcome.valueOf(outcome), rs.getString("note"), rs.getLong("position"));
    }
}
