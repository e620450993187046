package shop.ledger.command.wallet;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.hamcrest.FeatureMatcher;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.AdjustBalance;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.DepositFunds;
import shop.ledger.api.wallet.WalletCommands.OpenWallet;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.api.wallet.WalletEvents.BalanceAdjusted;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.api.wallet.WalletEvents.FundsReserved;
import shop.ledger.api.wallet.WalletEvents.ReservationCaptured;
import shop.ledger.api.wallet.WalletEvents.ReservationReleased;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;

import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;

/**
 * The Wallet's rules (R1, R7), one test per rule, in the given/when/expect style of the AxonIQ
 * giftcard demo. Every refusal is checked for its problem type and for moving no money.
 */
class WalletTest {

    private static final String USD = "USD";
    private static final UUID WALLET = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID CUSTOMER = UUID.fromString("00000000-0000-0000-0000-00000000000c");
    private static final UUID DEPOSIT = UUID.fromString("00000000-0000-0000-0000-0000000000d1");
    private static final UUID RESERVATION = UUID.fromString("00000000-0000-0000-0000-0000000000e1");
    private static final UUID ORDER = UUID.fromString("00000000-0000-0000-0000-0000000000f1");
    private static final UUID ADJUSTMENT = UUID.fromString("00000000-0000-0000-0000-0000000000a1");

    private static final WalletOpened OPENED = new WalletOpened(WALLET, CUSTOMER, USD);
    /** 1000 available, nothing held. */
    private static final FundsDeposited DEPOSITED_1000 =
            new FundsDeposited(WALLET, DEPOSIT, usd(1000), "psp-1", 1000, 0);
    /** 300 of the 1000 held for an order: 700 available, 300 held. */
    private static final FundsReserved RESERVED_300 =
            new FundsReserved(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER, 700, 300);
    private static final ReservationCaptured CAPTURED_300 =
            new ReservationCaptured(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER, 700, 0);
    private static final ReservationReleased RELEASED_300 =
            new ReservationReleased(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER, "cancelled",
                    1000, 0);

