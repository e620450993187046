package shop.ledger.api.withdrawal;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import shop.ledger.api.common.Money;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * Withdrawals (R10): the available balance paid out through the payout provider, after a second factor.
 * The destination travels and is stored only encrypted under the customer's key (R11).
 */
public final class Withdrawals {

    private Withdrawals() {
    }

    public enum WithdrawalStatus {
        REQUESTED,
        PAYOUT_SUBMITTED,
        PAID,
        FAILED
    }

    // ---- commands ----

    /** The plain destination lives only in this command; the handler encrypts it. */
    public record RequestWithdrawal(@TargetAggregateIdentifier UUID withdrawalId, UUID customerId, UUID walletId,
                                    Money amount, String method, String destination) {
        /** Never the destination: a logged command must not carry it (R11). */
        @Override
        public String toString() {
            return "RequestWithdrawal[withdrawalId=" + withdrawalId + ", customerId=" + customerId + ", walletId="
                    + walletId + ", amount=" + amount + ", method=" + method + ", destination=(hidden)]";
        }
    }

    public record RecordPayoutSubmitted(@TargetAggregateIdentifier UUID withdrawalId, String payoutReference) {
    }

    public record RecordWithdrawalPaid(@TargetAggregateIdentifier UUID withdrawalId, String payoutReference) {
    }

    public record RecordWithdrawalFailed(@TargetAggregateIdentifier UUID withdrawalId, String reason) {
    }

    /** Finance matched the withdrawal to a line of the provider's statement. */
    public record MarkWithdrawalReconciled(@TargetAggregateIdentifier UUID withdrawalId, UUID reconciliationId) {
    }

    // ---- events ----

    @Revision("1")
    public record WithdrawalRequested(UUID withdrawalId, UUID customerId, UUID walletId, Money amount, String method,
                                      String encryptedDestination, Instant requestedAt) {
    }

    @Revision("1")
    public record PayoutSubmitted(UUID withdrawalId, String payoutReference, Instant submittedAt) {
    }

    @Revision("1")
    public record WithdrawalPaid(UUID withdrawalId, String payoutReference, Instant paidAt) {
    }

    @Revision("1")
    public record WithdrawalFailed(UUID withdrawalId, String reason, Instant failedAt) {
    }

    @Revision("1")
    public record WithdrawalReconciled(UUID withdrawalId, UUID reconciliationId, Instant reconciledAt) {
    }

    /**
     * The payout provider keeps refusing the withdrawal's calls (4xx, e.g. a bad API key): staff must act. The
     * status and the hold stay as they are (a payout may exist); the saga goes on asking at its slowest pace.
     */
    @Revision("1")
    public record WithdrawalNeedsAttention(UUID withdrawalId, String reason, Instant at) {
    }

    // ---- reconciliation ----

    /** One line of a provider statement, as parsed (amount in minor units). */
    public record StatementLine(int lineNumber, String payoutReference, Money amount, String status,
                                Instant bookedAt) {
    }

    /** A statement line and a withdrawal that disagree: both sides, and what differs. */
    public record Mismatch(String payoutReference, UUID withdrawalId, String field, String statement,
                           String ledger) {
    }

    public record RunReconciliation(@TargetAggregateIdentifier UUID reconciliationId, String format,
                                    List<StatementLine> lines, String submittedBy) {
    }

    /**
     * One run, recorded whole: what was matched, what was not, by which rules, so the history of
     * reconciliation can be replayed.
     */
    @Revision("1")
    public record ReconciliationCompleted(UUID reconciliationId, String format, String rules, int statementLines,
                                          List<UUID> matchedWithdrawals, List<String> unmatchedStatementLines,
                                          List<UUID> unmatchedWithdrawals, List<Mismatch> mismatches,
                                          String submittedBy, Instant completedAt) {
    }

    // ---- queries ----

    public record FindWithdrawal(UUID withdrawalId, UUID customerId) {
    }

    /** {@code needsAttention}: only those flagged for staff (true), only the others (false), or all (null). */
    public record FindWithdrawals(UUID customerId, WithdrawalStatus status, Instant from, Instant to, int limit,
                                  Long beforePosition, Boolean needsAttention) {
    }

    public record WithdrawalView(UUID withdrawalId, UUID customerId, Money amount, String method,
                                 WithdrawalStatus status, Instant requestedAt, String payoutReference, Instant paidAt,
                                 String failureReason, boolean reconciled, long position, boolean needsAttention) {
    }

    public record WithdrawalPage(List<WithdrawalView> items, Long nextBeforePosition) {
    }

    public record FindReconciliation(UUID reconciliationId) {
    }

    public record StatementDay(LocalDate date) {
    }
}
