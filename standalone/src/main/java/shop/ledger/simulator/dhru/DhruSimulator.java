package shop.ledger.simulator.dhru;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;
import shop.ledger.command.supplier.dhru.DhruSuppliers;
import shop.ledger.platform.DaemonThreads;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.simulator.StateFile;
import shop.ledger.simulator.dhru.SimulatedServices.Service;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The simulated supplier's side: the orders it received, how they progress, and the faults it is told to
 * show. It stands for an outside party, so its state lives apart from the ledger's database: in memory,
 * written through to {@code <data dir>/simulators/dhru-orders.json} (replaced atomically) before an answer
 * leaves, so a restart forgets nothing it acknowledged.
 */
@Component
@ConditionalOnProperty(name = "ledger.simulators.enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(DhruSimulatorProperties.class)
public class DhruSimulator implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DhruSimulator.class);
    private static final long FIRST_REFERENCE = 1_400_001;
    private static final List<String> REJECTION_REASONS = List.of(
            "IMEI is blacklisted (reported lost/stolen) - not supported",
            "Not found in the carrier's database - check the IMEI and the network",
            "Device is financed / not fully paid - not eligible",
            "Wrong model or network selected - order refunded");

    /** How placeimeiorder misbehaves on purpose. */
    public enum PlaceMode {
        OK,
        /** a definite ERROR answer; nothing is recorded */
        ERROR,
        /** the order is recorded, but the answer comes only after {@code timeoutDelay} */
        TIMEOUT,
        /** a non-JSON page instead of an answer; nothing is recorded */
        GARBAGE,
        /** the order is recorded, but the answer is garbage: the lost-answer case */
        DROP_AFTER_ACCEPT
    }

    /** How getimeiorder misbehaves on purpose. */
    public enum StatusMode {
        OK,
        ERROR,
        TIMEOUT,
        GARBAGE
    }

    public record Faults(PlaceMode placeMode, StatusMode statusMode, Duration timeoutDelay) {
    }

    /**
     * One order as the supplier received it.
     *
     * @param parameters everything the client sent in {@code parameters}: shows what left the ledger (R12)
     * @param status     DHRU status: 0 new, 1 in process, 3 rejected, 4 completed
     * @param code       the result (status 4) or the rejection reason (status 3)
     * @param completeAt when it completes by itself; null when it waits to be told
     */
    public record Order(String referenceId, String serviceId, String imei, Map<String, String> parameters, int status,
                        String code, Instant receivedAt, Instant updatedAt, Instant completeAt) {

        boolean open() {
            return status == 0 || status == 1;
        }

        Order with(int newStatus, String newCode, Instant at) {
            return new Order(referenceId, serviceId, imei, parameters, newStatus, newCode, receivedAt, at, null);
        }
    }

    /** The persisted file's shape. */
    private record Book(List<Order> orders) {
    }

    private final DhruSimulatorProperties properties;
    private final Duration defaultTimeoutDelay;
    private final StateFile<Book> file;
    private final ScheduledExecutorService completions;
    /** Guarded by {@code this}, as is the file. */
    private final Map<String, Order> orders = new LinkedHashMap<>();
    private long lastReference = FIRST_REFERENCE - 1;
    private volatile Faults faults;
    private volatile boolean autocomplete;

    /**
     * @param suppliers the ledger's configured suppliers: unless configured, the TIMEOUT fault waits a second
     *                  longer than the longest read timeout among them, so it times the client out whatever its setting
     */
    @Autowired
    public DhruSimulator(DhruSimulatorProperties properties, LedgerProperties ledger, ObjectProvider<DhruSuppliers> suppliers) {
        this(properties, ledger, Optional.ofNullable(properties.timeoutDelay()).orElseGet(() ->
                suppliers.stream().flatMap(configured -> configured.values().stream())
                         .map(DhruSuppliers.Supplier::readTimeout)
                         .max(Comparator.naturalOrder())
                         .orElse(Duration.ofSeconds(29))
                         .plusSeconds(1)));
    }

    public DhruSimulator(DhruSimulatorProperties properties, LedgerProperties ledger, Duration defaultTimeoutDelay) {
        this.properties = properties;
        this.defaultTimeoutDelay = defaultTimeoutDelay;
        this.file = new StateFile<>(ledger.dataDir().resolve("simulators").resolve("dhru-orders.json"), Book.class,
                "DHRU simulator");
        this.faults = new Faults(PlaceMode.OK, StatusMode.OK, defaultTimeoutDelay);
        this.autocomplete = properties.autocomplete();
        this.completions = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("dhru-simulator"));
        load();
    }

    public DhruSimulatorProperties properties() {
        return properties;
    }

    // --- orders ------------------------------------------------------------------------------------------------

    /** Records a new order in process, and when autocomplete is on, schedules its completion. */
    public synchronized Order receive(Service service, String imei, Map<String, String> parameters) {
        Instant now = Instant.now();
        Instant completeAt = autocomplete ? now.plus(randomDelay()) : null;
        Order order = new Order(String.valueOf(++lastReference), service.id(), imei, Map.copyOf(parameters), 1, null,
                now, now, completeAt);
        orders.put(order.referenceId(), order);
        save();
        schedule(order);
        return order;
    }

    public synchronized Optional<Order> find(String referenceId) {
        return Optional.ofNullable(orders.get(referenceId));
    }

    /** Every order received, oldest first; only those for the IMEI when one is given. */
    public synchronized List<Order> orders(String imei) {
        return orders.values().stream().filter(o -> imei == null || imei.isBlank() || o.imei().equals(imei)).toList();
    }

    /**
     * Sets an order's status as the supplier's staff would; it then no longer completes by itself. A completion
     * without a code gets a plausible one, a rejection without a reason a generic one.
     */
    public synchronized Optional<Order> update(String referenceId, int status, String code) {
        if (status != 0 && status != 1 && status != 3 && status != 4) {
            throw new IllegalArgumentException("status must be 0, 1, 3 or 4");
        }
        Order order = orders.get(referenceId);
        if (order == null) {
            return Optional.empty();
        }
        String given = code == null || code.isBlank() ? null : code;
        String detail = switch (status) {
            case 4 -> given != null ? given : resultFor(order.serviceId());
            case 3 -> given != null ? given : "Rejected by the supplier";
            default -> given;
        };
        Order updated = order.with(status, detail, Instant.now());
        orders.put(referenceId, updated);
        save();
        return Optional.of(updated);
    }

    /** The account's credit: the starting credit less every order not rejected. */
    public synchronized BigDecimal credit() {
        BigDecimal spent = orders.values().stream()
                                 .filter(o -> o.status() != 3)
                                 .map(o -> SimulatedServices.byId(o.serviceId()).map(Service::price).orElse(BigDecimal.ZERO))
                                 .reduce(BigDecimal.ZERO, BigDecimal::add);
        return properties.credit().subtract(spent);
    }

    // --- switches ----------------------------------------------------------------------------------------------

    public Faults faults() {
        return faults;
    }

    /** Null fields mean no fault (and the configured timeout delay), so an empty body resets. */
    public Faults setFaults(PlaceMode placeMode, StatusMode statusMode, Duration timeoutDelay) {
        faults = new Faults(placeMode == null ? PlaceMode.OK : placeMode, statusMode == null ? StatusMode.OK : statusMode,
                timeoutDelay == null ? defaultTimeoutDelay : timeoutDelay);
        if (faults.placeMode() != PlaceMode.OK || faults.statusMode() != StatusMode.OK) {
            log.info("DHRU simulator faults: place {}, status {}", faults.placeMode(), faults.statusMode());
        }
        return faults;
    }

    public boolean autocomplete() {
        return autocomplete;
    }

    /**
     * Switches autocomplete at run time (tests sharing one running ledger). Orders already scheduled still
     * check the switch when their time comes, so switching off holds them in process.
     */
    public void setAutocomplete(boolean enabled) {
        autocomplete = enabled;
    }

    // --- completion by itself ----------------------------------------------------------------------------------

    private void schedule(Order order) {
        if (order.completeAt() == null || !order.open()) {
            return;
        }
        long delay = Math.max(0, Duration.between(Instant.now(), order.completeAt()).toMillis());
        try {
            completions.schedule(() -> completeByItself(order.referenceId()), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // recorded with its completion time: the next start schedules it
        }
    }

    private synchronized void completeByItself(String referenceId) {
        Order order = orders.get(referenceId);
        if (order == null || !order.open() || order.completeAt() == null) {
            return; // told otherwise meanwhile
        }
        Order done;
        if (!autocomplete) {
            done = order.with(order.status(), order.code(), order.updatedAt());
        } else if (ThreadLocalRandom.current().nextInt(Math.max(1, properties.rejectOneIn())) == 0) {
            done = order.with(3, REJECTION_REASONS.get(ThreadLocalRandom.current().nextInt(REJECTION_REASONS.size())),
                    Instant.now());
        } else {
            done = order.with(4, resultFor(order.serviceId()), Instant.now());
        }
        orders.put(referenceId, done);
        try {
            save();
        } catch (UncheckedIOException e) {
            log.warn("DHRU simulator could not save its orders: {}", e.getMessage());
        }
    }

    private Duration randomDelay() {
        long min = properties.completeAfterMin().toMillis();
        long max = Math.max(min, properties.completeAfterMax().toMillis());
        return Duration.ofMillis(min + ThreadLocalRandom.current().nextLong(max - min + 1));
    }

    /** A plausible result for the service's kind. */
    static String resultFor(String serviceId) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Service service = SimulatedServices.byId(serviceId).orElse(SimulatedServices.ALL.get(0));
        return switch (service.result()) {
            case WHITELIST_UNLOCK -> "Unlocked in the activation database. Connect the phone to Wi-Fi with a "
                                     + "non-original SIM card inserted to finish.";
            case UNLOCK_CODE -> String.format("NCK: %08d MCK: %08d", random.nextInt(100_000_000), random.nextInt(100_000_000));
            case CHECK -> service.id().equals(SimulatedServices.ICLOUD_FMI_CHECK)
                    ? "Find My iPhone: " + (random.nextBoolean() ? "OFF" : "ON") + " - iCloud Status: Clean"
                    : "Blacklist Status: " + (random.nextInt(5) == 0 ? "BLACKLISTED" : "CLEAN");
            case LOCK_REMOVAL -> "FRP lock removed. Restart the device and finish the setup wizard.";
        };
    }

    // --- persistence -------------------------------------------------------------------------------------------

    private synchronized void load() {
        file.read().ifPresent(book -> {
            for (Order order : book.orders() == null ? List.<Order>of() : book.orders()) {
                orders.put(order.referenceId(), order);
                lastReference = Math.max(lastReference, parseReference(order.referenceId()));
            }
            orders.values().forEach(this::schedule);
            log.info("DHRU simulator: {} orders restored from {}", orders.size(), file.path());
        });
    }

    private static long parseReference(String reference) {
        try {
            return Long.parseLong(reference);
        } catch (NumberFormatException notNumeric) {
            return 0;
        }
    }

    private void save() {
        file.write(new Book(new ArrayList<>(orders.values())));
    }

    @Override
    public void destroy() {
        completions.shutdownNow();
    }
}
