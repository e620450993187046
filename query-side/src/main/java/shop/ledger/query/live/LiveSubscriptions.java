package shop.ledger.query.live;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import shop.ledger.platform.DaemonThreads;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The open Server-Sent Event streams of this instance, indexed by the customer and the wallet they belong
 * to. All writes go through one thread: a slow client never holds up the event processor, each stream
 * keeps its order, and no emitter is written by two threads. Streams are dropped on completion, timeout
 * or error, and closed first thing when the application stops, so a graceful shutdown is not kept waiting.
 */
@Component
public class LiveSubscriptions implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LiveSubscriptions.class);

    private record Subscriber(UUID customerId, UUID walletId, SseEmitter emitter) {
    }

    /** Keyed by customer id and by wallet id (both UUIDs, never equal), so either kind of update finds its streams. */
    private final Map<UUID, Set<Subscriber>> byKey = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("live-updates-writer"));
    private volatile boolean running;

    public LiveSubscriptions(@Value("${ledger.live.timeout:30m}") Duration timeout,
                             @Value("${ledger.live.heartbeat:15s}") Duration heartbeat, MeterRegistry meters) {
        this.timeout = timeout;
        long millis = heartbeat.toMillis();
        writer.scheduleWithFixedDelay(this::heartbeat, millis, millis, TimeUnit.MILLISECONDS);
        Gauge.builder("ledger.live.streams", this, LiveSubscriptions::openStreams)
             .description("open Server-Sent Event streams of this instance")
             .register(meters);
    }

    /** A new stream for a customer; the client reconnects when it times out (EventSource does so by itself). */
    public SseEmitter subscribe(UUID customerId, UUID walletId) {
        SseEmitter emitter = new SseEmitter(timeout.toMillis());
        Subscriber subscriber = new Subscriber(customerId, walletId, emitter);
        emitter.onCompletion(() -> remove(subscriber));
        emitter.onTimeout(() -> {
            remove(subscriber);
            emitter.complete();
        });
        emitter.onError(error -> remove(subscriber));
        add(subscriber);
        // a first line tells the client the stream is live before any update arrives
        write(subscriber, SseEmitter.event().comment("connected").reconnectTime(3_000));
        return emitter;
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    public int openStreams() {
        return all().size();
    }

    /** Sends to every stream of the customer; the caller has made sure the change is committed. */
    public void sendToCustomer(UUID customerId, String name, Object data) {
        send(customerId, name, data);
    }

    /** Sends to every stream of the wallet's owner; the caller has made sure the change is committed. */
    public void sendToWallet(UUID walletId, String name, Object data) {
        send(walletId, name, data);
    }

    private void send(UUID key, String name, Object data) {
        Set<Subscriber> subscribers = byKey.get(key);
        if (subscribers == null) {
            return;
        }
        for (Subscriber subscriber : subscribers) {
            write(subscriber, SseEmitter.event().name(name).data(data, MediaType.APPLICATION_JSON));
        }
    }

    private void write(Subscriber subscriber, SseEmitter.SseEventBuilder event) {
        try {
            writer.execute(() -> {
                try {
                    subscriber.emitter().send(event);
                } catch (IOException | IllegalStateException gone) {
                    // the client went away (the container then completes the request) or the stream ended
                    remove(subscriber);
                }
            });
        } catch (RejectedExecutionException stopping) {
            remove(subscriber);
        }
    }

    private void add(Subscriber subscriber) {
        byKey.computeIfAbsent(subscriber.customerId(), key -> ConcurrentHashMap.newKeySet()).add(subscriber);
        if (subscriber.walletId() != null) {
            byKey.computeIfAbsent(subscriber.walletId(), key -> ConcurrentHashMap.newKeySet()).add(subscriber);
        }
    }

    private void remove(Subscriber subscriber) {
        removeFrom(subscriber.customerId(), subscriber);
        if (subscriber.walletId() != null) {
            removeFrom(subscriber.walletId(), subscriber);
        }
    }

    private void removeFrom(UUID key, Subscriber subscriber) {
        byKey.computeIfPresent(key, (k, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    private Set<Subscriber> all() {
        return byKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
    }

    /** A comment line keeps proxies and load balancers from closing an idle stream. */
    private void heartbeat() {
        try {
            all().forEach(subscriber -> write(subscriber, SseEmitter.event().comment("heartbeat")));
        } catch (RuntimeException e) {
            // an exception would cancel the schedule for good
            log.warn("live stream heartbeat failed", e);
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Runs early in shutdown (highest phase): the open streams end, clients reconnect to another instance. */
    @Override
    public void stop() {
        running = false;
        try {
            writer.submit(() -> all().forEach(subscriber -> {
                remove(subscriber);
                try {
                    subscriber.emitter().complete();
                } catch (RuntimeException e) {
                    log.debug("closing a live stream failed", e);
                }
            })).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the live streams did not finish", e);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void destroy() {
        writer.shutdownNow();
    }
}
