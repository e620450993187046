package shop.ledger.command.wallet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.Configuration;
import org.axonframework.config.DefaultConfigurer;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.Message;
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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * R1 as properties: random journeys of wallet commands through a real Axon set-up (command bus, event
 * sourcing repository, in-memory event store). After every journey the wallet's own event stream must
 * conserve money, never show a negative balance, keep held equal to the open reservations and settle
 * every reservation at most once. While sending, a small model predicts each command's outcome, so a
 * refusal (insufficient funds above all) is only accepted when the rules call for it.
 */
class WalletInvariantsProperties {

    private static final String USD = "USD";
    /** Reservation ids a journey can refer to: reserving, repeating, capturing and releasing collide often. */
    private static final int SLOTS = 8;

    private static Configuration axon;
    private static CommandGateway commands;
    private static EventStore eventStore;

    @BeforeContainer
    static void startAxon() {
        // the plain Configurer ignores @Aggregate's Spring bean names (snapshot trigger, cache); no
        // auto-located modules, or axon-server-connector on the class path would route to an Axon Server
        axon = DefaultConfigurer.defaultConfiguration(false)
                                .configureEmbeddedEventStore(c -> new InMemoryEventStorageEngine())
                                .configureAggregate(Wallet.class)
                                .buildConfiguration();
        axon.start();
        commands = axon.commandGateway();
        eventStore = axon.eventStore();
    }

    @AfterContainer
    static void stopAxon() {
        if (axon != null) {
            axon.shutdown();
        }
    }

    // ---- the properties ----

    /**
     * Money is conserved and reservations settle at most once, whatever the order of deposits,
     * reservations (new, repeated, conflicting), captures, releases (of open, settled and unknown
     * reservations) and staff adjustments. A slot whose reservation is settled is given a fresh id before
     * it is reserved again; {@link #settledReservationIdsAreNeverReservedAgain} covers reusing it.
     */
    @Property(tries = 200)
    void moneyIsConservedAndEveryRefusalIsLegitimate(@ForAll("journeys") List<Step> journey) {
        run(journey, false);
    }

    /**
     * The same journeys, but a retried ReserveFunds may carry the id of a reservation that is already
     * captured or released: R1 says that reservation is settled for good, so the retry must be refused.
     * Shrunk counterexample today: Deposit 1; Reserve r 1; Release r; Reserve r 1 (same command again)
     * is accepted and holds the funds a second time (FundsReserved twice for r, r settleable twice).
     */
    @Property(tries = 200)
    void settledReservationIdsAreNeverReservedAgain(@ForAll("journeys") List<Step> journey) {
        run(journey, true);
    }

    // ---- the journey ----

    private static void run(List<Step> journey, boolean reuseSettledIds) {
        UUID walletId = UUID.randomUUID();
        commands.sendAndWait(new OpenWallet(walletId, UUID.randomUUID(), USD));
        Model model = new Model();
        int expectedEvents = 1;
        for (int i = 0; i < journey.size(); i++) {
            Step step = journey.get(i);
            Object command = model.command(walletId, step, reuseSettledIds);
            Outcome expected = model.predict(command);
            Outcome actual = send(command);
            String where = "step " + i + " " + step + " sent as " + command + " (model " + model + ")";
            assertThat(actual).as(where).isEqualTo(expected.asSeenBySender());
            if (expected == Outcome.EVENT) {
                expectedEvents++;
                model.apply(command);
            }
            assertThat(events(walletId)).as("events after " + where).hasSize(expectedEvents);
        }
        List<Object> events = events(walletId);
        checkInvariants(walletId, events);
        MoneyMoved last = events.size() > 1 ? (MoneyMoved) events.get(events.size() - 1) : null;
        assertThat(last == null ? 0 : last.availableAfter()).as("available as the model has it")
                                                                .isEqualTo(model.available);
        assertThat(last == null ? 0 : last.heldAfter()).as("held as the model has it").isEqualTo(model.held);
    }

