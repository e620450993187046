package shop.ledger.command.refund;

import org.axonframework.commandhandling.gateway.CommandGateway;
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
import shop.ledger.api.catalogue.Catalogue;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceDefined;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.refund.RefundCases.CloseRefundCase;
import shop.ledger.api.refund.RefundCases.DecideRefundCase;
import shop.ledger.api.refund.RefundCases.EscalateRefundCase;
import shop.ledger.api.refund.RefundCases.OpenRefundCase;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.command.catalogue.CatalogueAdmin;
import shop.ledger.command.catalogue.CatalogueService;
import shop.ledger.command.order.Order;
import shop.ledger.command.order.OrderMoney;
import shop.ledger.command.testing.CommandTestDatabase;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The refund case's rules (R5, R6, R7, R9) with Axon's fixture, the order and the catalogue real aggregates. */
class RefundCaseTest {

    static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z"); // a Friday
    static final Instant DUE = Instant.parse("2026-12-01T10:00:00Z"); // seven working days later
    static final RefundSettings SETTINGS = new RefundSettings(ZoneId.of("UTC"), List.of(), 7, 3);
    static final Money PRICE = Money.of(2499, "USD");

    AggregateTestFixture<RefundCase> fixture;
    RecordingCommandBus walletBus;
    EmbeddedEventStore orderStore;
    UUID refundCase;
    UUID order;
    UUID customer;
    UUID wallet;

    @BeforeEach
    void setUp() {
        refundCase = UUID.randomUUID();
        order = UUID.randomUUID();
        customer = UUID.randomUUID();
        wallet = UUID.randomUUID();
        walletBus = new RecordingCommandBus();
        orderStore = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        fixture = new AggregateTestFixture<>(RefundCase.class);
        useFee(0);
    }

