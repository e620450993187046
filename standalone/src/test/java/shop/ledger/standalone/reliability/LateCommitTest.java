package shop.ledger.standalone.reliability;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
     * The late event's transaction holds the newest transaction id when its neighbour, older, commits a later
     * position. A snapshot's {@code xmax} is one past the newest <em>completed</em> id, not the next one to be handed
     * out, so it does not bound that running transaction: taken as the bound, the running transaction looked ended as
     * soon as it was the oldest one left, and its event was skipped for good.
     */
    @Test
    void anEventOfTheNewestRunningTransactionIsProjected() throws Exception {
        UUID late = UUID.randomUUID();
        UUID neighbour = UUID.randomUUID();
        UUID after = UUID.randomUUID();
        CountDownLatch neighbourHasItsId = new CountDownLatch(1);
        CountDownLatch lateInserted = new CountDownLatch(1);
        CountDownLatch neighbourCommitted = new CountDownLatch(1);
        CountDownLatch afterProjected = new CountDownLatch(1);
        CompletableFuture<Void> neighbourTransaction = CompletableFuture.runAsync(() -> new TransactionTemplate(transactions)
                .executeWithoutResult(status -> {
                    jdbc.sql("SELECT txid_current()").query(Long.class).single(); // the older id
                    neighbourHasItsId.countDown();
                    awaitLatch(lateInserted);
                    eventStore.publish(opened(neighbour, Instant.now())); // the later position
                }));
        CompletableFuture<Void> lateTransaction = CompletableFuture.runAsync(() -> new TransactionTemplate(transactions)
                .executeWithoutResult(status -> {
                    awaitLatch(neighbourHasItsId);
                    eventStore.publish(opened(late, Instant.now())); // the newer id, the earlier position
                    lateInserted.countDown();
                    awaitLatch(neighbourCommitted);
                    awaitLatch(afterProjected); // the processors read past the empty position meanwhile
                }));
        neighbourTransaction.get(10, TimeUnit.SECONDS);
        neighbourCommitted.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> walletView(neighbour) == 1);
        sleep(300);
        new TransactionTemplate(transactions).executeWithoutResult(status -> eventStore.publish(opened(after, Instant.now())));
        await().atMost(Duration.ofSeconds(10)).until(() -> walletView(after) == 1);
        afterProjected.countDown();
        lateTransaction.get(10, TimeUnit.SECONDS);
        assertThat(position(late)).isLessThan(position(neighbour));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(walletView(late)).as("the event of the newest transaction, committed last").isEqualTo(1));
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

    /**
     * Many writers committing in any order, some after long pauses, some rolling back; a stream read from before them
     * all delivers every committed event exactly once and nothing else.
     */
    @Test
    void aStreamDeliversEveryCommittedEventOnceWhateverOrderTheyCommitIn() throws Exception {
        TrackingToken start = eventStore.createHeadToken();
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        for (int w = 0; w < 8; w++) {
            writers.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < until) {
                    UUID wallet = UUID.randomUUID();
                    GenericDomainEventMessage<WalletOpened> event = opened(wallet, random.nextInt(10) == 0
                            ? Instant.now().minus(Duration.ofMinutes(5)) : Instant.now());
                    boolean rollBack = random.nextInt(5) == 0;
                    new TransactionTemplate(transactions).executeWithoutResult(status -> {
                        eventStore.publish(event);
                        sleep(random.nextInt(4) == 0 ? random.nextInt(200) : random.nextInt(5));
                        if (rollBack) {
                            status.setRollbackOnly();
                        }
                    });
                    if (!rollBack) {
                        committed.add(event.getIdentifier());
                    }
                }
                return null;
            });
        }
        try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(start)) {
            writers.shutdown();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !(writers.isTerminated() && delivered.containsAll(committed))) {
                if (stream.hasNextAvailable(100, TimeUnit.MILLISECONDS)) {
                    TrackedEventMessage<?> event = stream.nextAvailable();
                    if (!delivered.add(event.getIdentifier())) {
                        duplicates.incrementAndGet();
                    }
                }
            }
        }
        assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(committed).hasSizeGreaterThan(100);
        assertThat(delivered).as("every committed event, nothing rolled back").containsExactlyInAnyOrderElementsOf(committed);
        assertThat(duplicates).hasValue(0);
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
