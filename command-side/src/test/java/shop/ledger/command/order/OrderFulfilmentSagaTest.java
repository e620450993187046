package shop.ledger.command.order;

import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shop.ledger.api.common.Money;
import shop.ledger.api.order.OrderCommands.CompleteOrder;
import shop.ledger.api.order.OrderCommands.MarkOrderNeedsAttention;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmissionFailed;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmitted;
import shop.ledger.api.order.OrderCommands.RejectOrder;
import shop.ledger.api.order.OrderCommands.StartSubmission;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.command.supplier.SupplierPort;
import shop.ledger.command.supplier.SupplierPort.Progress;
import shop.ledger.command.supplier.SupplierPort.Status;
import shop.ledger.command.supplier.SupplierPort.Submission;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.db.OwnTransaction;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The fulfilment saga's every path with Axon's SagaTestFixture, deadlines included. */
class OrderFulfilmentSagaTest {

    static final String IMEI = "490154203237518";
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final FulfilmentSettings SETTINGS =
            new FulfilmentSettings(3, Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofMinutes(2), 3);

    SagaTestFixture<OrderFulfilmentSaga> fixture;
    ScriptedSupplier supplier;
    KeyVault vault;
    UUID order;
    UUID customer;
    OrderPlaced placed;
    OrderSubmitted submitted;

    @BeforeEach
    void setUp() {
        vault = CommandTestDatabase.vault();
        supplier = new ScriptedSupplier();
        order = UUID.randomUUID();
        customer = UUID.randomUUID();
        vault.createKey(customer);
        fixture = new SagaTestFixture<>(OrderFulfilmentSaga.class);
        fixture.registerResource(new SupplierCalls(supplier, OwnTransaction.standalone(CommandTestDatabase.dataSource())));
        fixture.registerResource(vault);
        fixture.registerResource(SETTINGS);
        fixture.registerCommandGateway(org.axonframework.commandhandling.gateway.CommandGateway.class);
        placed = new OrderPlaced(order, customer, UUID.randomUUID(), UUID.randomUUID(), "Carrier unlock",
                vault.encrypt(customer, IMEI), vault.encrypt(customer, "{\"network\":\"AT&T USA\"}"),
                Money.of(1500, "USD"), "P3D", "simulator", "1001");
        submitted = new OrderSubmitted(order, 1, "REF-1", T0, T0.plus(Duration.ofDays(3)));
    }

    @Test
    void aPlacedOrderIsForwardedAutomatically() {
        fixture.givenNoPriorActivity()
               .whenPublishingA(placed)
               .expectActiveSagas(1)
               .expectDispatchedCommands(new StartSubmission(order));
    }

