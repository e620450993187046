package shop.ledger.standalone.reliability;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.order.OrderCommands.StartSubmission;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import shop.ledger.standalone.seed.CatalogueSeed;
import shop.ledger.standalone.testing.RequestPauses;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request holds the aggregates it changed until its transaction ends (RELIABILITY.md finding 11): its command runs
 * in a unit of work nested in the request's root unit of work, whose cleanup releases the aggregate's lock only after
 * COMMIT. A saga step racing a request on the same order waits for that lock, then loads the order with the
 * request's event; it no longer loads it without, appends at the same sequence and fails its batch with "sequence
 * [n] was already inserted".
 */
@StandaloneTest
class RequestHoldsAggregateLockTest {

    static final UUID UNLOCK = CatalogueSeed.serviceId("1001");

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    RequestPauses pauses;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        simulatorFaults("ERROR"); // the supplier refuses: the order waits PENDING for its next attempt (10 s)
    }

    @AfterEach
    void tearDown() {
        simulatorFaults("OK");
    }

    @Test
    void aSagaStepRacingARequestOnTheSameOrderWaitsForItsCommitAndSeesItsEvent() throws Exception {
        Customer customer = api.register("lock-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(api.deposit(api.adminToken(), customer.walletId(), 5_000, "psp-" + UUID.randomUUID()).status())
                .isEqualTo(201);
        Response placed = api.post("/api/orders", customer.token(),
                ApiClient.json(Map.of("serviceId", UNLOCK, "imei", imei())));
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        UUID orderId = UUID.fromString(placed.text("orderId"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events(orderId).contains("OrderSubmissionFailed"));
        List<String> before = events(orderId);

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            // the customer's cancel, held after its command ran and before its transaction commits
            String pauseName = UUID.randomUUID().toString();
            RequestPauses.Pause pause = pauses.arm(pauseName);
            Future<Response> cancel = threads.submit(() -> api.post("/api/orders/" + orderId + "/cancel",
                    customer.token(), "{}", Map.of(RequestPauses.HEADER, pauseName)));
            assertThat(pause.awaitArrival()).as("the cancel reached its pause").isTrue();

            // the saga's next submission attempt, sent from another thread in a unit of work of its own
            AtomicReference<Thread> sagaThread = new AtomicReference<>();
            CompletableFuture<Object> sagaStep = CompletableFuture.supplyAsync(() -> {
                sagaThread.set(Thread.currentThread());
                return commands.sendAndWait(new StartSubmission(orderId));
            }, threads);
            // it blocks: on the order's lock (held until the request ends), or, were the lock let go at the end of the
            // command, in the database, appending after an order loaded without the cancel
            await().atMost(Duration.ofSeconds(10)).until(() -> waitsForAggregateLock(sagaThread.get())
                                                               || waitsToAppendEvents(sagaThread.get()));
            boolean waitedForTheLock = waitsForAggregateLock(sagaThread.get());
            assertThat(sagaStep).as("the saga step waits while the request holds the order").isNotDone();

            pause.release();
            Response cancelled = cancel.get(30, TimeUnit.SECONDS);
            assertThat(cancelled.status()).as(cancelled.raw().body()).isEqualTo(200);
            Object submitted = sagaStep.get(30, TimeUnit.SECONDS); // a ConcurrencyException ("already inserted") before
            assertThat(submitted).as("the step saw the cancel: nothing to submit").isEqualTo(false);
            assertThat(waitedForTheLock).as("the step waited for the order's lock").isTrue();
        } finally {
            threads.shutdownNow();
        }
        List<String> expected = new java.util.ArrayList<>(before);
        expected.add("OrderCancelled");
        assertThat(events(orderId)).as("the cancel at the next sequence, no submission after it").isEqualTo(expected);
    }

    /** Parked in Axon's pessimistic lock factory, i.e. waiting for the aggregate's lock. */
    private static boolean waitsForAggregateLock(Thread thread) {
        return thread != null && Arrays.stream(thread.getStackTrace())
                                       .anyMatch(frame -> frame.getClassName().contains("PessimisticLockFactory"));
    }

    /** In the event store's append, waiting for the database (the stream's lock, taken by the insert trigger). */
    private static boolean waitsToAppendEvents(Thread thread) {
        return thread != null && Arrays.stream(thread.getStackTrace())
                                       .anyMatch(frame -> frame.getMethodName().equals("appendEvents"));
    }

    private List<String> events(UUID orderId) {
        return jdbc.sql("""
                            SELECT substring(payloadtype from '[A-Za-z]+$') FROM domainevententry
                            WHERE aggregateidentifier = ? ORDER BY sequencenumber""")
                   .param(orderId.toString()).query(String.class).list();
    }

    private void simulatorFaults(String placeMode) {
        Response response = api.post("/simulator/dhru/control/faults", api.adminToken(),
                ApiClient.json(Map.of("placeMode", placeMode, "statusMode", "OK")));
        assertThat(response.status()).as(response.raw().body()).isBetween(200, 299);
    }

    private static String imei() {
        StringBuilder digits = new StringBuilder("35");
        while (digits.length() < 14) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (shop.ledger.api.common.Imei.isValid(digits + Integer.toString(check))) {
                return digits + Integer.toString(check);
            }
        }
        throw new IllegalStateException();
    }
}
