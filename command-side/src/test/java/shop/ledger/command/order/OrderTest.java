package shop.ledger.command.order;

import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.matchers.Matchers;
import org.axonframework.test.utils.RecordingCommandBus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceDefined;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.catalogue.Catalogue.SupplierService;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.order.OrderCommands.CancelOrder;
import shop.ledger.api.order.OrderCommands.CompleteOrder;
import shop.ledger.api.order.OrderCommands.MarkOrderNeedsAttention;
import shop.ledger.api.order.OrderCommands.OrderFields;
import shop.ledger.api.order.OrderCommands.PlaceOrder;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmissionFailed;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmitted;
import shop.ledger.api.order.OrderCommands.RejectOrder;
import shop.ledger.api.order.OrderCommands.ResolveByRejecting;
import shop.ledger.api.order.OrderCommands.ResolveWithReference;
import shop.ledger.api.order.OrderCommands.StartSubmission;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderResolvedByStaff;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.command.catalogue.CatalogueService;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Order's rules (R2, R3, R8) with Axon's fixture. Wallet commands go to a recording bus: what this
 * test proves is which money movement each decision asks for, and that it asks only once.
 */
class OrderTest {

    static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
    static final String VALID_IMEI = "490154203237518";
    static final UUID SERVICE = UUID.randomUUID();
    static final Money PRICE = Money.of(1500, "USD");

    AggregateTestFixture<Order> fixture;
    RecordingCommandBus walletBus;
    KeyVault vault;
    UUID order;
    UUID customer;
    UUID wallet;
    OrderPlaced placed;

    @BeforeEach
    void setUp() {
        vault = CommandTestDatabase.vault();
        order = UUID.randomUUID();
        customer = UUID.randomUUID();
        wallet = UUID.randomUUID();
        vault.createKey(customer);
        walletBus = new RecordingCommandBus();
        fixture = new AggregateTestFixture<>(Order.class);
        fixture.registerAnnotatedCommandHandler(new OrderCommandHandlers(fixture.getRepository(),
                catalogue(offer(true, new Requirements(true, false, false, false))),
                DefaultCommandGateway.builder().commandBus(walletBus).build(), vault, CommandTestDatabase.jdbc(),
                Clock.fixed(NOW, ZoneOffset.UTC), new OrderMoney(DefaultCommandGateway.builder().commandBus(walletBus).build(),
                CommandTestDatabase.jdbc())));
        placed = new OrderPlaced(order, customer, wallet, SERVICE, "Carrier unlock", vault.encrypt(customer, VALID_IMEI),
                vault.encrypt(customer, "{}"), PRICE, "P3D", "simulator", "1001");
    }

    static ServiceOffer offer(boolean active, Requirements requires) {
        return new ServiceOffer(SERVICE, "1001", "Carrier unlock", ServiceKind.IMEI, PRICE,
                new DeliveryEstimate("PT1H", "P3D"), requires, active, new SupplierService("simulator", "1001"));
    }

    EventSourcingRepository<CatalogueService> catalogue(ServiceOffer offer) {
        EmbeddedEventStore store = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        store.publish(new GenericDomainEventMessage<>("CatalogueService", SERVICE.toString(), 0,
                new ServiceDefined(SERVICE, offer)));
        return EventSourcingRepository.builder(CatalogueService.class).eventStore(store).build();
    }

    private static org.hamcrest.Matcher<?> violation(ProblemType type) {
        return Matchers.predicate(e -> e instanceof RuleViolation v && v.problem() == type);
    }

    private List<Object> walletCommands() {
        return walletBus.getDispatchedCommands().stream().map(c -> (Object) c.getPayload()).toList();
    }

    // ---- placement (R8, R2) ----

    @Test
    void aValidOrderReservesItsPriceAndIsPendingWithTheImeiEncrypted() {
        fixture.givenNoPriorActivity()
               .when(new PlaceOrder(order, customer, wallet, SERVICE, VALID_IMEI, OrderFields.NONE))
               .expectSuccessfulHandlerExecution()
               .expectEventsMatching(Matchers.payloadsMatching(Matchers.exactSequenceOf(
                       Matchers.predicate(e -> e instanceof OrderPlaced p && p.price().equals(PRICE)
                               && !p.encryptedImei().contains(VALID_IMEI)
                               && VALID_IMEI.equals(vault.reveal(customer, p.encryptedImei()))
                               && "P3D".equals(p.estimatedMax()) && "1001".equals(p.supplierServiceId())),
                       Matchers.andNoMore())));
        assertThat(walletCommands()).containsExactly(
                new ReserveFunds(wallet, order, PRICE, ReservationPurpose.ORDER, order));
    }

