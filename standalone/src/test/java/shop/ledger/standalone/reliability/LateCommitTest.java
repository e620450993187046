package shop.ledger.standalone.reliability;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.WrappedToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.MetaData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;
import shop.ledger.standalone.StandaloneTest;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An event whose transaction commits after a later-numbered one (concurrent appends: the global index is taken at
 * insert, the commit comes later) still reaches every processor, whatever the time stamps of the events around it.
 */
@StandaloneTest
class LateCommitTest {

    @Autowired
    EventStore eventStore;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    EventProcessingConfiguration processing;

    @Test
    void anEventCommittedAfterALaterOneIsProjected() throws Exception {
        lateCommitBeside(Instant.now());
    }

    /**
     * The later event was made long before it was stored (a command that waited for a lock, a slow batch): Axon's
     * JDBC event store used to take such an event's age as proof that every position below it was settled, and
     * dropped the gap of the transaction still running there: its event was never handled.
     */
    @Test
    void anEventCommittedAfterALaterOneThatLooksOldIsProjected() throws Exception {
        lateCommitBeside(Instant.now().minus(Duration.ofMinutes(10)));
    }

    /**
     * A position whose transaction rolled back stays empty for ever: the processors forget it as soon as PostgreSQL
     * shows that no transaction that could fill it is still running, so tokens do not carry it for long.
     */
    @Test
    void aRolledBackPositionIsForgottenByEveryToken() {
        UUID rolledBack = UUID.randomUUID();
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            eventStore.publish(opened(rolledBack, Instant.now()));
            status.setRollbackOnly();
        });
        long empty = jdbc.sql("SELECT last_value FROM domainevententry_globalindex_seq").query(Long.class).single();
        UUID after = UUID.randomUUID();
        new TransactionTemplate(transactions).executeWithoutResult(status -> eventStore.publish(opened(after, Instant.now())));
        await().atMost(Duration.ofSeconds(10)).until(() -> walletView(after) == 1);

        StreamingEventProcessor wallets = (StreamingEventProcessor) processing.eventProcessor("wallets").orElseThrow();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            // a later event carries the token without the gap
            UUID later = UUID.randomUUID();
            new TransactionTemplate(transactions).executeWithoutResult(status -> eventStore.publish(opened(later, Instant.now())));
            await().atMost(Duration.ofSeconds(5)).until(() -> walletView(later) == 1);
            assertThat(wallets.processingStatus().values()).allSatisfy(segment -> assertThat(
                    ((GapAwareTrackingToken) WrappedToken.unwrapLowerBound(segment.getTrackingToken())).getGaps())
                    .doesNotContain(empty));
        });
        assertThat(position(rolledBack)).isNull();
    }

    private void lateCommitBeside(Instant neighbourMadeAt) throws Exception {
        UUID late = UUID.randomUUID();
        UUID neighbour = UUID.randomUUID();
        CountDownLatch inserted = new CountDownLatch(1);
        CountDownLatch neighbourCommitted = new CountDownLatch(1);
        CompletableFuture<Void> slow = CompletableFuture.runAsync(() -> new TransactionTemplate(transactions)
                .executeWithoutResult(status -> {
                    eventStore.publish(opened(late, Instant.now()));
                    inserted.countDown();
                    awaitLatch(neighbourCommitted);
                    sleep(500); // the processors have read the neighbour and passed over the empty position
                }));
        assertThat(inserted.await(10, TimeUnit.SECONDS)).isTrue();
        new TransactionTemplate(transactions).executeWithoutResult(status ->
                eventStore.publish(opened(neighbour, neighbourMadeAt)));
        assertThat(position(neighbour)).as("numbered after the late one").isNotNull();
        neighbourCommitted.countDown();
        slow.get(10, TimeUnit.SECONDS);
        assertThat(position(late)).isLessThan(position(neighbour));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(walletView(neighbour)).isEqualTo(1);
            assertThat(walletView(late)).as("the event committed late").isEqualTo(1);
        });
    }

    private static GenericDomainEventMessage<WalletOpened> opened(UUID wallet, Instant at) {
        return new GenericDomainEventMessage<>("Wallet", wallet.toString(), 0,
                new WalletOpened(wallet, UUID.randomUUID(), "USD"), MetaData.emptyInstance(),
                UUID.randomUUID().toString(), at);
    }

    private Long position(UUID wallet) {
        return jdbc.sql("SELECT globalIndex FROM domainevententry WHERE aggregateIdentifier = ?")
                   .param(wallet.toString()).query(Long.class).optional().orElse(null);
    }

    private long walletView(UUID wallet) {
        return jdbc.sql("SELECT count(*) FROM wallet_view WHERE wallet_id = ?").param(wallet).query(Long.class).single();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
