package shop.ledger.query.withdrawal;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.TrackingToken;
import shop.ledger.platform.axon.GlobalIndex;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.FindWithdrawal;
import shop.ledger.api.withdrawal.Withdrawals.FindWithdrawals;
import shop.ledger.api.withdrawal.Withdrawals.PayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPage;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalNeedsAttention;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalStatus;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalView;

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
 * The withdrawal read model (R10): one row per withdrawal, written in the processor's transaction with its
 * token. A redelivered event changes nothing: a row is advanced only by a newer aggregate sequence number of its
 * withdrawal, so a late PayoutSubmitted never moves a paid withdrawal back. The payout destination is not kept
 * here at all, not even encrypted (R11): no read of a withdrawal shows it.
 */
@Component
@ProcessingGroup(WithdrawalProjection.PROCESSING_GROUP)
@ReadModelTables("withdrawal_view")
public class WithdrawalProjection {

    public static final String PROCESSING_GROUP = "withdrawals";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;
    private final SequencedRows rows;

    public WithdrawalProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.rows = new SequencedRows(writes, "withdrawal_view", "withdrawal_id");
    }

    @EventHandler
    void on(WithdrawalRequested event, DomainEventMessage<?> message, TrackingToken token) {
        writes.write(event.withdrawalId(), """
                INSERT INTO withdrawal_view (withdrawal_id, position, customer_id, wallet_id, amount, currency,
                    method, status, requested_at, last_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (withdrawal_id) DO NOTHING""",
                event.withdrawalId(), GlobalIndex.of(message, token, jdbc), event.customerId(), event.walletId(),
                event.amount().amount(), event.amount().currency(), event.method(),
                WithdrawalStatus.REQUESTED.name(),
                timestamp(event.requestedAt() == null ? message.getTimestamp() : event.requestedAt()),
                message.getSequenceNumber());
    }

    @EventHandler
    void on(PayoutSubmitted event, DomainEventMessage<?> message) {
        rows.advance(message, event.withdrawalId(), "status = ?, payout_reference = ?, submitted_at = ?",
                WithdrawalStatus.PAYOUT_SUBMITTED.name(), event.payoutReference(), timestamp(event.submittedAt()));
    }

    /** The provider's reference is kept if it came only now (a payout confirmed without a submission answer). */
    @EventHandler
    void on(WithdrawalPaid event, DomainEventMessage<?> message) {
        rows.advance(message, event.withdrawalId(),
                "status = ?, payout_reference = COALESCE(?, payout_reference), paid_at = ?, needs_attention = FALSE",
                WithdrawalStatus.PAID.name(), event.payoutReference(), timestamp(event.paidAt()));
    }

    @EventHandler
    void on(WithdrawalFailed event, DomainEventMessage<?> message) {
        rows.advance(message, event.withdrawalId(), "status = ?, failure_reason = ?, failed_at = ?, needs_attention = FALSE",
                WithdrawalStatus.FAILED.name(), event.reason(), timestamp(event.failedAt()));
    }

    /**
     * The payout provider keeps refusing it: staff must look (the reason is on the audit trail). The status stays;
     * the flag clears once it is paid or fails.
     */
    @EventHandler
    void on(WithdrawalNeedsAttention event, DomainEventMessage<?> message) {
        rows.advance(message, event.withdrawalId(), "needs_attention = TRUE");
    }

    /** Finance matched it to a statement line; the status stays what the payout made it. */
    @EventHandler
    void on(WithdrawalReconciled event, DomainEventMessage<?> message) {
        rows.advance(message, event.withdrawalId(), "reconciled = TRUE, reconciliation_id = ?, reconciled_at = ?",
                event.reconciliationId(), timestamp(event.reconciledAt()));
    }

    /** One withdrawal; with a customer id, only if it is theirs. */
    @QueryHandler
    public Optional<WithdrawalView> handle(FindWithdrawal query) {
        Conditions where = Conditions.where("withdrawal_id = ?", query.withdrawalId())
                                     .andIfGiven(query.customerId(), "customer_id = ?");
        return jdbc.sql("SELECT * FROM withdrawal_view WHERE " + where.sql()).params(where.params())
                   .query(WithdrawalProjection::view).optional();
    }

    /**
     * Newest first; the position of the last item is the next page's bound. {@code from} (inclusive) and
     * {@code to} (exclusive) bound the time the withdrawal was requested.
     */
    @QueryHandler
    public WithdrawalPage handle(FindWithdrawals query) {
        Conditions where = Conditions.where("position < ?", KeysetPage.before(query.beforePosition()))
                                     .andIfGiven(query.customerId(), "customer_id = ?")
                                     .andIfGiven(query.status() == null ? null : query.status().name(), "status = ?")
                                     .andEither(query.needsAttention(), "needs_attention", "NOT needs_attention")
                                     .andIfGiven(timestamp(query.from()), "requested_at >= ?")
                                     .andIfGiven(timestamp(query.to()), "requested_at < ?");
        List<WithdrawalView> found = jdbc.sql("SELECT * FROM withdrawal_view WHERE " + where.sql()
                                              + " ORDER BY position DESC LIMIT ?")
                                         .params(where.params(KeysetPage.rowsToRead(query.limit())))
                                         .query(WithdrawalProjection::view).list();
        KeysetPage<WithdrawalView> page = KeysetPage.of(found, query.limit(), WithdrawalView::position);
        return new WithdrawalPage(page.items(), page.nextBefore());
    }

    private static WithdrawalView view(ResultSet rs, int row) throws SQLException {
        return new WithdrawalView(rs.getObject("withdrawal_id", UUID.class), rs.getObject("customer_id", UUID.class),
                Money.of(rs.getLong("amount"), rs.getString("currency")), rs.getString("method"),
                WithdrawalStatus.valueOf(rs.getString("status")), instant(rs, "requested_at"),
                rs.getString("payout_reference"), instant(rs, "paid_at"), rs.getString("failure_reason"),
                rs.getBoolean("reconciled"), rs.getLong("position"), rs.getBoolean("needs_attention"));
    }
}