    @Test
    void anImeiWithABadCheckDigitIsRefusedBeforeAnyMoneyMoves() {
        fixture.givenNoPriorActivity()
               .when(new PlaceOrder(order, customer, wallet, SERVICE, "490154203237519", OrderFields.NONE))
               .expectException(violation(ProblemType.INVALID_IMEI))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void anImeiOfFourteenDigitsOrWithLettersIsRefused() {
        for (String imei : new String[]{"49015420323751", "49015420323751A", "", null}) {
            fixture.givenNoPriorActivity()
                   .when(new PlaceOrder(UUID.randomUUID(), customer, wallet, SERVICE, imei, OrderFields.NONE))
                   .expectException(violation(ProblemType.INVALID_IMEI));
        }
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void aMissingRequiredFieldOrAnInactiveServiceIsRefused() {
        fixture.registerAnnotatedCommandHandler(new OrderCommandHandlers(fixture.getRepository(),
                catalogue(offer(true, new Requirements(true, true, false, false))),
                DefaultCommandGateway.builder().commandBus(walletBus).build(), vault, CommandTestDatabase.jdbc(),
                Clock.fixed(NOW, ZoneOffset.UTC), new OrderMoney(DefaultCommandGateway.builder().commandBus(walletBus).build(),
                CommandTestDatabase.jdbc())));
        fixture.givenNoPriorActivity()
               .when(new PlaceOrder(order, customer, wallet, SERVICE, VALID_IMEI, OrderFields.NONE))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void theSameImeiAndServiceCannotBeOpenTwiceForOneCustomer() {
        // an earlier order of this customer for this IMEI and service is still open
        CommandTestDatabase.jdbc().sql("INSERT INTO open_order VALUES (?, ?, ?, ?)")
                           .params(customer, SERVICE, vault.fingerprint(customer, VALID_IMEI), UUID.randomUUID())
                           .update();
        fixture.givenNoPriorActivity()
               .when(new PlaceOrder(order, customer, wallet, SERVICE, VALID_IMEI, OrderFields.NONE))
               .expectException(violation(ProblemType.DUPLICATE_ORDER))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    // ---- cancellation (R3) ----

    @Test
    void aPendingOrderIsCancelledAndItsReservationReleasedOnce() {
        fixture.given(placed)
               .when(new CancelOrder(order, customer))
               .expectEvents(new OrderCancelled(order, "cancelled by the customer", NOW));
        assertThat(walletCommands()).containsExactly(new ReleaseReservation(wallet, order, "cancelled by the customer"));
    }

    @Test
    void cancellingTwiceReleasesNothingMore() {
        fixture.given(placed, new OrderCancelled(order, "cancelled by the customer", NOW))
               .when(new CancelOrder(order, customer))
               .expectSuccessfulHandlerExecution()
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void anOrderInProcessCannotBeCancelledAndTheAnswerNamesTheVerificationRequest() {
        fixture.given(placed, new OrderSubmissionStarted(order, 1),
                       new OrderSubmitted(order, 1, "REF-1", NOW, NOW.plusSeconds(3 * 86400)))
               .when(new CancelOrder(order, customer))
               .expectException(Matchers.predicate(e -> e instanceof RuleViolation v
                       && v.problem() == ProblemType.ORDER_IN_PROCESS && v.getMessage().contains("742")
                       && v.getMessage().contains("/verification-requests")))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void anOrderBeingForwardedCannotBeCancelled() {
        fixture.given(placed, new OrderSubmissionStarted(order, 1))
               .when(new CancelOrder(order, customer))
               .expectException(violation(ProblemType.ORDER_IN_PROCESS));
    }

    @Test
    void anotherCustomersOrderIsNotFound() {
        fixture.given(placed)
               .when(new CancelOrder(order, UUID.randomUUID()))
               .expectException(violation(ProblemType.NOT_FOUND))
               .expectNoEvents();
    }

    // ---- submission and the supplier's answers (R2, R4) ----

    @Test
    void submissionIsStartedOnceWhileInFlight() {
        fixture.given(placed)
               .when(new StartSubmission(order))
               .expectEvents(new OrderSubmissionStarted(order, 1))
               .expectResultMessagePayload(true);
        fixture.given(placed, new OrderSubmissionStarted(order, 1))
               .when(new StartSubmission(order))
               .expectNoEvents()
               .expectResultMessagePayload(false);
    }

    @Test
    void acceptanceMakesTheOrderInProcessWithItsEstimate() {
        fixture.given(placed, new OrderSubmissionStarted(order, 1))
               .when(new RecordOrderSubmitted(order, 1, "REF-77"))
               .expectEvents(new OrderSubmitted(order, 1, "REF-77", NOW, NOW.plusSeconds(3 * 86400)));
    }

    @Test
    void aDefiniteErrorIsRetriedThenRejectsAndReleases() {
        fixture.given(placed, new OrderSubmissionStarted(order, 1))
               .when(new RecordOrderSubmissionFailed(order, 1, "service down", true))
               .expectEvents(new OrderSubmissionFailed(order, 1, "service down", true));
        assertThat(walletCommands()).isEmpty();

        fixture.given(placed, new OrderSubmissionStarted(order, 3))
               .when(new RecordOrderSubmissionFailed(order, 3, "service down", false))
               .expectEvents(new OrderSubmissionFailed(order, 3, "service down", false),
                       new OrderRejected(order, "the supplier refused the order: service down", NOW));
        assertThat(walletCommands()).containsExactly(
                new ReleaseReservation(wallet, order, "submission refused by the supplier"));
    }

    @Test
    void aLostAnswerNeedsAttentionAndMovesNoMoney() {
        fixture.given(placed, new OrderSubmissionStarted(order, 1))
               .when(new MarkOrderNeedsAttention(order, 1, "read timed out"))
               .expectEvents(new OrderNeedsAttention(order, 1, "read timed out"));
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void aSupplierRefusingTheStatusOfItsReferenceSendsTheOrderToStaffOnceAndMovesNoMoney() {
        OrderSubmitted submitted = new OrderSubmitted(order, 1, "REF-1", NOW, NOW.plusSeconds(3 * 86400));
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted)
               .when(new MarkSubmittedOrderNeedsAttention(order, "REF-1", "refused 10 times"))
               .expectEvents(new OrderNeedsAttention(order, 1, "refused 10 times"));
        // about a reference staff have since replaced, or once the order has moved on: nothing
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted)
               .when(new MarkSubmittedOrderNeedsAttention(order, "REF-OLD", "refused 10 times"))
               .expectNoEvents();
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted, new OrderCompleted(order, "x", NOW))
               .when(new MarkSubmittedOrderNeedsAttention(order, "REF-1", "refused 10 times"))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void completionCapturesExactlyOnce() {
        OrderSubmitted submitted = new OrderSubmitted(order, 1, "REF-1", NOW, NOW.plusSeconds(3 * 86400));
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted)
               .when(new CompleteOrder(order, "UNLOCK-12345678"))
               .expectEventsMatching(Matchers.payloadsMatching(Matchers.exactSequenceOf(
                       Matchers.predicate(e -> e instanceof OrderCompleted c
                               && "UNLOCK-12345678".equals(vault.reveal(customer, c.encryptedResult()))),
                       Matchers.andNoMore())));
        assertThat(walletCommands()).containsExactly(new CaptureReservation(wallet, order));

        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted, new OrderCompleted(order, "x", NOW))
               .when(new CompleteOrder(order, "UNLOCK-12345678"))
               .expectNoEvents();
        assertThat(walletCommands()).as("a redelivered completion captures nothing more").hasSize(1);
    }

    @Test
    void aSupplierRejectionReleasesExactlyOnce() {
        OrderSubmitted submitted = new OrderSubmitted(order, 1, "REF-1", NOW, NOW.plusSeconds(3 * 86400));
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted)
               .when(new RejectOrder(order, "IMEI blacklisted"))
               .expectEvents(new OrderRejected(order, "IMEI blacklisted", NOW));
        fixture.given(placed, new OrderSubmissionStarted(order, 1), submitted,
                       new OrderRejected(order, "IMEI blacklisted", NOW))
               .when(new RejectOrder(order, "IMEI blacklisted"))
               .expectNoEvents();
        assertThat(walletCommands()).containsExactly(new ReleaseReservation(wallet, order, "rejected by the supplier"));
    }

    @Test
    void latenessAloneNeverRefunds() {
        // R4: an order past its estimate is still the supplier's; only its decision moves money
        fixture.given(placed, new OrderSubmissionStarted(order, 1),
                       new OrderSubmitted(order, 1, "REF-1", NOW.minusSeconds(30 * 86400), NOW.minusSeconds(27 * 86400)))
               .when(new CancelOrder(order, customer))
               .expectException(violation(ProblemType.ORDER_IN_PROCESS));
        assertThat(walletCommands()).isEmpty();
    }

    // ---- staff resolution of NEEDS_ATTENTION ----

    @Test
    void staffFoundTheOrderAtTheSupplier() {
        UUID staff = UUID.randomUUID();
        fixture.given(placed, new OrderSubmissionStarted(order, 1), new OrderNeedsAttention(order, 1, "timeout"))
               .when(new ResolveWithReference(order, "REF-9", staff))
               .expectEvents(new OrderResolvedByStaff(order, staff, "found at the supplier as REF-9"),
                       new OrderSubmitted(order, 1, "REF-9", NOW, NOW.plusSeconds(3 * 86400)));
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void staffFoundNoOrderAtTheSupplierAndReleaseTheMoney() {
        UUID staff = UUID.randomUUID();
        fixture.given(placed, new OrderSubmissionStarted(order, 1), new OrderNeedsAttention(order, 1, "timeout"))
               .when(new ResolveByRejecting(order, "no such order at the supplier", staff))
               .expectEvents(new OrderResolvedByStaff(order, staff, "not found at the supplier: no such order at the supplier"),
                       new OrderRejected(order, "no such order at the supplier", NOW));
        assertThat(walletCommands()).containsExactly(
                new ReleaseReservation(wallet, order, "rejected by staff: not found at the supplier"));
    }

    @Test
    void onlyAnOrderThatNeedsAttentionCanBeResolved() {
        fixture.given(placed)
               .when(new ResolveByRejecting(order, "whatever", UUID.randomUUID()))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }
}
