package shop.ledger.standalone.reliability;

import org.axonframework.modelling.saga.repository.SagaStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.command.order.OrderFulfilmentSaga;
import shop.ledger.standalone.StandaloneTest;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances taking the same saga at once (a deadline on one command side, an event on another): the second
 * load waits until the first transaction ends, so it reads what the first committed and neither overwrites the
 * other. Two threads of one JVM stand in for the two instances: each loads in its own transaction, past Axon's
 * in-JVM lock, straight from the store as the other instance would.
 */
@StandaloneTest
class SerializedSagaStoreTest {

    @Autowired
    SagaStore<Object> sagaStore;
    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void aSagaIsLoadedByOneTransactionAtATimeAcrossInstances() throws Exception {
        String saga = UUID.randomUUID().toString();
        CountDownLatch firstHasIt = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> inTransaction(() -> {
            sagaStore.loadSaga(OrderFulfilmentSaga.class, saga);
            firstHasIt.countDown();
            awaitQuietly(releaseFirst);
        }));
        assertThat(firstHasIt.await(10, TimeUnit.SECONDS)).isTrue();
        // another saga is not held up by it
        CompletableFuture.runAsync(() -> inTransaction(() ->
                sagaStore.loadSaga(OrderFulfilmentSaga.class, UUID.randomUUID().toString()))).get(5, TimeUnit.SECONDS);

        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> inTransaction(() ->
                sagaStore.loadSaga(OrderFulfilmentSaga.class, saga)));
        Thread.sleep(300);
        assertThat(second).as("waits while the first transaction has the saga").isNotDone();

        releaseFirst.countDown();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
    }

    private void inTransaction(Runnable work) {
        new TransactionTemplate(transactions).executeWithoutResult(status -> work.run());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
