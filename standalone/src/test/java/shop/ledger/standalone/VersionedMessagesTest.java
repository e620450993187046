package shop.ledger.standalone;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.caching.Cache;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.serialization.Revision;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.WalletCommands.DepositFunds;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.command.wallet.Wallet;
import shop.ledger.standalone.ApiClient.Customer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static shop.ledger.standalone.WalletApiTest.unique;

/**
 * Stored messages outlive the classes that wrote them: a snapshot of another Wallet revision is ignored (the wallet
 * is rebuilt from its events), and events stored before events carried a revision still load.
 */
@StandaloneTest
class VersionedMessagesTest {

    private static final long DEPOSITED = 100;
    /** What a wrongly loaded snapshot would claim: far from what the events say. */
    private static final long SNAPSHOT_CLAIMS = 1_000_000;

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventStorageEngine storageEngine;
    @Autowired
    @Qualifier("eventSerializer")
    Serializer eventSerializer;
    @Autowired
    @Qualifier("walletCache")
    Cache walletCache;
    @Autowired
    PlatformTransactionManager transactions;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
    }

    @Test
    void aSnapshotOfAnotherWalletRevisionIsIgnoredAndTheWalletRebuiltFromItsEvents() {
        Customer customer = customerWithWalletHolding(DEPOSITED);

        assertThat(availableAfterADepositOnTopOfASnapshot(customer, "0")).isEqualTo(DEPOSITED + 1);
    }

    /** The control: the same stale snapshot under the current revision is loaded, so the test above could fail. */
    @Test
    void aSnapshotOfTheCurrentWalletRevisionIsLoaded() {
        Customer customer = customerWithWalletHolding(DEPOSITED);

        assertThat(availableAfterADepositOnTopOfASnapshot(customer, currentWalletRevision()))
                .isEqualTo(SNAPSHOT_CLAIMS + 1);
    }

    /**
     * Stores a snapshot claiming {@link #SNAPSHOT_CLAIMS}, deposits one cent and answers the balance the deposit
     * states, all in a transaction that is rolled back: the shared database keeps no false snapshot and no event
     * built on one (the audit's verify of later tests replays every wallet), and the cache forgets the wallet.
     */
    private long availableAfterADepositOnTopOfASnapshot(Customer customer, String snapshotRevision) {
        try {
            return new TransactionTemplate(transactions).execute(status -> {
                status.setRollbackOnly();
                storeSnapshot(customer, snapshotRevision, SNAPSHOT_CLAIMS);
                return depositOneAndReadAvailableAfter(customer.walletId());
            });
        } finally {
            walletCache.remove(customer.walletId().toString());
        }
    }

    @Test
    void eventsCarryTheirRevisionAndOneStoredWithoutRevisionStillLoads() {
        FundsDeposited event = new FundsDeposited(UUID.randomUUID(), UUID.randomUUID(), Money.of(5, "USD"), "psp-1", 5, 0);
        SerializedObject<byte[]> current = eventSerializer.serialize(event, byte[].class);
        assertThat(current.getType().getRevision()).isEqualTo("1");

        SerializedObject<byte[]> beforeRevisions =
                new SimpleSerializedObject<>(current.getData(), byte[].class, current.getType().getName(), null);
        assertThat(eventSerializer.<byte[], FundsDeposited>deserialize(beforeRevisions)).isEqualTo(event);
    }

    /** Through the event store: a wallet whose rows have no revision (rolled back, so the hash chain stays intact). */
    @Test
    void aWalletStoredBeforeEventsCarriedARevisionStillReads() {
        UUID walletId = customerWithWalletHolding(DEPOSITED).walletId();
        List<Object> payloads = new TransactionTemplate(transactions).execute(status -> {
            status.setRollbackOnly();
            int rows = jdbc.sql("UPDATE domainevententry SET payloadrevision = NULL WHERE aggregateidentifier = ?")
                           .param(walletId.toString()).update();
            assertThat(rows).isEqualTo(2);
            return storageEngine.readEvents(walletId.toString()).asStream().<Object>map(DomainEventMessage::getPayload).toList();
        });
        assertThat(payloads).hasSize(2);
        assertThat(payloads.get(1)).isInstanceOfSatisfying(FundsDeposited.class,
                deposited -> assertThat(deposited.availableAfter()).isEqualTo(DEPOSITED));
    }

    private Customer customerWithWalletHolding(long amount) {
        Customer customer = api.register(unique("revision"));
        commands.sendAndWait(new DepositFunds(customer.walletId(), UUID.randomUUID(), Money.of(amount, "USD"), unique("psp")));
        return customer;
    }

    /** A snapshot after the wallet's last event (WalletOpened at 0, the deposit at 1) that claims another balance. */
    private void storeSnapshot(Customer customer, String revision, long available) {
        UUID walletId = customer.walletId();
        String aggregateType = jdbc.sql("SELECT type FROM domainevententry WHERE aggregateidentifier = ? AND sequencenumber = 0")
                                   .param(walletId.toString()).query(String.class).single();
        String state = """
                {"walletId":"%s","customerId":"%s","currency":"USD","available":%d,"held":0,
                 "openReservations":{},"settledReservations":[]}""".formatted(walletId, customer.customerId(), available);
        jdbc.sql("""
                         INSERT INTO snapshotevententry (aggregateidentifier, sequencenumber, type, eventidentifier, metadata,
                                                         payload, payloadrevision, payloadtype, timestamp)
                         VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)""")
            .params(walletId.toString(), aggregateType, UUID.randomUUID().toString(), "{}".getBytes(StandardCharsets.UTF_8),
                    state.getBytes(StandardCharsets.UTF_8), revision, Wallet.class.getName(), Instant.now().toString())
            .update();
        // the next command must load the wallet from the store, not take it from the cache
        walletCache.remove(walletId.toString());
    }

    private long depositOneAndReadAvailableAfter(UUID walletId) {
        commands.sendAndWait(new DepositFunds(walletId, UUID.randomUUID(), Money.of(1, "USD"), unique("psp")));
        return storageEngine.readEvents(walletId.toString(), 2).asStream()
                            .map(DomainEventMessage::getPayload)
                            .map(FundsDeposited.class::cast)
                            .findFirst().orElseThrow()
                            .availableAfter();
    }

    private static String currentWalletRevision() {
        return Wallet.class.getAnnotation(Revision.class).value();
    }
}
