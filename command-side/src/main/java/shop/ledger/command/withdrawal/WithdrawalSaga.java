package shop.ledger.command.withdrawal;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.RecordPayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.command.payout.PayoutPort;
import shop.ledger.command.payout.PayoutPort.Payout;
import shop.ledger.command.payout.PayoutPort.PayoutRefused;
import shop.ledger.command.payout.PayoutPort.PayoutRequest;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Pays a withdrawal out (R10): submits it to the payout provider with the withdrawal id as idempotency
 * reference, then chases it on persisted deadlines until the provider says PAID (captured) or FAILED
 * (released). A lost answer is simply submitted again under the same reference: the provider returns the
 * first payout, so nothing is ever paid twice. A provider that keeps refusing (4xx) flags the withdrawal for
 * staff and is then asked only at the slowest pace.
 */
@Saga
@ProcessingGroup(WithdrawalSaga.PROCESSING_GROUP)
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public class WithdrawalSaga {

    public static final String PROCESSING_GROUP = "withdrawal";
    static final String REFUSED = "the provider refused the payout";
    static final String CHASE = "chase-payout";

    record ChaseDue(UUID withdrawalId) {
    }

    private UUID withdrawalId;
    private UUID customerId;
    private Money amount;
    private String method;
    private String encryptedDestination;
    private boolean submitted;
    private int chases;
    /** Provider refusals (4xx) since its last readable answer. */
    private int refusals;
    private boolean flaggedForAttention;

    @StartSaga
    @SagaEventHandler(associationProperty = "withdrawalId")
    void on(WithdrawalRequested event, PayoutPort payouts, KeyVault vault, CommandGateway commands,
            DeadlineManager deadlines, PayoutSettings settings) {
        withdrawalId = event.withdrawalId();
        customerId = event.customerId();
        amount = event.amount();
        method = event.method();
        encryptedDestination = event.encryptedDestination();
        try {
            submit(payouts, vault, commands);
        } catch (PayoutRefused refused) {
            refused(refused, commands, settings);
        }
        deadlines.schedule(nextChase(settings), CHASE, new ChaseDue(withdrawalId));
    }

    @DeadlineHandler(deadlineName = CHASE)
    void chase(ChaseDue due, PayoutPort payouts, KeyVault vault, CommandGateway commands, DeadlineManager deadlines,
               PayoutSettings settings) {
        try {
            Optional<Payout> payout = payouts.status(withdrawalId.toString());
            if (payout.isPresent()) {
                refusals = 0;
                record(payout.get(), vault, commands);
            } else if (!submitted && !vault.isErased(customerId)) {
                submit(payouts, vault, commands); // the first answer was lost: same reference, same payout
            }
        } catch (PayoutRefused refused) {
            refused(refused, commands, settings);
        }
        // erased meanwhile: the lost submission may have reached the provider, so it is never failed blindly (the
        // money could be paid and released); only the provider's answer settles it, and the chase goes on
        chases++;
        deadlines.schedule(nextChase(settings), CHASE, new ChaseDue(withdrawalId));
    }

    /**
     * A 4xx (a bad API key, say) will not go away by asking again: after a few in a row staff are told once, and
     * the withdrawal is asked about only at the slowest pace, so it resumes by itself once someone fixes the cause.
     * The hold stays: a payout may exist from an earlier call whose answer was lost.
     */
    private void refused(PayoutRefused refused, CommandGateway commands, PayoutSettings settings) {
        refusals++;
        if (refusals >= settings.refusalsBeforeAttention() && !flaggedForAttention) {
            commands.sendAndWait(new MarkWithdrawalNeedsAttention(withdrawalId, refused.getMessage() + " (" + refusals
                    + " times in a row); the payout is asked about again every " + settings.chaseMax()));
            flaggedForAttention = true;
        }
    }

    private Duration nextChase(PayoutSettings settings) {
        return refusals >= settings.refusalsBeforeAttention() ? settings.chaseMax() : settings.chaseDelay(chases);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "withdrawalId")
    void on(WithdrawalPaid event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(CHASE);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "withdrawalId")
    void on(WithdrawalFailed event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(CHASE);
    }

    private void submit(PayoutPort payouts, KeyVault vault, CommandGateway commands) {
        if (vault.isErased(customerId)) {
            commands.sendAndWait(new RecordWithdrawalFailed(withdrawalId, "the customer's data was erased"));
            return;
        }
        Optional<Payout> payout = payouts.submit(new PayoutRequest(withdrawalId.toString(), amount, method,
                vault.reveal(customerId, encryptedDestination)));
        if (payout.isPresent()) {
            refusals = 0;
            record(payout.get(), vault, commands);
        }
    }

    private void record(Payout payout, KeyVault vault, CommandGateway commands) {
        if (!submitted) {
            commands.sendAndWait(new RecordPayoutSubmitted(withdrawalId, payout.payoutReference()));
            submitted = true;
        }
        switch (payout.state()) {
            case PAID -> commands.sendAndWait(new RecordWithdrawalPaid(withdrawalId, payout.payoutReference()));
            case FAILED -> commands.sendAndWait(new RecordWithdrawalFailed(withdrawalId, withoutDestination(payout.reason(), vault)));
            case PENDING -> {
                // the deadline chases it
            }
        }
    }

    /**
     * The provider's reason is recorded in clear (event, read model) and providers quote the destination in it:
     * it is cut out here, whichever call brought the answer. Once the customer's data is erased the destination
     * cannot be recognised any more, so the provider's text is not kept at all (R11).
     */
    private String withoutDestination(String reason, KeyVault vault) {
        if (reason == null || reason.isBlank()) {
            return REFUSED;
        }
        Optional<String> destination = vault.decrypt(customerId, encryptedDestination);
        if (destination.isEmpty()) {
            return REFUSED;
        }
        String redacted = reason.replace(destination.get(), "[destination]");
        String compact = destination.get().replaceAll("\\s+", "");
        return compact.length() < 4 ? redacted : redacted.replace(compact, "[destination]");
    }
}
