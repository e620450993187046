package shop.ledger.standalone.query;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.MetaData;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.Mismatch;
import shop.ledger.api.withdrawal.Withdrawals.PayoutSubmitted;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalFailed;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPaid;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalRequested;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes withdrawal histories and reconciliation runs straight into the event store, as the Withdrawal and
 * Reconciliation aggregates would (domain events, aggregate id = withdrawal or reconciliation id, increasing
 * sequence numbers), marked like {@link OrderEventsFixture}'s so the withdrawal saga does not see them
 * ({@link ReadSideTest}).
 */
final class WithdrawalEventsFixture {

    /** A payout destination as a customer would give it: it must never show in a read. */
    static final String DESTINATION = "DE89 3704 0044 0532 0130 00";

    private final EventStore eventStore;
    private final KeyVault vault;

    WithdrawalEventsFixture(EventStore eventStore, KeyVault vault) {
        this.eventStore = eventStore;
        this.vault = vault;
    }

    /** One withdrawal's events, built in order and appended together (or in steps). */
    final class Withdrawal {
        final UUID withdrawalId = UUID.randomUUID();
        final UUID customerId;
        final UUID walletId;
        final List<DomainEventMessage<?>> events = new ArrayList<>();
        String encryptedDestination;
        String payoutReference;
        private Instant clock;
        private int published;

        private Withdrawal(UUID customerId, UUID walletId, Instant requestedAt) {
            this.customerId = customerId;
            this.walletId = walletId;
            this.clock = requestedAt;
        }

        Withdrawal requested(long amount, String currency) {
            encryptedDestination = vault.encrypt(customerId, DESTINATION);
            return add(new WithdrawalRequested(withdrawalId, customerId, walletId, Money.of(amount, currency),
                    "BANK_TRANSFER", encryptedDestination, clock));
        }

        Withdrawal submitted(String reference) {
            payoutReference = reference;
            return add(new PayoutSubmitted(withdrawalId, reference, tick()));
        }

        Withdrawal paid() {
            return add(new WithdrawalPaid(withdrawalId, payoutReference, tick()));
        }

        Withdrawal failed(String reason) {
            return add(new WithdrawalFailed(withdrawalId, reason, tick()));
        }

        Withdrawal reconciled(UUID reconciliationId) {
            return add(new WithdrawalReconciled(withdrawalId, reconciliationId, tick()));
        }

        /** When its {@code index}th event happened (the payload's own time). */
        Instant at(int index) {
            return events.get(index).getTimestamp();
        }

        Withdrawal publish() {
            eventStore.publish(events.subList(published, events.size()));
            published = events.size();
            return this;
        }

        private Instant tick() {
            clock = clock.plusSeconds(60);
            return clock;
        }

        private Withdrawal add(Object payload) {
            events.add(new GenericDomainEventMessage<>("Withdrawal", withdrawalId.toString(), events.size(), payload,
                    MetaData.with(OrderEventsFixture.MARKER, true), UUID.randomUUID().toString(), clock));
            return this;
        }
    }

    /** A withdrawal of the customer's, requested at {@code requestedAt} (truncate it to millis). */
    Withdrawal withdrawal(UUID customerId, UUID walletId, Instant requestedAt) {
        return new Withdrawal(customerId, walletId, requestedAt);
    }

    /** Appends a reconciliation run as the Reconciliation aggregate's single event; returns it. */
    DomainEventMessage<?> reconciliation(ReconciliationCompleted run) {
        DomainEventMessage<?> event = new GenericDomainEventMessage<>("Reconciliation",
                run.reconciliationId().toString(), 0, run, MetaData.with(OrderEventsFixture.MARKER, true),
                UUID.randomUUID().toString(), run.completedAt());
        eventStore.publish(event);
        return event;
    }

    static Mismatch mismatch(String reference, UUID withdrawalId, String field, String statement, String ledger) {
        return new Mismatch(reference, withdrawalId, field, statement, ledger);
    }
}
