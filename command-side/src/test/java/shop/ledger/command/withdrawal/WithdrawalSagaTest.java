package shop.ledger.command.withdrawal;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.RecordWithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.RecordPayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.command.payout.PayoutPort;
import shop.ledger.command.payout.PayoutPort.Payout;
import shop.ledger.command.payout.PayoutPort.PayoutRequest;
import shop.ledger.command.payout.PayoutPort.PayoutState;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The withdrawal saga's paths with Axon's SagaTestFixture: answers, lost answers, chasing, and the end. */
class WithdrawalSagaTest {

    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    /** A provider that answers what the test scripts, and remembers every submission. */
    static class ScriptedProvider implements PayoutPort {
        final Deque<Optional<Payout>> submits = new ArrayDeque<>();
        final Deque<Optional<Payout>> statuses = new ArrayDeque<>();
        final List<PayoutRequest> received = new ArrayList<>();
        /** Answers every call with HTTP 401, as with a wrong API key. */
        volatile boolean refuseEverything;

        @Override
        public Optional<Payout> submit(PayoutRequest request) {
            received.add(request);
            if (refuseEverything) {
                throw new PayoutRefused(401, "the payout provider refused the submit with HTTP 401");
            }
            return submits.isEmpty() ? Optional.empty() : submits.poll();
        }

        @Override
        public Optional<Payout> status(String idempotencyReference) {
            if (refuseEverything) {
                throw new PayoutRefused(401, "the payout provider refused the status with HTTP 401");
            }
            return statuses.isEmpty() ? Optional.empty() : statuses.poll();
        }
    }

    SagaTestFixture<WithdrawalSaga> fixture;
    ScriptedProvider provider;
    KeyVault vault;
    UUID withdrawal;
    UUID customer;
    WithdrawalRequested requested;

    @BeforeEach
    void setUp() {
        vault = CommandTestDatabase.vault();
        provider = new ScriptedProvider();
        withdrawal = UUID.randomUUID();
        customer = UUID.randomUUID();
        vault.createKey(customer);
        fixture = new SagaTestFixture<>(WithdrawalSaga.class);
        fixture.registerResource(provider);
        fixture.registerResource(vault);
        fixture.registerResource(new PayoutSettings(Duration.ofSeconds(10), Duration.ofMinutes(1), 3));
        fixture.registerCommandGateway(CommandGateway.class);
        requested = new WithdrawalRequested(withdrawal, customer, UUID.randomUUID(), Money.of(5000, "USD"),
                "BANK_TRANSFER", vault.encrypt(customer, "DE89 3704 0044 0532 0130 00"), T0);
    }

