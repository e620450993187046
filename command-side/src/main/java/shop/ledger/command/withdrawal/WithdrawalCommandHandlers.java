package shop.ledger.command.withdrawal;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.api.withdrawal.Withdrawals.MarkWithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.RecordPayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.RequestWithdrawal;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.command.withdrawal.Withdrawal.Settlement;
import shop.ledger.platform.crypto.KeyVault;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Carries out a withdrawal's decisions with their money and the payout record, in one unit of work:
 * the request holds the amount (409 insufficient-funds refuses it whole); payment captures it; failure
 * releases it.
 */
@Component
public class WithdrawalCommandHandlers {

    private final Repository<Withdrawal> withdrawals;
    private final CommandGateway commands;
    private final KeyVault vault;
    private final JdbcClient jdbc;
    private final Clock clock;

    public WithdrawalCommandHandlers(Repository<Withdrawal> withdrawals, CommandGateway commands, KeyVault vault,
                                     JdbcClient jdbc, Clock clock) {
        this.withdrawals = withdrawals;
        this.commands = commands;
        this.vault = vault;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @CommandHandler
    public UUID request(RequestWithdrawal command) throws Exception {
        if (command.amount() == null || command.amount().amount() <= 0) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "amount must be positive");
        }
        commands.sendAndWait(new ReserveFunds(command.walletId(), command.withdrawalId(), command.amount(),
                ReservationPurpose.WITHDRAWAL, command.withdrawalId()));
        Instant now = clock.instant();
        withdrawals.newInstance(() -> new Withdrawal(new WithdrawalRequested(command.withdrawalId(),
                command.customerId(), command.walletId(), command.amount(), command.method(),
                vault.encrypt(command.customerId(), command.destination()), now)));
        jdbc.sql("INSERT INTO payout_record (withdrawal_id, status, amount, currency) VALUES (?, 'REQUESTED', ?, ?)")
            .params(command.withdrawalId(), command.amount().amount(), command.amount().currency())
            .update();
        return command.withdrawalId();
    }

    @CommandHandler
    public void handle(RecordPayoutSubmitted command) {
        withdrawals.load(command.withdrawalId().toString())
                   .execute(w -> w.submitted(command.payoutReference(), clock.instant()));
        recordPayoutReference(command.withdrawalId(), command.payoutReference());
    }

    @CommandHandler
    public void handle(RecordWithdrawalPaid command) {
        Aggregate<Withdrawal> withdrawal = withdrawals.load(command.withdrawalId().toString());
        Instant now = clock.instant();
        settle(withdrawal, withdrawal.invoke(w -> w.paid(command.payoutReference(), now)), null);
        jdbc.sql("UPDATE payout_record SET status = 'PAID', paid_at = ? WHERE withdrawal_id = ? AND status <> 'PAID'")
            .params(Timestamp.from(now), command.withdrawalId()).update();
        recordPayoutReference(command.withdrawalId(), command.payoutReference());
    }

    @CommandHandler
    public void handle(RecordWithdrawalFailed command) {
        Aggregate<Withdrawal> withdrawal = withdrawals.load(command.withdrawalId().toString());
        settle(withdrawal, withdrawal.invoke(w -> w.failed(command.reason(), clock.instant())),
                "payout failed: " + command.reason());
        jdbc.sql("UPDATE payout_record SET status = 'FAILED' WHERE withdrawal_id = ? AND status <> 'PAID'")
            .param(command.withdrawalId()).update();
    }

    @CommandHandler
    public void handle(MarkWithdrawalNeedsAttention command) {
        withdrawals.load(command.withdrawalId().toString()).execute(w -> w.needsAttention(command.reason(), clock.instant()));
    }

    @CommandHandler
    public boolean handle(MarkWithdrawalReconciled command) {
        boolean marked = withdrawals.load(command.withdrawalId().toString())
                                    .invoke(w -> w.reconciled(command.reconciliationId(), clock.instant()));
        if (marked) {
            jdbc.sql("UPDATE payout_record SET reconciled = TRUE WHERE withdrawal_id = ?").param(command.withdrawalId())
                .update();
        }
        return marked;
    }

    /**
     * A provider's statement may name its payout reference instead of the withdrawal id (ReconciliationHandlers);
     * a statement's reference is at most 255 characters, so a longer one could never be matched.
     */
    private void recordPayoutReference(UUID withdrawalId, String payoutReference) {
        if (payoutReference != null && !payoutReference.isBlank() && payoutReference.length() <= 255) {
            jdbc.sql("UPDATE payout_record SET payout_reference = ? WHERE withdrawal_id = ?")
                .params(payoutReference, withdrawalId).update();
        }
    }

    private void settle(Aggregate<Withdrawal> withdrawal, Settlement settlement, String reason) {
        UUID withdrawalId = UUID.fromString(withdrawal.identifierAsString());
        UUID walletId = withdrawal.invoke(Withdrawal::walletId);
        if (settlement == Settlement.CAPTURE) {
            commands.sendAndWait(new CaptureReservation(walletId, withdrawalId));
        } else if (settlement == Settlement.RELEASE) {
            commands.sendAndWait(new ReleaseReservation(walletId, withdrawalId, reason));
        }
    }
}
