package shop.ledger.command.withdrawal;

import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.PayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalNeedsAttention;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalStatus;

import java.time.Instant;
import java.util.UUID;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * A withdrawal (R10): its amount is held in the Wallet from the request on, taken when the provider pays,
 * returned when the payout fails. Every transition is idempotent, so a redelivered answer or a chased
 * payout never settles twice.
 */
@Aggregate
public class Withdrawal {

    public enum Settlement {
        NONE,
        CAPTURE,
        RELEASE
    }

    @AggregateIdentifier
    private UUID withdrawalId;
    private UUID walletId;
    private Money amount;
    private WithdrawalStatus status;
    private String payoutReference;
    private boolean reconciled;
    private boolean needsAttention;

    protected Withdrawal() {
    }

    Withdrawal(WithdrawalRequested requested) {
        apply(requested);
    }

    void submitted(String reference, Instant now) {
        if (status == WithdrawalStatus.REQUESTED) {
            apply(new PayoutSubmitted(withdrawalId, reference, now));
        }
    }

    Settlement paid(String reference, Instant now) {
        if (status != WithdrawalStatus.REQUESTED && status != WithdrawalStatus.PAYOUT_SUBMITTED) {
            return Settlement.NONE;
        }
        apply(new WithdrawalPaid(withdrawalId, reference != null ? reference : payoutReference, now));
        return Settlement.CAPTURE;
    }

    Settlement failed(String reason, Instant now) {
        if (status != WithdrawalStatus.REQUESTED && status != WithdrawalStatus.PAYOUT_SUBMITTED) {
            return Settlement.NONE;
        }
        apply(new WithdrawalFailed(withdrawalId, reason, now));
        return Settlement.RELEASE;
    }

    /** Once per withdrawal while it is open; settles nothing, since a payout may exist at the provider. */
    void needsAttention(String reason, Instant now) {
        if ((status == WithdrawalStatus.REQUESTED || status == WithdrawalStatus.PAYOUT_SUBMITTED) && !needsAttention) {
            apply(new WithdrawalNeedsAttention(withdrawalId, reason, now));
        }
    }

    boolean reconciled(UUID reconciliationId, Instant now) {
        if (status != WithdrawalStatus.PAID || reconciled) {
            return false;
        }
        apply(new WithdrawalReconciled(withdrawalId, reconciliationId, now));
        return true;
    }

    UUID walletId() {
        return walletId;
    }

    Money amount() {
        return amount;
    }

    WithdrawalStatus status() {
        return status;
    }

    @EventSourcingHandler
    void on(WithdrawalRequested event) {
        withdrawalId = event.withdrawalId();
        walletId = event.walletId();
        amount = event.amount();
        status = WithdrawalStatus.REQUESTED;
    }

    @EventSourcingHandler
    void on(PayoutSubmitted event) {
        payoutReference = event.payoutReference();
        status = WithdrawalStatus.PAYOUT_SUBMITTED;
    }

    @EventSourcingHandler
    void on(WithdrawalPaid event) {
        payoutReference = event.payoutReference();
        status = WithdrawalStatus.PAID;
    }

    @EventSourcingHandler
    void on(WithdrawalFailed event) {
        status = WithdrawalStatus.FAILED;
    }

    @EventSourcingHandler
    void on(WithdrawalNeedsAttention event) {
        needsAttention = true;
    }

    @EventSourcingHandler
    void on(WithdrawalReconciled event) {
        reconciled = true;
    }
}