    @Test
    void anOrderOfAnErasedCustomerIsRejectedAtOnceAndNeverSent() {
        vault.erase(customer);
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new RecordOrderSubmissionFailed(order, 1, "the customer's data was erased", false));
        assertThat(supplier.received).as("nothing reaches the supplier").isEmpty();
    }

    @Test
    void anAttemptSentBeforeTheErasureGoesToStaffNotRejected() {
        // a run that claimed and sent the attempt died before recording the answer; then the customer was erased
        CommandTestDatabase.jdbc().sql("INSERT INTO supplier_call (order_id, attempt) VALUES (?, 1)").param(order).update();
        vault.erase(customer);
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new MarkOrderNeedsAttention(order, 1,
                       "attempt 1 was sent before and its answer was never recorded"));
    }

    @Test
    void onlyTheServiceTheImeiAndTheNeededFieldsGoToTheSupplier() {
        supplier.placements.add(new SupplierPort.Accepted("REF-1"));
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new RecordOrderSubmitted(order, 1, "REF-1"));
        assertThat(supplier.received).containsExactly(new Submission("1001", IMEI, null, "AT&T USA", null));
    }

    @Test
    void aDefiniteErrorIsRetriedAfterABackoffABoundedNumberOfTimes() {
        supplier.placements.add(new SupplierPort.Refused("Service temporarily disabled"));
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new RecordOrderSubmissionFailed(order, 1, "Service temporarily disabled", true));

        supplier.placements.add(new SupplierPort.Refused("Service temporarily disabled"));
        fixture.givenAPublished(placed)
               .andThenAPublished(new OrderSubmissionStarted(order, 3))
               .whenPublishingA(new OrderSubmissionStarted(order, 3))
               .expectDispatchedCommands(new MarkOrderNeedsAttention(order, 3,
                       "attempt 3 was sent before and its answer was never recorded"));
    }

    @Test
    void theLastAttemptsErrorGivesUp() {
        supplier.placements.add(new SupplierPort.Refused("Invalid IMEI for this service"));
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 3))
               .expectDispatchedCommands(new RecordOrderSubmissionFailed(order, 3, "Invalid IMEI for this service", false));
    }

    @Test
    void aRetryIsAPersistedDeadlineThatStartsTheNextAttempt() {
        fixture.givenAPublished(placed)
               .andThenAPublished(new OrderSubmissionStarted(order, 1))
               .andThenAPublished(new OrderSubmissionFailed(order, 1, "busy", true))
               .whenTimeElapses(Duration.ofSeconds(30))
               .expectTriggeredDeadlinesWithName(OrderFulfilmentSaga.RETRY_SUBMISSION)
               .expectDispatchedCommands(new StartSubmission(order));
    }

    @Test
    void aLostAnswerIsNeverRetriedBlindly() {
        supplier.placements.add(new SupplierPort.Unknown("read timed out"));
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new MarkOrderNeedsAttention(order, 1, "read timed out"));
        assertThat(supplier.received).hasSize(1);
    }

    @Test
    void aRedeliveredSubmissionEventDoesNotCallTheSupplierAgain() {
        // the first delivery called the supplier, then the process died before its outcome was recorded
        supplier.placements.add(new SupplierPort.Accepted("REF-1"));
        fixture.givenAPublished(placed)
               .andThenAPublished(new OrderSubmissionStarted(order, 1))
               .whenPublishingA(new OrderSubmissionStarted(order, 1))
               .expectDispatchedCommands(new MarkOrderNeedsAttention(order, 1,
                       "attempt 1 was sent before and its answer was never recorded"));
        assertThat(supplier.received).as("one call at the supplier, never two").hasSize(1);
    }

    @Test
    void anAcceptedOrderIsPolledWithBackoffUntilTheSupplierDecides() {
        supplier.statuses.add(Optional.of(new Status(Progress.IN_PROCESS, null)));
        supplier.statuses.add(Optional.empty()); // the supplier could not be asked: ask again later
        supplier.statuses.add(Optional.of(new Status(Progress.COMPLETED, "NCK: 1234-5678")));
        fixture.givenAPublished(placed)
               .andThenAPublished(submitted)
               .whenTimeElapses(Duration.ofSeconds(15))
               .expectTriggeredDeadlinesWithName(OrderFulfilmentSaga.POLL_SUPPLIER)
               .expectScheduledDeadlineWithName(Duration.ofSeconds(30), OrderFulfilmentSaga.POLL_SUPPLIER)
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofSeconds(30))
               .expectScheduledDeadlineWithName(Duration.ofSeconds(60), OrderFulfilmentSaga.POLL_SUPPLIER)
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofSeconds(60))
               .expectDispatchedCommands(new CompleteOrder(order, "NCK: 1234-5678"));
        assertThat(supplier.polled).containsExactly("REF-1", "REF-1", "REF-1");
    }

    @Test
    void pollingBacksOffNoFurtherThanTheMaximum() {
        for (int i = 0; i < 6; i++) {
            supplier.statuses.add(Optional.of(new Status(Progress.IN_PROCESS, null)));
        }
        fixture.givenAPublished(placed)
               .andThenAPublished(submitted)
               // polls after 15 s, then 30, 60 and 120 s: the next one waits the 2-minute maximum, not 240 s
               .whenTimeElapses(Duration.ofSeconds(15 + 30 + 60 + 120))
               .expectScheduledDeadlineWithName(Duration.ofMinutes(2), OrderFulfilmentSaga.POLL_SUPPLIER);
        assertThat(supplier.polled).hasSize(4);
    }

    @Test
    void aSupplierThatKeepsRefusingTheStatusQueryEscalatesToStaffInsteadOfBeingPolledForever() {
        supplier.statuses.add(Optional.of(new Status(Progress.REFUSED, "Invalid Order ID")));
        supplier.statuses.add(Optional.of(new Status(Progress.IN_PROCESS, null))); // a readable status resets the count
        supplier.statuses.add(Optional.of(new Status(Progress.REFUSED, "Invalid Order ID")));
        supplier.statuses.add(Optional.empty()); // unreadable: neither counts nor resets
        supplier.statuses.add(Optional.of(new Status(Progress.REFUSED, "Invalid Order ID")));
        supplier.statuses.add(Optional.of(new Status(Progress.REFUSED, "Invalid Order ID")));
        fixture.givenAPublished(placed)
               .andThenAPublished(submitted)
               .whenTimeElapses(Duration.ofSeconds(15 + 30 + 60 + 120 + 120))
               .expectNoDispatchedCommands();
        fixture.whenTimeElapses(Duration.ofMinutes(2))
               .expectDispatchedCommands(new MarkSubmittedOrderNeedsAttention(order, "REF-1", "the supplier answered the status "
                       + "query with an error 3 times in a row; check the order at the supplier"))
               .expectNoScheduledDeadlines();
        assertThat(supplier.polled).hasSize(6);
    }

    @Test
    void aSupplierRejectionIsRecorded() {
        supplier.statuses.add(Optional.of(new Status(Progress.REJECTED, "IMEI is blacklisted")));
        fixture.givenAPublished(placed)
               .andThenAPublished(submitted)
               .whenTimeElapses(Duration.ofSeconds(15))
               .expectTriggeredDeadlinesWithName(OrderFulfilmentSaga.POLL_SUPPLIER)
               .expectDispatchedCommands(new RejectOrder(order, "IMEI is blacklisted"));
    }

    @Test
    void theSagaEndsWithTheOrderAndItsDeadlinesGo() {
        fixture.givenAPublished(placed)
               .andThenAPublished(submitted)
               .whenPublishingA(new OrderCompleted(order, "x", T0))
               .expectActiveSagas(0)
               .expectNoScheduledDeadlines();
        fixture.givenAPublished(placed)
               .whenPublishingA(new OrderCancelled(order, "cancelled by the customer", T0))
               .expectActiveSagas(0);
    }

    @Test
    void aNeedsAttentionOrderWaitsForStaffAndIsFollowedOnceFound() {
        fixture.givenAPublished(placed)
               .andThenAPublished(new OrderSubmissionStarted(order, 1))
               .andThenAPublished(new OrderNeedsAttention(order, 1, "timeout"))
               .whenPublishingA(new OrderSubmitted(order, 1, "REF-FOUND", T0, T0.plus(Duration.ofDays(3))))
               .expectActiveSagas(1)
               .expectScheduledDeadlineWithName(Duration.ofSeconds(15), OrderFulfilmentSaga.POLL_SUPPLIER);
    }
}