    /** The catalogue's 742 service with this price, and handlers that read it. */
    void useFee(long cents) {
        UUID verification = UUID.randomUUID();
        CommandTestDatabase.jdbc().sql("""
                                           INSERT INTO catalogue_code (code, service_id) VALUES (?, ?)
                                           ON CONFLICT (code) DO UPDATE SET service_id = excluded.service_id""")
                           .params(Catalogue.VERIFICATION_CODE, verification).update();
        EmbeddedEventStore catalogueStore =
                EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        catalogueStore.publish(new GenericDomainEventMessage<>("CatalogueService", verification.toString(), 0,
                new ServiceDefined(verification, new ServiceOffer(verification, "742", "Order Check", ServiceKind.VERIFICATION,
                        Money.of(cents, "USD"), new DeliveryEstimate("P1D", "P7D"),
                        new Requirements(false, false, false, false), true, null))));
        CommandGateway gateway = DefaultCommandGateway.builder().commandBus(walletBus).build();
        fixture.registerAnnotatedCommandHandler(new RefundCaseCommandHandlers(fixture.getRepository(),
                EventSourcingRepository.builder(Order.class).eventStore(orderStore).build(),
                EventSourcingRepository.builder(CatalogueService.class).eventStore(catalogueStore).build(),
                new CatalogueAdmin(gateway, CommandTestDatabase.jdbc()), new OrderMoney(gateway, CommandTestDatabase.jdbc()),
                gateway, CommandTestDatabase.jdbc(), SETTINGS, Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    /** The order's history: placed, forwarded, accepted with the given estimate. */
    void orderInProcess(Instant estimatedBy, Object... more) {
        List<Object> events = new java.util.ArrayList<>(List.of(
                new OrderPlaced(order, customer, wallet, UUID.randomUUID(), "Unlock", "v1:x", "v1:y", PRICE, "PT1H",
                        "simulator", "1001"),
                new OrderSubmissionStarted(order, 1),
                new OrderSubmitted(order, 1, "REF-1", estimatedBy.minus(Duration.ofHours(1)), estimatedBy)));
        events.addAll(List.of(more));
        for (int i = 0; i < events.size(); i++) {
            orderStore.publish(new GenericDomainEventMessage<>("Order", order.toString(), i, events.get(i)));
        }
    }

    RefundCaseOpened opened(Money fee) {
        return new RefundCaseOpened(refundCase, order, customer, wallet, fee, NOW, DUE);
    }

    List<Object> walletCommands() {
        return walletBus.getDispatchedCommands().stream().map(c -> (Object) c.getPayload()).toList();
    }

    List<Object> orderEvents() {
        return orderStore.readEvents(order.toString()).asStream().map(e -> (Object) e.getPayload()).toList();
    }

    static org.hamcrest.Matcher<?> violation(ProblemType type) {
        return Matchers.predicate(e -> e instanceof RuleViolation v && v.problem() == type);
    }

    // ---- opening (R5, R9) ----

    @Test
    void anOverdueOrderGetsACaseDueInSevenWorkingDays() {
        orderInProcess(NOW.minusSeconds(60));
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectEvents(opened(Money.of(0, "USD")))
               .expectResultMessagePayload(DUE);
        assertThat(walletCommands()).as("a free 742 request holds nothing").isEmpty();
    }

    @Test
    void thePriceOfService742IsHeldForTheCase() {
        useFee(150);
        orderInProcess(NOW.minusSeconds(60));
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectEvents(opened(Money.of(150, "USD")));
        assertThat(walletCommands()).containsExactly(new ReserveFunds(wallet, refundCase, Money.of(150, "USD"),
                ReservationPurpose.REFUND_CASE_FEE, refundCase));
    }

    @Test
    void anOrderWithinItsEstimateIsNotOverdue() {
        orderInProcess(NOW.plusSeconds(60));
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectException(violation(ProblemType.ORDER_NOT_OVERDUE))
               .expectNoEvents();
    }

    @Test
    void aCompletedOrderGetsNoCase() {
        orderInProcess(NOW.minusSeconds(60), new OrderCompleted(order, "x", NOW.minusSeconds(30)));
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectException(violation(ProblemType.ORDER_NOT_OVERDUE))
               .expectNoEvents();
    }

    @Test
    void anotherCustomersOrderIsNotFound() {
        orderInProcess(NOW.minusSeconds(60));
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, UUID.randomUUID()))
               .expectException(violation(ProblemType.NOT_FOUND));
    }

    @Test
    void oneOpenCasePerOrder() {
        orderInProcess(NOW.minusSeconds(60));
        CommandTestDatabase.jdbc().sql("INSERT INTO open_refund_case VALUES (?, ?)").params(order, UUID.randomUUID()).update();
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectException(violation(ProblemType.REFUND_CASE_OPEN))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
    }

    @Test
    void aCustomerMayOpenOnlySoManyRequestsADay() {
        orderInProcess(NOW.minusSeconds(60));
        for (int i = 0; i < 3; i++) {
            CommandTestDatabase.jdbc().sql("INSERT INTO refund_request_log VALUES (?, ?, ?)")
                               .params(UUID.randomUUID(), customer, java.sql.Timestamp.from(NOW.minusSeconds(3600 - i)))
                               .update();
        }
        fixture.givenNoPriorActivity()
               .when(new OpenRefundCase(refundCase, order, customer))
               .expectException(violation(ProblemType.TOO_MANY_REQUESTS))
               .expectNoEvents();
    }

    // ---- decisions (R6) ----

    @Test
    void anApprovalCancelsTheOrderAndReleasesItsPriceAndTheFee() {
        orderInProcess(NOW.minusSeconds(60));
        fixture.given(opened(Money.of(150, "USD")))
               .when(new DecideRefundCase(refundCase, Outcome.APPROVED, "supplier cancelled", "staff:a"))
               .expectEvents(new RefundCaseDecided(refundCase, order, Outcome.APPROVED, "supplier cancelled", "staff:a", NOW));
        assertThat(orderEvents()).last().isEqualTo(
                new OrderCancelled(order, "refund approved by the supplier (case " + refundCase + ")", NOW));
        assertThat(walletCommands()).containsExactly(
                new ReleaseReservation(wallet, order, "refund approved by the supplier"),
                new ReleaseReservation(wallet, refundCase, "refund approved: the request's fee returns"));
    }

    @Test
    void aRejectionLetsTheOrderGoOnAndTakesTheFee() {
        orderInProcess(NOW.minusSeconds(60));
        fixture.given(opened(Money.of(150, "USD")))
               .when(new DecideRefundCase(refundCase, Outcome.REJECTED, "already unlocked at the carrier", "staff:a"))
               .expectEvents(new RefundCaseDecided(refundCase, order, Outcome.REJECTED,
                       "already unlocked at the carrier", "staff:a", NOW));
        assertThat(orderEvents()).hasSize(3);
        assertThat(walletCommands()).containsExactly(new CaptureReservation(wallet, refundCase));
    }

    @Test
    void aSecondDecisionChangesNothing() {
        orderInProcess(NOW.minusSeconds(60));
        RefundCaseDecided approved = new RefundCaseDecided(refundCase, order, Outcome.APPROVED, "ok", "staff:a", NOW);
        fixture.given(opened(Money.of(0, "USD")), approved)
               .when(new DecideRefundCase(refundCase, Outcome.APPROVED, "again", "staff:b"))
               .expectNoEvents();
        fixture.given(opened(Money.of(0, "USD")), approved)
               .when(new DecideRefundCase(refundCase, Outcome.REJECTED, "changed my mind", "staff:b"))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
        assertThat(walletCommands()).isEmpty();
        assertThat(orderEvents()).hasSize(3);
    }

    @Test
    void anApprovalForAnOrderThatJustCompletedIsRefused() {
        orderInProcess(NOW.minusSeconds(60), new OrderCompleted(order, "x", NOW.minusSeconds(1)));
        fixture.given(opened(Money.of(0, "USD")))
               .when(new DecideRefundCase(refundCase, Outcome.APPROVED, "late", "staff:a"))
               .expectException(violation(ProblemType.CONFLICT));
        assertThat(walletCommands()).as("one outcome only: the completion").isEmpty();
    }

    @Test
    void anEscalatedCaseCanStillBeDecided() {
        orderInProcess(NOW.minusSeconds(60));
        fixture.given(opened(Money.of(0, "USD")), new RefundCaseEscalated(refundCase, order, DUE))
               .when(new DecideRefundCase(refundCase, Outcome.REJECTED, "refused", "staff:a"))
               .expectEvents(new RefundCaseDecided(refundCase, order, Outcome.REJECTED, "refused", "staff:a", NOW));
    }

    @Test
    void noDecisionInTimeEscalatesAndRefundsNothing() {
        fixture.given(opened(Money.of(150, "USD")))
               .when(new EscalateRefundCase(refundCase))
               .expectEvents(new RefundCaseEscalated(refundCase, order, NOW));
        assertThat(walletCommands()).isEmpty();
        fixture.given(opened(Money.of(0, "USD")), new RefundCaseDecided(refundCase, order, Outcome.REJECTED, "n", "s", NOW))
               .when(new EscalateRefundCase(refundCase))
               .expectNoEvents();
    }

    @Test
    void aCaseClosesWithItsOrderAndTakesTheFee() {
        fixture.given(opened(Money.of(150, "USD")))
               .when(new CloseRefundCase(refundCase, "the order completed while the case was open"))
               .expectEvents(new RefundCaseClosed(refundCase, order, "the order completed while the case was open", NOW));
        assertThat(walletCommands()).containsExactly(new CaptureReservation(wallet, refundCase));
    }
}
