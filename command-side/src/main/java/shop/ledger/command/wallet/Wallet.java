package shop.ledger.command.wallet;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.axonframework.spring.stereotype.Aggregate;
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
import shop.ledger.api.wallet.WalletEvents.MoneyMoved;
import shop.ledger.api.wallet.WalletEvents.ReservationCaptured;
import shop.ledger.api.wallet.WalletEvents.ReservationReleased;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.UUID;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * A customer's prepaid wallet: every rule about money in one place (R1).
 * <ul>
 *   <li>Available never goes below zero; held is exactly the sum of open reservations.</li>
 *   <li>A reservation is captured or released at most once: only an open reservation can be settled.</li>
 *   <li>One currency per wallet; amounts in minor units, at most {@link Money#MAX_AMOUNT} per movement,
 *   sums in exact arithmetic, so overflow is refused rather than wrapped.</li>
 *   <li>Staff adjustments need a reason (R7).</li>
 * </ul>
 * Decisions are taken in command handlers; state changes only in event sourcing handlers. Snapshots and
 * the aggregate cache keep the cost of a command flat however long the wallet's history grows.
 */
@Aggregate(snapshotTriggerDefinition = "walletSnapshotTrigger", cache = "walletCache")
// the shape of a snapshot: change it with any field. Axon's RevisionSnapshotFilter then ignores every snapshot of
// another revision and the wallet is rebuilt from its events (VersionedMessagesTest)
@Revision("1")
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public class Wallet {

    static final int MAX_REASON_LENGTH = 500;

    @AggregateIdentifier
    private UUID walletId;
    private UUID customerId;
    private String currency;
    private long available;
    private long held;
    private Map<UUID, OpenReservation> openReservations = new HashMap<>();
    /** Ids of captured or released reservations: a settled id can never hold funds again. */
    private Set<UUID> settledReservations = new HashSet<>();

    /** A hold on funds that is neither captured nor released yet. */
    record OpenReservation(long amount, ReservationPurpose purpose, UUID referenceId) {
    }

    protected Wallet() {
        // for event sourcing and snapshots
    }

    @CommandHandler
    public Wallet(OpenWallet command) {
        if (command.walletId() == null || command.customerId() == null) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "wallet and customer ids are required");
        }
        Money.of(0, command.currency()); // validates the ISO-4217 code
        apply(new WalletOpened(command.walletId(), command.customerId(), command.currency()));
    }

    @CommandHandler
    public void handle(DepositFunds command) {
        long amount = positiveAmount(command.amount());
        if (command.providerReference() == null || command.providerReference().isBlank()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "a deposit needs the payment provider's reference");
        }
        apply(new FundsDeposited(walletId, command.depositId(), command.amount(), command.providerReference(),
                add(available, amount), held));
    }

    @CommandHandler
    public void handle(ReserveFunds command) {
        long amount = positiveAmount(command.amount());
        if (command.reservationId() == null || command.purpose() == null || command.referenceId() == null) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "a reservation needs an id, a purpose and a reference");
        }
        if (settledReservations.contains(command.reservationId())) {
            throw new RuleViolation(ProblemType.CONFLICT,
                    "reservation " + command.reservationId() + " was already settled and cannot hold funds again");
        }
        OpenReservation existing = openReservations.get(command.reservationId());
        if (existing != null) {
            if (existing.equals(new OpenReservation(amount, command.purpose(), command.referenceId()))) {
                return; // the same reservation asked for again: already held, nothing more to do
            }
            throw new RuleViolation(ProblemType.CONFLICT, "reservation " + command.reservationId() + " is already open");
        }
        if (amount > available) {
            throw new RuleViolation(ProblemType.INSUFFICIENT_FUNDS,
                    "available " + available + " is less than the " + amount + " to reserve");
        }
        apply(new FundsReserved(walletId, command.reservationId(), command.amount(), command.purpose(),
                command.referenceId(), available - amount, add(held, amount)));
    }

    @CommandHandler
    public void handle(CaptureReservation command) {
        OpenReservation reservation = open(command.reservationId());
        apply(new ReservationCaptured(walletId, command.reservationId(), Money.of(reservation.amount(), currency),
                reservation.purpose(), reservation.referenceId(), available, held - reservation.amount()));
    }

    @CommandHandler
    public void handle(ReleaseReservation command) {
        OpenReservation reservation = open(command.reservationId());
        apply(new ReservationReleased(walletId, command.reservationId(), Money.of(reservation.amount(), currency),
                reservation.purpose(), reservation.referenceId(), command.reason(),
                add(available, reservation.amount()), held - reservation.amount()));
    }

    @CommandHandler
    public void handle(AdjustBalance command) {
        Money money = sameCurrency(command.amount());
        long amount = money.amount();
        if (amount == 0 || amount > Money.MAX_AMOUNT || amount < -Money.MAX_AMOUNT) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "an adjustment must be non-zero and at most " + Money.MAX_AMOUNT + " in size");
        }
        if (command.reason() == null || command.reason().isBlank() || command.reason().length() > MAX_REASON_LENGTH) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "an adjustment needs a reason of at most " + MAX_REASON_LENGTH + " characters");
        }
        if (amount < 0 && available + amount < 0) {
            throw new RuleViolation(ProblemType.INSUFFICIENT_FUNDS,
                    "available " + available + " cannot cover a debit of " + -amount);
        }
        apply(new BalanceAdjusted(walletId, command.adjustmentId(), money, command.reason().strip(),
                add(available, amount), held));
    }

    @EventSourcingHandler
    void on(WalletOpened event) {
        walletId = event.walletId();
        customerId = event.customerId();
        currency = event.currency();
    }

    @EventSourcingHandler
    void on(FundsReserved event) {
        openReservations.put(event.reservationId(),
                new OpenReservation(event.amount().amount(), event.purpose(), event.referenceId()));
        moved(event);
    }

    @EventSourcingHandler
    void on(ReservationCaptured event) {
        openReservations.remove(event.reservationId());
        settledReservations.add(event.reservationId());
        moved(event);
    }

    @EventSourcingHandler
    void on(ReservationReleased event) {
        openReservations.remove(event.reservationId());
        settledReservations.add(event.reservationId());
        moved(event);
    }

    @EventSourcingHandler
    void on(FundsDeposited event) {
        moved(event);
    }

    @EventSourcingHandler
    void on(BalanceAdjusted event) {
        moved(event);
    }

    private void moved(MoneyMoved event) {
        available = event.availableAfter();
        held = event.heldAfter();
    }

    private OpenReservation open(UUID reservationId) {
        OpenReservation reservation = openReservations.get(reservationId);
        if (reservation == null) {
            throw new RuleViolation(ProblemType.CONFLICT,
                    "reservation " + reservationId + " is not open: it was never made, or is already settled");
        }
        return reservation;
    }

    private long positiveAmount(Money money) {
        long amount = sameCurrency(money).amount();
        if (amount <= 0 || amount > Money.MAX_AMOUNT) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "amount must be between 1 and " + Money.MAX_AMOUNT + " minor units");
        }
        return amount;
    }

    private Money sameCurrency(Money money) {
        if (money == null) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "amount is required");
        }
        if (!money.currency().equals(currency)) {
            throw new RuleViolation(ProblemType.CURRENCY_MISMATCH,
                    "this wallet holds " + currency + ", not " + money.currency());
        }
        return money;
    }

    private static long add(long balance, long amount) {
        try {
            return Math.addExact(balance, amount);
        } catch (ArithmeticException e) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "the resulting balance would overflow");
        }
    }
}
