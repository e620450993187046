package shop.ledger.command.refund;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shop.ledger.api.common.Money;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.refund.RefundCases.CloseRefundCase;
import shop.ledger.api.refund.RefundCases.EscalateRefundCase;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

/** The 1-7 working-day window with Axon's SagaTestFixture, across weekends and holidays. */
class RefundCaseSagaTest {

    static final ZoneId SHOP = ZoneId.of("Asia/Karachi");
    static final Instant FRIDAY_AFTERNOON = ZonedDateTime.of(2026, 11, 20, 15, 0, 0, 0, SHOP).toInstant();

    SagaTestFixture<RefundCaseSaga> fixture;
    UUID refundCase;
    UUID order;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(RefundCaseSaga.class);
        fixture.registerCommandGateway(CommandGateway.class);
        refundCase = UUID.randomUUID();
        order = UUID.randomUUID();
    }

    RefundCaseOpened opened(Instant at, WorkingCalendar calendar) {
        return new RefundCaseOpened(refundCase, order, UUID.randomUUID(), UUID.randomUUID(), Money.of(0, "USD"), at,
                calendar.addWorkingDays(at, 7));
    }

    @Test
    void aCaseOpenedOnAFridayAfternoonIsEscalatedOnlyAfterSevenWorkingDays() {
        RefundCaseOpened opened = opened(FRIDAY_AFTERNOON, new WorkingCalendar(SHOP, List.of()));
        fixture.givenCurrentTime(FRIDAY_AFTERNOON)
               .whenPublishingA(opened)
               .expectActiveSagas(1)
               .expectScheduledDeadlineWithName(Duration.ofDays(11), RefundCaseSaga.DECISION_DUE);
        // nine calendar days later, a Sunday: still waiting for the supplier
        fixture.whenTimeElapses(Duration.ofDays(9))
               .expectNoDispatchedCommands();
        // Tuesday of the week after next, 15:00 in the shop's zone: the decision is overdue
        fixture.whenTimeAdvancesTo(opened.decisionDueBy())
               .expectTriggeredDeadlinesWithName(RefundCaseSaga.DECISION_DUE)
               .expectDispatchedCommands(new EscalateRefundCase(refundCase));
    }

    @Test
    void aHolidayPushesTheDueDateOneWorkingDayLater() {
        // Friday 25 December 2026 is a holiday
        WorkingCalendar calendar = new WorkingCalendar(SHOP, List.of(LocalDate.of(2026, 12, 25)));
        Instant tuesday = ZonedDateTime.of(2026, 12, 22, 10, 0, 0, 0, SHOP).toInstant();
        RefundCaseOpened opened = opened(tuesday, calendar);
        fixture.givenCurrentTime(tuesday)
               .whenPublishingA(opened)
               .expectScheduledDeadlineWithName(Duration.ofDays(10), RefundCaseSaga.DECISION_DUE);
        // without the holiday the case would be due on Thursday 31 December
        fixture.whenTimeAdvancesTo(ZonedDateTime.of(2026, 12, 31, 10, 0, 0, 0, SHOP).toInstant())
               .expectNoDispatchedCommands();
        fixture.whenTimeAdvancesTo(ZonedDateTime.of(2027, 1, 1, 10, 0, 0, 0, SHOP).toInstant())
               .expectDispatchedCommands(new EscalateRefundCase(refundCase));
    }

    @Test
    void aDecisionEndsTheWindow() {
        RefundCaseOpened opened = opened(FRIDAY_AFTERNOON, new WorkingCalendar(SHOP, List.of()));
        fixture.givenCurrentTime(FRIDAY_AFTERNOON)
               .andThenAPublished(opened)
               .whenPublishingA(new RefundCaseDecided(refundCase, order, Outcome.REJECTED, "supplier refused",
                       "staff:x", FRIDAY_AFTERNOON.plusSeconds(3600)))
               .expectActiveSagas(0)
               .expectNoScheduledDeadlines();
    }

    @Test
    void anEscalatedCaseStillWaitsForADecision() {
        RefundCaseOpened opened = opened(FRIDAY_AFTERNOON, new WorkingCalendar(SHOP, List.of()));
        fixture.givenCurrentTime(FRIDAY_AFTERNOON)
               .andThenAPublished(opened)
               .whenPublishingA(new RefundCaseEscalated(refundCase, order, opened.decisionDueBy()))
               .expectActiveSagas(1)
               .expectNoDispatchedCommands();
    }

    @Test
    void anOrderThatCompletesMeanwhileClosesTheCase() {
        RefundCaseOpened opened = opened(FRIDAY_AFTERNOON, new WorkingCalendar(SHOP, List.of()));
        fixture.givenCurrentTime(FRIDAY_AFTERNOON)
               .andThenAPublished(opened)
               .whenPublishingA(new OrderCompleted(order, "x", FRIDAY_AFTERNOON.plusSeconds(7200)))
               .expectDispatchedCommands(new CloseRefundCase(refundCase, "the order completed while the case was open"));
    }

    @Test
    void anOrderTheSupplierRejectsMeanwhileClosesTheCase() {
        RefundCaseOpened opened = opened(FRIDAY_AFTERNOON, new WorkingCalendar(SHOP, List.of()));
        fixture.givenCurrentTime(FRIDAY_AFTERNOON)
               .andThenAPublished(opened)
               .whenPublishingA(new OrderRejected(order, "rejected", FRIDAY_AFTERNOON.plusSeconds(7200)))
               .expectDispatchedCommands(new CloseRefundCase(refundCase,
                       "the supplier rejected the order while the case was open; its price was released"));
    }
}
