package shop.ledger.query.refund;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
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
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import shop.ledger.query.support.Conditions;
import shop.ledger.query.support.KeysetPage;
import shop.ledger.query.support.ReadModelTables;
import shop.ledger.query.support.SequencedRows;

import static shop.ledger.query.support.SqlTime.instant;
import static shop.ledger.query.support.SqlTime.timestamp;

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
    private final SequencedRows rows;

    public RefundCaseProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.rows = new SequencedRows(writes, "refund_case_view", "refund_case_id");
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
        rows.advance(message, event.refundCaseId(), "status = ?, decided_at = ?, outcome = ?, note = ?",
                status.name(), timestamp(event.decidedAt()), event.outcome().name(), event.note());
    }

    /** Still waiting for the supplier's decision, now with staff following it up (R6). */
    @EventHandler
    void on(RefundCaseEscalated event, DomainEventMessage<?> message) {
        rows.advance(message, event.refundCaseId(), "status = ?, escalated_at = ?",
                CaseStatus.ESCALATED.name(), timestamp(event.escalatedAt()));
    }

    /** The order completed (or was rejected) while the case was open: the reason is the case's note. */
    @EventHandler
    void on(RefundCaseClosed event, DomainEventMessage<?> message) {
        rows.advance(message, event.refundCaseId(), "status = ?, closed_at = ?, note = ?",
                CaseStatus.CLOSED.name(), timestamp(event.closedAt()), event.reason());
    }

    @QueryHandler
    public Optional<RefundCaseView> handle(FindRefundCase query) {
        Conditions where = Conditions.where("refund_case_id = ?", query.refundCaseId())
                                     .andIfGiven(query.customerId(), "customer_id = ?");
        return jdbc.sql("SELECT * FROM refund_case_view WHERE " + where.sql()).params(where.params())
                   .query(RefundCaseProjection::view).optional();
    }

    /** Newest first; the position of the last item is the next page's bound. */
    @QueryHandler
    public RefundCasePage handle(FindRefundCases query) {
        Conditions where = Conditions.where("position < ?", KeysetPage.before(query.beforePosition()))
                                     .andIfGiven(query.customerId(), "customer_id = ?")
                                     .andIfGiven(query.status() == null ? null : query.status().name(), "status = ?");
        List<RefundCaseView> found = jdbc.sql("SELECT * FROM refund_case_view WHERE " + where.sql()
                                              + " ORDER BY position DESC LIMIT ?")
                                         .params(where.params(KeysetPage.rowsToRead(query.limit())))
                                         .query(RefundCaseProjection::view).list();
        KeysetPage<RefundCaseView> page = KeysetPage.of(found, query.limit(), RefundCaseView::position);
        return new RefundCasePage(page.items(), page.nextBefore());
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

    private static RefundCaseView view(ResultSet rs, int row) throws SQLException {
        String outcome = rs.getString("outcome");
        return new RefundCaseView(rs.getObject("refund_case_id", UUID.class), rs.getObject("order_id", UUID.class),
                rs.getObject("customer_id", UUID.class), CaseStatus.valueOf(rs.getString("status")),
                instant(rs, "opened_at"), instant(rs, "decision_due_by"), instant(rs, "decided_at"),
                outcome == null ? null : Outcome.valueOf(outcome), rs.getString("note"), rs.getLong("position"));
    }
}
