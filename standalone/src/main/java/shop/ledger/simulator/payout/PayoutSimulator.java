package shop.ledger.simulator.payout;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;
import shop.ledger.command.payout.http.PayoutProviderProperties;
import shop.ledger.platform.DaemonThreads;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.simulator.StateFile;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The simulated payout provider's side: the payouts it was asked for, how they progress, and the faults it is
 * told to show. It stands for an outside party, so its state lives apart from the ledger's database: in memory,
 * written through to {@code <data dir>/simulators/payouts.json} (replaced atomically) before an answer leaves, so a
 * restart forgets nothing it acknowledged.
 * <p>
 * Payouts are idempotent on the client's reference (its {@code Idempotency-Key}): the same reference with the same
 * request returns the payout it already holds; with a different request it is a conflict, and nothing changes.
 */
@Component
@ConditionalOnProperty(name = "ledger.simulators.enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(PayoutSimulatorProperties.class)
public class PayoutSimulator implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(PayoutSimulator.class);
    static final String FILE_NAME = "payouts.json";
    static final String DEFAULT_FAILURE_REASON = "Rejected by the beneficiary's bank";

    /** How a submission misbehaves on purpose. */
    public enum SubmitMode {
        OK,
        /** the payout is recorded, but the answer comes only after {@code timeoutDelay} */
        TIMEOUT,
        /** a non-JSON page instead of an answer; nothing is recorded */
        GARBAGE,
        /** the payout is recorded, but the answer is garbage: the lost-answer case */
        DROP_AFTER_ACCEPT
    }

    /** How a status query misbehaves on purpose. */
    public enum StatusMode {
        OK,
        /** the answer comes only after {@code timeoutDelay} */
        TIMEOUT,
        /** a non-JSON page instead of an answer */
        GARBAGE
    }

    public record Faults(SubmitMode submitMode, StatusMode statusMode, Duration timeoutDelay) {
    }

    public enum State {
        PENDING,
        PAID,
        FAILED
    }

    /**
     * One payout as the provider holds it.
     *
     * @param payoutReference the provider's own reference
     * @param reference       the client's reference, its Idempotency-Key (the ledger's withdrawal id)
     * @param amount          in minor units of {@code currency}
     * @param destination     where the money goes, as the client sent it: the provider needs it to pay
     * @param reason          why it FAILED
     * @param bookedAt        when it became PAID or FAILED: the statement's {@code booked_at}
     * @param completeAt      when it is paid by itself; null when it waits to be told
     */
    public record Payout(String payoutReference, String reference, long amount, String currency, String method,
                         String destination, State status, String reason, Instant createdAt, Instant updatedAt,
                         Instant bookedAt, Instant completeAt) {

        boolean pending() {
            return status == State.PENDING;
        }

        boolean sameRequest(long otherAmount, String otherCurrency, String otherMethod, String otherDestination) {
            return amount == otherAmount && currency.equals(otherCurrency) && method.equals(otherMethod)
                   && destination.equals(otherDestination);
        }

        Payout decided(State newStatus, String newReason, Instant at) {
            return new Payout(payoutReference, reference, amount, currency, method, destination, newStatus,
                    newStatus == State.FAILED ? newReason : null, createdAt, at, newStatus == State.PENDING ? null : at, null);
        }

        /** Stays pending until told. */
        Payout held() {
            return new Payout(payoutReference, reference, amount, currency, method, destination, status, reason,
                    createdAt, updatedAt, bookedAt, null);
        }
    }

    /** What a submission came to. */
    public sealed interface Submission permits Created, Repeated, Conflicting {
        Payout payout();
    }

    /** A new payout. */
    public record Created(Payout payout) implements Submission {
    }

    /** The same reference and request again: the payout already held. */
    public record Repeated(Payout payout) implements Submission {
    }

    /** The same reference with a different request: refused, nothing changed. */
    public record Conflicting(Payout payout) implements Submission {
    }

    /** The persisted file's shape. */
    private record Book(List<Payout> payouts) {
    }

    private final PayoutSimulatorProperties properties;
    private final Duration defaultTimeoutDelay;
    private final StateFile<Book> file;
    private final ScheduledExecutorService completions;
    /** By payout reference, oldest first; guarded by {@code this}, as are the index and the file. */
    private final Map<String, Payout> payouts = new LinkedHashMap<>();
    /** The client's reference to the payout reference. */
    private final Map<String, String> byReference = new HashMap<>();
    private volatile Faults faults;
    private volatile boolean autocomplete;

    /**
     * @param provider the ledger's payout provider settings: unless configured, the TIMEOUT fault waits a second
     *                 longer than its read timeout, so it times the client out whatever its setting
     */
    @Autowired
    public PayoutSimulator(PayoutSimulatorProperties properties, LedgerProperties ledger,
                           ObjectProvider<PayoutProviderProperties> provider) {
        this(properties, ledger, Optional.ofNullable(properties.timeoutDelay()).orElseGet(() ->
                Optional.ofNullable(provider.getIfAvailable())
                        .map(PayoutProviderProperties::readTimeout)
                        .orElse(Duration.ofSeconds(20))
                        .plusSeconds(1)));
    }

    public PayoutSimulator(PayoutSimulatorProperties properties, LedgerProperties ledger, Duration defaultTimeoutDelay) {
        this.properties = properties;
        this.defaultTimeoutDelay = defaultTimeoutDelay;
        this.file = new StateFile<>(ledger.dataDir().resolve("simulators").resolve(FILE_NAME), Book.class,
                "payout simulator");
        this.faults = new Faults(SubmitMode.OK, StatusMode.OK, defaultTimeoutDelay);
        this.autocomplete = properties.autocomplete();
        this.completions = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("payout-simulator"));
        load();
    }

    public PayoutSimulatorProperties properties() {
        return properties;
    }

    // --- payouts -----------------------------------------------------------------------------------------------

    /**
     * A payout for the client's reference: a new one (PENDING, paid by itself later when autocomplete is on), the
     * one already held for the same request, or a conflict when the reference was used for another request.
     */
    public synchronized Submission submit(String reference, long amount, String currency, String method,
                                          String destination) {
        Objects.requireNonNull(reference, "reference");
        Payout held = findByReference(reference).orElse(null);
        if (held != null) {
            return held.sameRequest(amount, currency, method, destination) ? new Repeated(held) : new Conflicting(held);
        }
        Instant now = now();
        Payout payout = new Payout(newPayoutReference(), reference, amount, currency, method, destination, State.PENDING,
                null, now, now, null, autocomplete ? now.plus(randomDelay()) : null);
        payouts.put(payout.payoutReference(), payout);
        byReference.put(reference, payout.payoutReference());
        try {
            save();
        } catch (UncheckedIOException e) {
            payouts.remove(payout.payoutReference());
            byReference.remove(reference);
            throw e;
        }
        schedule(payout);
        return new Created(payout);
    }

    /** By the client's reference (the Idempotency-Key). */
    public synchronized Optional<Payout> findByReference(String reference) {
        return Optional.ofNullable(byReference.get(reference)).map(payouts::get);
    }

    /** By the provider's payout reference, or else by the client's reference. */
    public synchronized Optional<Payout> find(String payoutOrClientReference) {
        return Optional.ofNullable(payouts.get(payoutOrClientReference)).or(() -> findByReference(payoutOrClientReference));
    }

    /** Every payout, oldest first; only the one for the client's reference when one is given. */
    public synchronized List<Payout> payouts(String reference) {
        return payouts.values().stream()
                      .filter(p -> reference == null || reference.isBlank() || p.reference().equals(reference))
                      .toList();
    }

    /**
     * Books a payout PAID or FAILED as the provider's bank would (or puts it back to PENDING); it then no longer
     * completes by itself. A failure without a reason gets a generic one.
     */
    public synchronized Optional<Payout> decide(String payoutOrClientReference, State status, String reason) {
        Objects.requireNonNull(status, "status");
        Optional<Payout> found = find(payoutOrClientReference);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String why = status != State.FAILED ? null : reason == null || reason.isBlank() ? DEFAULT_FAILURE_REASON : reason.strip();
        Payout decided = found.get().decided(status, why, now());
        payouts.put(decided.payoutReference(), decided);
        save();
        return Optional.of(decided);
    }

    /** The payouts booked (PAID or FAILED) on that UTC day, in booking order: the day's statement. */
    public synchronized List<Payout> booked(LocalDate day) {
        return payouts.values().stream()
                      .filter(p -> p.status() != State.PENDING && p.bookedAt() != null
                                   && LocalDate.ofInstant(p.bookedAt(), ZoneOffset.UTC).equals(day))
                      .sorted(Comparator.comparing(Payout::bookedAt).thenComparing(Payout::reference))
                      .toList();
    }

    // --- switches ----------------------------------------------------------------------------------------------

    public Faults faults() {
        return faults;
    }

    /** Null fields mean no fault (and the configured timeout delay), so an empty body resets. */
    public Faults setFaults(SubmitMode submitMode, StatusMode statusMode, Duration timeoutDelay) {
        faults = new Faults(submitMode == null ? SubmitMode.OK : submitMode, statusMode == null ? StatusMode.OK : statusMode,
                timeoutDelay == null ? defaultTimeoutDelay : timeoutDelay);
        if (faults.submitMode() != SubmitMode.OK || faults.statusMode() != StatusMode.OK) {
            log.info("payout simulator faults: submit {}, status {}", faults.submitMode(), faults.statusMode());
        }
        return faults;
    }

    public boolean autocomplete() {
        return autocomplete;
    }

    /**
     * Switches autocomplete at run time (tests sharing one running ledger). Payouts already scheduled still check
     * the switch when their time comes, so switching off holds them PENDING until told.
     */
    public void setAutocomplete(boolean enabled) {
        autocomplete = enabled;
    }

    // --- paid by itself ----------------------------------------------------------------------------------------

    private void schedule(Payout payout) {
        if (payout.completeAt() == null || !payout.pending()) {
            return;
        }
        long delay = Math.max(0, Duration.between(Instant.now(), payout.completeAt()).toMillis());
        try {
            completions.schedule(() -> completeByItself(payout.payoutReference()), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // recorded with its completion time: the next start schedules it
        }
    }

    private synchronized void completeByItself(String payoutReference) {
        Payout payout = payouts.get(payoutReference);
        if (payout == null || !payout.pending() || payout.completeAt() == null) {
            return; // told otherwise meanwhile
        }
        Payout done = autocomplete ? payout.decided(State.PAID, null, now()) : payout.held();
        payouts.put(payoutReference, done);
        try {
            save();
        } catch (UncheckedIOException e) {
            log.warn("payout simulator could not save its payouts: {}", e.getMessage());
        }
    }

    private Duration randomDelay() {
        long min = properties.completeAfterMin().toMillis();
        long max = Math.max(min, properties.completeAfterMax().toMillis());
        return Duration.ofMillis(min + ThreadLocalRandom.current().nextLong(max - min + 1));
    }

    private String newPayoutReference() {
        String reference;
        do {
            reference = "po_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        } while (payouts.containsKey(reference));
        return reference;
    }

    /** Milliseconds are what a statement shows. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    // --- persistence -------------------------------------------------------------------------------------------

    private synchronized void load() {
        file.read().ifPresent(book -> {
            for (Payout payout : book.payouts() == null ? List.<Payout>of() : book.payouts()) {
                payouts.put(payout.payoutReference(), payout);
                byReference.put(payout.reference(), payout.payoutReference());
            }
            payouts.values().forEach(this::schedule);
            log.info("payout simulator: {} payouts restored from {}", payouts.size(), file.path());
        });
    }

    private void save() {
        file.write(new Book(new ArrayList<>(payouts.values())));
    }

    @Override
    public void destroy() {
        completions.shutdownNow();
    }
}