    private static Outcome send(Object command) {
        try {
            commands.sendAndWait(command);
            return Outcome.ACCEPTED;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RuleViolation violation) {
                    return Outcome.of(violation.problem());
                }
            }
            throw e;
        }
    }

    private static List<Object> events(UUID walletId) {
        return eventStore.readEvents(walletId.toString()).asStream().map(Message::getPayload)
                         .map(Object.class::cast).toList();
    }

    /** What R1 demands of a wallet's event stream, read from the events alone. */
    private static void checkInvariants(UUID walletId, List<Object> events) {
        assertThat(events.get(0)).isInstanceOf(WalletOpened.class);
        long available = 0;
        long held = 0;
        long credits = 0;
        long debits = 0;
        Map<UUID, Long> open = new HashMap<>();
        Set<UUID> reserved = new HashSet<>();
        Set<UUID> settled = new HashSet<>();
        for (int i = 1; i < events.size(); i++) {
            Object event = events.get(i);
            String where = "event " + i + " " + event;
            assertThat(event).as(where).isInstanceOf(MoneyMoved.class);
            MoneyMoved moved = (MoneyMoved) event;
            assertThat(moved.walletId()).as(where).isEqualTo(walletId);
            assertThat(moved.amount().currency()).as(where).isEqualTo(USD);

            available = Math.addExact(available, moved.availableChange());
            held = Math.addExact(held, moved.heldChange());
            assertThat(moved.availableAfter()).as("availableAfter is the running sum at " + where).isEqualTo(available);
            assertThat(moved.heldAfter()).as("heldAfter is the running sum at " + where).isEqualTo(held);
            assertThat(moved.availableAfter()).as("available never negative at " + where).isNotNegative();
            assertThat(moved.heldAfter()).as("held never negative at " + where).isNotNegative();

            if (moved instanceof FundsDeposited deposited) {
                assertThat(deposited.amount().amount()).as(where).isBetween(1L, Money.MAX_AMOUNT);
                credits += deposited.amount().amount();
            } else if (moved instanceof BalanceAdjusted adjusted) {
                long amount = adjusted.amount().amount();
                assertThat(amount).as(where).isNotZero().isBetween(-Money.MAX_AMOUNT, Money.MAX_AMOUNT);
                assertThat(adjusted.reason()).as("an adjustment has a reason: " + where).isNotBlank();
                if (amount > 0) {
                    credits += amount;
                } else {
                    debits -= amount;
                }
            } else if (moved instanceof FundsReserved reservation) {
                assertThat(reservation.amount().amount()).as(where).isBetween(1L, Money.MAX_AMOUNT);
                assertThat(reserved.add(reservation.reservationId()))
                        .as("a reservation id is reserved at most once: " + where).isTrue();
                open.put(reservation.reservationId(), reservation.amount().amount());
            } else if (moved instanceof ReservationCaptured captured) {
                settle(captured.reservationId(), captured.amount().amount(), open, reserved, settled, where);
                debits += captured.amount().amount();
            } else if (moved instanceof ReservationReleased released) {
                settle(released.reservationId(), released.amount().amount(), open, reserved, settled, where);
            }
            assertThat(held).as("held is the sum of the open reservations at " + where)
                            .isEqualTo(open.values().stream().mapToLong(Long::longValue).sum());
        }
        assertThat(available + held).as("balance = credits - debits").isEqualTo(credits - debits);
    }

    private static void settle(UUID reservationId, long amount, Map<UUID, Long> open, Set<UUID> reserved,
                               Set<UUID> settled, String where) {
        assertThat(reserved).as("only a reservation that was made is settled: " + where).contains(reservationId);
        assertThat(settled.add(reservationId)).as("a reservation is settled at most once: " + where).isTrue();
        assertThat(open.remove(reservationId)).as("the settled amount is the reserved amount: " + where)
                                              .isEqualTo(amount);
    }

    // ---- the model ----

    enum Outcome {
        /** accepted, one event */
        EVENT,
        /** accepted, nothing to do (a repeated reservation) */
        NOTHING,
        /** accepted: an event or nothing, as the sender sees it (the event count tells which) */
        ACCEPTED,
        VALIDATION_FAILED, CURRENCY_MISMATCH, INSUFFICIENT_FUNDS, CONFLICT;

        static Outcome of(ProblemType problem) {
            return valueOf(problem.name());
        }

        Outcome asSeenBySender() {
            return this == EVENT || this == NOTHING ? ACCEPTED : this;
        }
    }

    /** The wallet as the rules say it should be, plus the ids each reservation slot stands for. */
    private static final class Model {
        long available;
        long held;
        final UUID[] ids = new UUID[SLOTS];
        final ReserveFunds[] lastReserve = new ReserveFunds[SLOTS];
        final Map<UUID, ReserveFunds> open = new HashMap<>();
        final Set<UUID> settled = new HashSet<>();

        Model() {
            for (int i = 0; i < SLOTS; i++) {
                ids[i] = UUID.randomUUID();
            }
        }

        Object command(UUID walletId, Step step, boolean reuseSettledIds) {
            if (step instanceof Deposit d) {
                return new DepositFunds(walletId, UUID.randomUUID(), usd(d.amount().resolve(available)),
                        "psp-" + UUID.randomUUID());
            }
            if (step instanceof Reserve r) {
                if (settled.contains(ids[r.slot()]) && !reuseSettledIds) {
                    ids[r.slot()] = UUID.randomUUID();
                    lastReserve[r.slot()] = null;
                }
                ReserveFunds before = lastReserve[r.slot()];
                ReserveFunds command = r.repeat() && before != null ? before
                        : new ReserveFunds(walletId, ids[r.slot()], usd(r.amount().resolve(available)),
                                r.purpose(), UUID.randomUUID());
                lastReserve[r.slot()] = command;
                return command;
            }
            if (step instanceof Capture c) {
                return new CaptureReservation(walletId, ids[c.slot()]);
            }
            if (step instanceof Release r) {
                return new ReleaseReservation(walletId, ids[r.slot()], "cancelled");
            }
            Adjust a = (Adjust) step;
            long size = a.amount().resolve(available);
            return new AdjustBalance(walletId, UUID.randomUUID(), usd(a.debit() ? -size : size), a.reason());
        }

        Outcome predict(Object command) {
            if (command instanceof DepositFunds d) {
                return inRange(d.amount().amount()) ? Outcome.EVENT : Outcome.VALIDATION_FAILED;
            }
            if (command instanceof ReserveFunds r) {
                long amount = r.amount().amount();
                if (!inRange(amount)) {
                    return Outcome.VALIDATION_FAILED;
                }
                ReserveFunds existing = open.get(r.reservationId());
                if (existing != null) {
                    // the same reservation again is idempotent; the same id for anything else conflicts
                    return existing.amount().equals(r.amount()) && existing.purpose() == r.purpose()
                            && existing.referenceId().equals(r.referenceId()) ? Outcome.NOTHING : Outcome.CONFLICT;
                }
                if (settled.contains(r.reservationId())) {
                    return Outcome.CONFLICT; // R1: a settled reservation stays settled
                }
                // the rule under test: when the funds suffice, the reservation must go through
                return amount <= available ? Outcome.EVENT : Outcome.INSUFFICIENT_FUNDS;
            }
            if (command instanceof CaptureReservation c) {
                return open.containsKey(c.reservationId()) ? Outcome.EVENT : Outcome.CONFLICT;
            }
            if (command instanceof ReleaseReservation r) {
                return open.containsKey(r.reservationId()) ? Outcome.EVENT : Outcome.CONFLICT;
            }
            AdjustBalance a = (AdjustBalance) command;
            long amount = a.amount().amount();
            if (amount == 0 || amount < -Money.MAX_AMOUNT || amount > Money.MAX_AMOUNT
                    || a.reason() == null || a.reason().isBlank()) {
                return Outcome.VALIDATION_FAILED;
            }
            return available + amount < 0 ? Outcome.INSUFFICIENT_FUNDS : Outcome.EVENT;
        }

        void apply(Object command) {
            if (command instanceof DepositFunds d) {
                available += d.amount().amount();
            } else if (command instanceof ReserveFunds r) {
                open.put(r.reservationId(), r);
                available -= r.amount().amount();
                held += r.amount().amount();
            } else if (command instanceof CaptureReservation c) {
                held -= settle(c.reservationId());
            } else if (command instanceof ReleaseReservation r) {
                long amount = settle(r.reservationId());
                held -= amount;
                available += amount;
            } else if (command instanceof AdjustBalance a) {
                available += a.amount().amount();
            }
        }

        private long settle(UUID reservationId) {
            settled.add(reservationId);
            return open.remove(reservationId).amount().amount();
        }

        private static boolean inRange(long amount) {
            return amount > 0 && amount <= Money.MAX_AMOUNT;
        }

        @Override
        public String toString() {
            return "available=" + available + ", held=" + held + ", open=" + open.size();
        }
    }

    private static Money usd(long amount) {
        return Money.of(amount, USD);
    }

    // ---- the generators ----

    /** A journey step, kept abstract so that jqwik shrinks journeys to readable counterexamples. */
    sealed interface Step permits Deposit, Reserve, Capture, Release, Adjust {
    }

    record Deposit(Amount amount) implements Step {
    }

    /** {@code repeat}: send the slot's previous ReserveFunds again, unchanged (when there was one). */
    record Reserve(int slot, Amount amount, ReservationPurpose purpose, boolean repeat) implements Step {
    }

    record Capture(int slot) implements Step {
    }

    record Release(int slot) implements Step {
    }

    record Adjust(Amount amount, boolean debit, String reason) implements Step {
    }

    /** An amount, fixed or relative to what is available when the step runs (to hit the exact boundary). */
    sealed interface Amount permits Fixed, AvailablePlus, ShareOfAvailable {
        long resolve(long available);
    }

    record Fixed(long value) implements Amount {
        public long resolve(long available) {
            return value;
        }
    }

    record AvailablePlus(long delta) implements Amount {
        public long resolve(long available) {
            return available + delta;
        }
    }

    /** A share of what is available (at least 1), so that reservations and debits often go through. */
    record ShareOfAvailable(int percent) implements Amount {
        public long resolve(long available) {
            return Math.max(1, Math.multiplyExact(available, percent) / 100);
        }
    }

    @Provide
    Arbitrary<List<Step>> journeys() {
        Arbitrary<Integer> slots = Arbitraries.integers().between(0, SLOTS - 1);
        Arbitrary<Step> deposit = fixedAmounts().map(Deposit::new);
        Arbitrary<Step> reserve = Combinators.combine(slots, amounts(), Arbitraries.of(ReservationPurpose.class),
                Arbitraries.of(true, false, false)).as(Reserve::new);
        Arbitrary<Step> capture = slots.map(Capture::new);
        Arbitrary<Step> release = slots.map(Release::new);
        Arbitrary<String> reasons = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of("goodwill", "  duplicate deposit reversed  ", "x".repeat(500))),
                Tuple.of(1, Arbitraries.of("", "   ", "\t")))
                                               .injectNull(0.03);
        Arbitrary<Step> adjust = Combinators.combine(amounts(), Arbitraries.of(true, false), reasons).as(Adjust::new);
        return Arbitraries.frequencyOf(
                Tuple.of(3, deposit),
                Tuple.of(4, reserve),
                Tuple.of(2, capture),
                Tuple.of(2, release),
                Tuple.of(2, adjust)).list().ofMinSize(1).ofMaxSize(60)
                                    .withSizeDistribution(RandomDistribution.uniform());
    }

    /** Small everyday amounts, large ones, the edges 1 and MAX_AMOUNT, and a few invalid ones. */
    private static Arbitrary<Amount> fixedAmounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(1, 10_000)),
                Tuple.of(2, Arbitraries.longs().between(1, Money.MAX_AMOUNT)),
                Tuple.of(2, Arbitraries.of(1L, Money.MAX_AMOUNT - 1, Money.MAX_AMOUNT)),
                Tuple.of(1, Arbitraries.of(0L, -1L, Money.MAX_AMOUNT + 1))).map(Fixed::new);
    }

    /** Fixed amounts, a share of what is available, or exactly what is available, one less or one more. */
    private static Arbitrary<Amount> amounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, fixedAmounts()),
                Tuple.of(3, Arbitraries.integers().between(1, 100).map(ShareOfAvailable::new)),
                Tuple.of(1, Arbitraries.of(-1L, 0L, 1L).map(AvailablePlus::new)));
    }
}