    @Test
    void aWithdrawalIsSubmittedWithItsIdAsIdempotencyReferenceAndChased() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        fixture.givenNoPriorActivity()
               .whenPublishingA(requested)
               .expectDispatchedCommands(new RecordPayoutSubmitted(withdrawal, "PO-1"))
               .expectScheduledDeadlineWithName(Duration.ofSeconds(10), WithdrawalSaga.CHASE);
        assertThat(provider.received).containsExactly(new PayoutRequest(withdrawal.toString(), Money.of(5000, "USD"),
                "BANK_TRANSFER", "DE89 3704 0044 0532 0130 00"));
    }

    @Test
    void anImmediatePaymentIsRecorded() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PAID, null)));
        fixture.givenNoPriorActivity()
               .whenPublishingA(requested)
               .expectDispatchedCommands(new RecordPayoutSubmitted(withdrawal, "PO-1"),
                       new RecordWithdrawalPaid(withdrawal, "PO-1"));
    }

    @Test
    void aLostAnswerIsSubmittedAgainUnderTheSameReferenceAndNeverPaysTwice() {
        provider.submits.add(Optional.empty());
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        fixture.givenNoPriorActivity()
               .whenPublishingA(requested)
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofSeconds(10))
               .expectDispatchedCommands(new RecordPayoutSubmitted(withdrawal, "PO-1"))
               .expectScheduledDeadlineWithName(Duration.ofSeconds(20), WithdrawalSaga.CHASE);
        assertThat(provider.received).hasSize(2)
                                     .extracting(PayoutRequest::idempotencyReference)
                                     .containsOnly(withdrawal.toString());
    }

    @Test
    void aChaseFindsThePayoutPaidOrFailed() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        provider.statuses.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        provider.statuses.add(Optional.of(new Payout("PO-1", PayoutState.FAILED, "account closed")));
        fixture.givenAPublished(requested)
               .whenTimeElapses(Duration.ofSeconds(10))
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofSeconds(20))
               .expectDispatchedCommands(new RecordWithdrawalFailed(withdrawal, "account closed"));
    }

    @Test
    void aRefusalQuotingTheDestinationIsRecordedWithoutIt() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        provider.statuses.add(Optional.of(new Payout("PO-1", PayoutState.FAILED,
                "IBAN DE89 3704 0044 0532 0130 00 closed (DE89370400440532013000)")));
        fixture.givenAPublished(requested)
               .whenTimeElapses(Duration.ofSeconds(10))
               .expectDispatchedCommands(new RecordWithdrawalFailed(withdrawal, "IBAN [destination] closed ([destination])"));
    }

    @Test
    void aRefusalAfterTheErasureKeepsNoTextOfTheProvider() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        provider.statuses.add(Optional.of(new Payout("PO-1", PayoutState.FAILED, "IBAN DE89 3704 0044 0532 0130 00 closed")));
        fixture.givenAPublished(requested);
        vault.erase(customer);
        fixture.whenTimeElapses(Duration.ofSeconds(10))
               .expectDispatchedCommands(new RecordWithdrawalFailed(withdrawal, WithdrawalSaga.REFUSED));
    }

    @Test
    void aLostSubmissionIsNeverFailedBlindlyAfterAnErasure() {
        provider.submits.add(Optional.empty()); // the answer was lost: the provider may hold the payout
        fixture.givenAPublished(requested);
        vault.erase(customer);
        fixture.whenTimeElapses(Duration.ofSeconds(10))
               .expectNoDispatchedCommands()
               .expectScheduledDeadlineWithName(Duration.ofSeconds(20), WithdrawalSaga.CHASE);
        assertThat(provider.received).as("no second submission without the destination").hasSize(1);
    }

    @Test
    void aWithdrawalOfAnErasedCustomerIsNeverSubmitted() {
        vault.erase(customer);
        fixture.givenNoPriorActivity()
               .whenPublishingA(requested)
               .expectDispatchedCommands(new RecordWithdrawalFailed(withdrawal, "the customer's data was erased"));
        assertThat(provider.received).isEmpty();
    }

    @Test
    void aProviderThatKeepsRefusingFlagsTheWithdrawalOnceAndIsThenAskedOnlyAtTheSlowestPace() {
        provider.refuseEverything = true;
        fixture.givenNoPriorActivity()
               .whenPublishingA(requested)
               .expectNoDispatchedCommands()
               .expectScheduledDeadlineWithName(Duration.ofSeconds(10), WithdrawalSaga.CHASE);
        // each chase: the status query is refused (the submission is not even reached)
        fixture.whenTimeElapses(Duration.ofSeconds(10))
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofSeconds(20))
               .expectDispatchedCommands(new MarkWithdrawalNeedsAttention(withdrawal, "the payout provider refused the "
                       + "status with HTTP 401 (3 times in a row); the payout is asked about again every PT1M"))
               .expectScheduledDeadlineWithName(Duration.ofMinutes(1), WithdrawalSaga.CHASE);
        fixture.whenTimeElapses(Duration.ofMinutes(1))
               .expectNoDispatchedCommands() // told once
               .expectScheduledDeadlineWithName(Duration.ofMinutes(1), WithdrawalSaga.CHASE);

        provider.refuseEverything = false; // the key is fixed: the next look finds the payout and goes on
        provider.statuses.add(Optional.of(new Payout("PO-1", PayoutState.PAID, null)));
        fixture.whenTimeElapses(Duration.ofMinutes(1))
               .expectDispatchedCommands(new RecordPayoutSubmitted(withdrawal, "PO-1"), new RecordWithdrawalPaid(withdrawal, "PO-1"));
    }

    @Test
    void theSagaEndsWhenThePayoutIsSettled() {
        provider.submits.add(Optional.of(new Payout("PO-1", PayoutState.PENDING, null)));
        fixture.givenAPublished(requested)
               .whenPublishingA(new WithdrawalPaid(withdrawal, "PO-1", T0.plusSeconds(30)))
               .expectActiveSagas(0)
               .expectNoScheduledDeadlines();
    }
}
