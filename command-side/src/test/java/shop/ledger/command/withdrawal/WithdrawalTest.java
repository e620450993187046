package shop.ledger.command.withdrawal;

import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.matchers.Matchers;
import org.axonframework.test.utils.RecordingCommandBus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.api.withdrawal.Withdrawals.MarkWithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.PayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.RecordPayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.RequestWithdrawal;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A withdrawal's rules (R10) with Axon's fixture; Wallet commands go to a recording bus. */
class WithdrawalTest {

    static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    static final Money AMOUNT = Money.of(5000, "USD");

    AggregateTestFixture<Withdrawal> fixture;
    RecordingCommandBus walletBus;
    KeyVault vault;
    UUID withdrawal;
    UUID customer;
    UUID wallet;
    WithdrawalRequested requested;

    @BeforeEach
    void setUp() {
        vault = CommandTestDatabase.vault();
        withdrawal = UUID.randomUUID();
        customer = UUID.randomUUID();
        wallet = UUID.randomUUID();
        vault.createKey(customer);
        walletBus = new RecordingCommandBus();
        fixture = new AggregateTestFixture<>(Withdrawal.class);
        fixture.registerAnnotatedCommandHandler(new WithdrawalCommandHandlers(fixture.getRepository(),
                DefaultCommandGateway.builder().commandBus(walletBus).build(), vault, CommandTestDatabase.jdbc(),
                Clock.fixed(NOW, ZoneOffset.UTC)));
        requested = new WithdrawalRequested(withdrawal, customer, wallet, AMOUNT, "BANK_TRANSFER", "v1:x", NOW);
        CommandTestDatabase.jdbc().sql("INSERT INTO payout_record (withdrawal_id, status, amount, currency) VALUES (?, 'REQUESTED', 5000, 'USD')")
                           .param(withdrawal).update();
    }

    List<Object> walletCommands() {
        return walletBus.getDispatchedCommands().stream().map(c -> (Object) c.getPayload()).toList();
    }

    @Test
    void aRequestHoldsTheAmountAndKeepsTheDestinationEncrypted() {
        UUID fresh = UUID.randomUUID();
        fixture.givenNoPriorActivity()
               .when(new RequestWithdrawal(fresh, customer, wallet, AMOUNT, "BANK_TRANSFER", "DE89 3704 0044 0532 0130 00"))
               .expectEventsMatching(Matchers.payloadsMatching(Matchers.exactSequenceOf(
                       Matchers.predicate(e -> e instanceof WithdrawalRequested r && r.amount().equals(AMOUNT)
                               && !r.encryptedDestination().contains("DE89")
                               && "DE89 3704 0044 0532 0130 00".equals(vault.reveal(customer, r.encryptedDestination()))),
                       Matchers.andNoMore())));
        assertThat(walletCommands()).containsExactly(
                new ReserveFunds(wallet, fresh, AMOUNT, ReservationPurpose.WITHDRAWAL, fresh));
    }

    @Test
    void aPaidPayoutIsCapturedOnce() {
        fixture.given(requested, new PayoutSubmitted(withdrawal, "PO-1", NOW))
               .when(new RecordWithdrawalPaid(withdrawal, "PO-1"))
               .expectEvents(new WithdrawalPaid(withdrawal, "PO-1", NOW));
        fixture.given(requested, new PayoutSubmitted(withdrawal, "PO-1", NOW), new WithdrawalPaid(withdrawal, "PO-1", NOW))
               .when(new RecordWithdrawalPaid(withdrawal, "PO-1"))
               .expectNoEvents();
        assertThat(walletCommands()).containsExactly(new CaptureReservation(wallet, withdrawal));
    }

    @Test
    void aFailedPayoutReleasesTheAmountOnce() {
        fixture.given(requested)
               .when(new RecordWithdrawalFailed(withdrawal, "account closed"))
               .expectEvents(new WithdrawalFailed(withdrawal, "account closed", NOW));
        assertThat(walletCommands()).containsExactly(
                new ReleaseReservation(wallet, withdrawal, "payout failed: account closed"));
    }

    @Test
    void aPaidWithdrawalCannotFailAfterwards() {
        fixture.given(requested, new WithdrawalPaid(withdrawal, "PO-1", NOW))
               .when(new RecordWithdrawalFailed(withdrawal, "late failure"))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void submissionIsRecordedOnce() {
        fixture.given(requested, new PayoutSubmitted(withdrawal, "PO-1", NOW))
               .when(new RecordPayoutSubmitted(withdrawal, "PO-1"))
               .expectNoEvents();
    }

    @Test
    void onlyAPaidWithdrawalIsReconciledAndOnlyOnce() {
        UUID run = UUID.randomUUID();
        fixture.given(requested)
               .when(new MarkWithdrawalReconciled(withdrawal, run))
               .expectNoEvents()
               .expectResultMessagePayload(false);
        fixture.given(requested, new WithdrawalPaid(withdrawal, "PO-1", NOW))
               .when(new MarkWithdrawalReconciled(withdrawal, run))
               .expectEvents(new WithdrawalReconciled(withdrawal, run, NOW));
        fixture.given(requested, new WithdrawalPaid(withdrawal, "PO-1", NOW), new WithdrawalReconciled(withdrawal, run, NOW))
               .when(new MarkWithdrawalReconciled(withdrawal, UUID.randomUUID()))
               .expectNoEvents();
    }
}
