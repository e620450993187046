package shop.ledger.bench;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.messaging.MetaData;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.api.common.Actor;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.api.wallet.WalletEvents.FundsReserved;
import shop.ledger.api.wallet.WalletEvents.ReservationCaptured;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Seeds large event volumes fast, through the ledger's own event storage engine: the same serializer, the same
 * table, the same hash-chain trigger, in transactions of {@link #BATCH} events. The events are exactly the
 * Wallet's (opened, then deposit, reserve, capture cycles with correct running balances, as the aggregate would
 * decide them), with the metadata a command would give them (correlation, causation, actor). What this path
 * skips is only the aggregate's decision and one commit per event; the commands phases measure those.
 */
final class EventStoreSeeder {

    static final int BATCH = 1_000;
    private static final String AGGREGATE_TYPE = "Wallet";

    private final EventStorageEngine engine;
    private final TransactionTemplate transactions;

    EventStoreSeeder(EventStorageEngine engine, PlatformTransactionManager transactionManager) {
        this.engine = engine;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /** Appends a new wallet's whole history of {@code events} events; returns the wallet id. */
    UUID wallet(int events) {
        UUID walletId = UUID.randomUUID();
        List<DomainEventMessage<?>> batch = new ArrayList<>(BATCH);
        long available = 0;
        long held = 0;
        UUID reservation = null;
        for (long sequence = 0; sequence < events; sequence++) {
            Object payload;
            if (sequence == 0) {
                payload = new WalletOpened(walletId, UUID.randomUUID(), Wallets.CURRENCY);
            } else {
                long step = (sequence - 1) % 3;
                if (step == 0) {
                    available += 1_000;
                    payload = new FundsDeposited(walletId, UUID.randomUUID(), Money.of(1_000, Wallets.CURRENCY),
                            "bench-seed-" + UUID.randomUUID(), available, held);
                } else if (step == 1) {
                    reservation = UUID.randomUUID();
                    available -= 300;
                    held += 300;
                    payload = new FundsReserved(walletId, reservation, Money.of(300, Wallets.CURRENCY),
                            ReservationPurpose.ORDER, UUID.randomUUID(), available, held);
                } else {
                    held -= 300;
                    payload = new ReservationCaptured(walletId, reservation, Money.of(300, Wallets.CURRENCY),
                            ReservationPurpose.ORDER, UUID.randomUUID(), available, held);
                }
            }
            batch.add(new GenericDomainEventMessage<>(AGGREGATE_TYPE, walletId.toString(), sequence, payload,
                    metaData()));
            if (batch.size() == BATCH) {
                append(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        if (!batch.isEmpty()) {
            append(batch);
        }
        return walletId;
    }

    private void append(List<DomainEventMessage<?>> batch) {
        transactions.executeWithoutResult(status -> engine.appendEvents(batch));
    }

    /** What LedgerMetaData gives an event a command caused. */
    private static MetaData metaData() {
        String command = UUID.randomUUID().toString();
        Map<String, Object> data = new HashMap<>();
        data.put(Actor.CORRELATION_ID, command);
        data.put(Actor.CAUSATION_ID, command);
        data.put(Actor.ACTOR, Actor.SYSTEM);
        return MetaData.from(data);
    }
}