    private FixtureConfiguration<Wallet> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Wallet.class);
    }

    private static Money usd(long amount) {
        return Money.of(amount, USD);
    }

    /** A {@link RuleViolation} carrying the given problem type (any other exception does not match). */
    private static Matcher<RuleViolation> violation(ProblemType problem) {
        return new FeatureMatcher<RuleViolation, ProblemType>(equalTo(problem), "a RuleViolation with problem",
                "problem") {
            @Override
            protected ProblemType featureValueOf(RuleViolation actual) {
                return actual.problem();
            }
        };
    }

    // ---- opening ----

    @Test
    void openingAWalletRecordsItsCustomerAndCurrency() {
        fixture.givenNoPriorActivity()
               .when(new OpenWallet(WALLET, CUSTOMER, USD))
               .expectSuccessfulHandlerExecution()
               .expectEvents(OPENED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"usd", "US", "USDX", "", "12A"})
    void aWalletIsOnlyOpenedInAnIso4217Currency(String currency) {
        fixture.givenNoPriorActivity()
               .when(new OpenWallet(WALLET, CUSTOMER, currency))
               .expectException(IllegalArgumentException.class)
               .expectNoEvents();
    }

    @Test
    void aWalletIsOnlyOpenedForACustomer() {
        fixture.givenNoPriorActivity()
               .when(new OpenWallet(WALLET, null, USD))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    // ---- deposits ----

    @Test
    void aDepositRaisesAvailableAndStatesBothBalancesAfterIt() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new DepositFunds(WALLET, DEPOSIT, usd(250), "psp-2"))
               .expectSuccessfulHandlerExecution()
               .expectEvents(new FundsDeposited(WALLET, DEPOSIT, usd(250), "psp-2", 950, 300));
    }

    @Test
    void aDepositOfExactlyTheMaximumAmountIsAccepted() {
        fixture.given(OPENED)
               .when(new DepositFunds(WALLET, DEPOSIT, usd(Money.MAX_AMOUNT), "psp-max"))
               .expectEvents(new FundsDeposited(WALLET, DEPOSIT, usd(Money.MAX_AMOUNT), "psp-max",
                       Money.MAX_AMOUNT, 0));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -1000, Money.MAX_AMOUNT + 1, Long.MAX_VALUE, Long.MIN_VALUE})
    void aDepositMustBePositiveAndAtMostTheMaximumAmount(long amount) {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new DepositFunds(WALLET, DEPOSIT, usd(amount), "psp-2"))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void aDepositInAnotherCurrencyIsACurrencyMismatch() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new DepositFunds(WALLET, DEPOSIT, Money.of(100, "EUR"), "psp-2"))
               .expectException(violation(ProblemType.CURRENCY_MISMATCH))
               .expectExceptionMessage("this wallet holds USD, not EUR")
               .expectNoEvents();
    }

    @Test
    void aDepositWithoutAnAmountIsRefused() {
        fixture.given(OPENED)
               .when(new DepositFunds(WALLET, DEPOSIT, null, "psp-2"))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void aDepositNeedsTheProvidersReference(String blank) {
        fixture.given(OPENED)
               .when(new DepositFunds(WALLET, DEPOSIT, usd(100), blank))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        setUp();
        fixture.given(OPENED)
               .when(new DepositFunds(WALLET, DEPOSIT, usd(100), null))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void aDepositThatWouldOverflowTheBalanceIsRefusedRatherThanWrapped() {
        long nearMax = Long.MAX_VALUE - 10;
        fixture.given(OPENED, new FundsDeposited(WALLET, DEPOSIT, usd(Money.MAX_AMOUNT), "psp-1", nearMax, 0))
               .when(new DepositFunds(WALLET, UUID.randomUUID(), usd(11), "psp-2"))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectExceptionMessage("the resulting balance would overflow")
               .expectNoEvents();
    }

    @Test
    void aDepositThatReachesExactlyLongMaxIsStillExact() {
        long nearMax = Long.MAX_VALUE - 10;
        fixture.given(OPENED, new FundsDeposited(WALLET, DEPOSIT, usd(Money.MAX_AMOUNT), "psp-1", nearMax, 0))
               .when(new DepositFunds(WALLET, DEPOSIT, usd(10), "psp-2"))
               .expectEvents(new FundsDeposited(WALLET, DEPOSIT, usd(10), "psp-2", Long.MAX_VALUE, 0));
    }

    // ---- reservations ----

    @Test
    void aReservationMovesFundsFromAvailableToHeld() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER))
               .expectSuccessfulHandlerExecution()
               .expectEvents(RESERVED_300);
    }

    @Test
    void theWholeAvailableBalanceCanBeReserved() {
        UUID withdrawal = UUID.randomUUID();
        UUID payout = UUID.randomUUID();
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, withdrawal, usd(700), ReservationPurpose.WITHDRAWAL, payout))
               .expectEvents(new FundsReserved(WALLET, withdrawal, usd(700), ReservationPurpose.WITHDRAWAL, payout,
                       0, 1000));
    }

    @Test
    void reservingMoreThanAvailableIsInsufficientFundsAndMovesNothing() {
        // 1000 deposited but 300 already held: 701 is more than the 700 available
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, UUID.randomUUID(), usd(701), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.INSUFFICIENT_FUNDS))
               .expectNoEvents();
    }

    @Test
    void reservingOnAnEmptyWalletIsInsufficientFunds() {
        fixture.given(OPENED)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(1), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.INSUFFICIENT_FUNDS))
               .expectNoEvents();
    }

    @Test
    void repeatingAnOpenReservationWithTheSameContentIsIdempotent() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER))
               .expectSuccessfulHandlerExecution()
               .expectNoEvents();
    }

    @Test
    void repeatingAReservationIsIdempotentEvenWhenNoFundsAreLeft() {
        FundsReserved all = new FundsReserved(WALLET, RESERVATION, usd(1000), ReservationPurpose.ORDER, ORDER, 0, 1000);
        fixture.given(OPENED, DEPOSITED_1000, all)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(1000), ReservationPurpose.ORDER, ORDER))
               .expectSuccessfulHandlerExecution()
               .expectNoEvents();
    }

    @Test
    void reusingAnOpenReservationIdForAnotherAmountIsAConflict() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(301), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void reusingAnOpenReservationIdForAnotherPurposeOrReferenceIsAConflict() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(300), ReservationPurpose.WITHDRAWAL, ORDER))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
        setUp();
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, UUID.randomUUID()))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void aReservationNeedsAnIdAPurposeAndAReference() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(10), null, ORDER))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        setUp();
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(10), ReservationPurpose.ORDER, null))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        setUp();
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, null, usd(10), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Money.MAX_AMOUNT + 1})
    void aReservationMustBePositiveAndAtMostTheMaximumAmount(long amount) {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(amount), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void aReservationInAnotherCurrencyIsACurrencyMismatch() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReserveFunds(WALLET, RESERVATION, Money.of(10, "EUR"), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.CURRENCY_MISMATCH))
               .expectNoEvents();
    }

    /**
     * R1: "a reservation is captured or released at most once". A reservation id that was already settled
     * must not open a new hold: a retried ReserveFunds (saga retry, redelivery) would otherwise hold the
     * customer's money a second time and the same reservation id would be captured twice.
     */
    @Test
    void aSettledReservationIdCannotBeReservedAgain() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300, CAPTURED_300)
               .when(new ReserveFunds(WALLET, RESERVATION, usd(300), ReservationPurpose.ORDER, ORDER))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    // ---- capture ----

    @Test
    void aCaptureTakesTheHeldFundsOutWithoutTouchingAvailable() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new CaptureReservation(WALLET, RESERVATION))
               .expectSuccessfulHandlerExecution()
               .expectEvents(CAPTURED_300);
    }

    @Test
    void aReservationIsCapturedAtMostOnce() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300, CAPTURED_300)
               .when(new CaptureReservation(WALLET, RESERVATION))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void aReleasedReservationCannotBeCaptured() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300, RELEASED_300)
               .when(new CaptureReservation(WALLET, RESERVATION))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void aReservationThatWasNeverMadeCannotBeCaptured() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new CaptureReservation(WALLET, RESERVATION))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    // ---- release ----

    @Test
    void aReleaseReturnsTheHeldFundsToAvailable() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new ReleaseReservation(WALLET, RESERVATION, "cancelled"))
               .expectSuccessfulHandlerExecution()
               .expectEvents(RELEASED_300);
    }

    @Test
    void aCapturedReservationCannotBeReleased() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300, CAPTURED_300)
               .when(new ReleaseReservation(WALLET, RESERVATION, "cancelled"))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void aReservationIsReleasedAtMostOnce() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300, RELEASED_300)
               .when(new ReleaseReservation(WALLET, RESERVATION, "cancelled"))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    @Test
    void aReservationThatWasNeverMadeCannotBeReleased() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new ReleaseReservation(WALLET, RESERVATION, "cancelled"))
               .expectException(violation(ProblemType.CONFLICT))
               .expectNoEvents();
    }

    // ---- staff adjustments (R7) ----

    @Test
    void aCreditAdjustmentRaisesAvailableAndKeepsItsReason() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(50), "  goodwill for ticket 42 "))
               .expectSuccessfulHandlerExecution()
               .expectEvents(new BalanceAdjusted(WALLET, ADJUSTMENT, usd(50), "goodwill for ticket 42", 750, 300));
    }

    @Test
    void aDebitAdjustmentLowersAvailableAndKeepsItsReason() {
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(-700), "duplicate deposit reversed"))
               .expectSuccessfulHandlerExecution()
               .expectEvents(new BalanceAdjusted(WALLET, ADJUSTMENT, usd(-700), "duplicate deposit reversed", 0, 300));
    }

    @Test
    void aDebitAdjustmentCannotTakeAvailableBelowZeroNorTouchHeldFunds() {
        // 1000 in the wallet, but 300 of it held: a debit of 701 would have to spend held money
        fixture.given(OPENED, DEPOSITED_1000, RESERVED_300)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(-701), "duplicate deposit reversed"))
               .expectException(violation(ProblemType.INSUFFICIENT_FUNDS))
               .expectNoEvents();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t "})
    void anAdjustmentNeedsAReason(String blank) {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(10), blank))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        setUp();
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(-10), null))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void anAdjustmentReasonIsAtMost500Characters() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(10), "x".repeat(Wallet.MAX_REASON_LENGTH + 1)))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
        setUp();
        String longest = "x".repeat(Wallet.MAX_REASON_LENGTH);
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(10), longest))
               .expectEvents(new BalanceAdjusted(WALLET, ADJUSTMENT, usd(10), longest, 1010, 0));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, Money.MAX_AMOUNT + 1, -Money.MAX_AMOUNT - 1, Long.MAX_VALUE})
    void anAdjustmentMustBeNonZeroAndAtMostTheMaximumAmount(long amount) {
        fixture.given(OPENED, new FundsDeposited(WALLET, DEPOSIT, usd(Money.MAX_AMOUNT), "psp-1",
                       Money.MAX_AMOUNT * 3, 0))
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(amount), "correction"))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void anAdjustmentOfLongMinValueIsRefused() {
        // Math.abs(Long.MIN_VALUE) is negative: the size check must not rely on it
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, usd(Long.MIN_VALUE), "correction"))
               .expectException(violation(ProblemType.VALIDATION_FAILED))
               .expectNoEvents();
    }

    @Test
    void anAdjustmentInAnotherCurrencyIsACurrencyMismatch() {
        fixture.given(OPENED, DEPOSITED_1000)
               .when(new AdjustBalance(WALLET, ADJUSTMENT, Money.of(-10, "EUR"), "correction"))
               .expectException(violation(ProblemType.CURRENCY_MISMATCH))
               .expectNoEvents();
    }
}
