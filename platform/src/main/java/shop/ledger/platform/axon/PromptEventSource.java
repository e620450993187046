package shop.ledger.platform.axon;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.StreamableMessageSource;
import shop.ledger.platform.DaemonThreads;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The event store as the pooled streaming processors see it, with an availability callback.
 * <p>
 * A pooled processor whose stream has no callback looks for new events only every 500 ms, which alone
 * would make every read model half a second late. This source answers the callback with a light tick
 * (every {@code tick}): the processor's coordinator then checks its in-memory stream at that rhythm.
 * A spurious tick costs one in-memory look; the coordinator never schedules itself twice.
 */
public class PromptEventSource implements StreamableMessageSource<TrackedEventMessage<?>>, AutoCloseable {

    private final StreamableMessageSource<TrackedEventMessage<?>> delegate;
    private final Set<Runnable> callbacks = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("event-availability-tick"));

    public PromptEventSource(StreamableMessageSource<TrackedEventMessage<?>> delegate, Duration tick) {
        this.delegate = delegate;
        long millis = Math.max(1, tick.toMillis());
        ticker.scheduleWithFixedDelay(() -> callbacks.forEach(PromptEventSource::runQuietly), millis, millis,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public BlockingStream<TrackedEventMessage<?>> openStream(TrackingToken trackingToken) {
        return new PromptStream(delegate.openStream(trackingToken));
    }

    @Override
    public TrackingToken createTailToken() {
        return delegate.createTailToken();
    }

    @Override
    public TrackingToken createHeadToken() {
        return delegate.createHeadToken();
    }

    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        return delegate.createTokenAt(dateTime);
    }

    @Override
    public TrackingToken createTokenSince(Duration duration) {
        return delegate.createTokenSince(duration);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    private static void runQuietly(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException ignored) {
            // a processor shutting down; its stream unregisters on close
        }
    }

    private final class PromptStream implements BlockingStream<TrackedEventMessage<?>> {

        private final BlockingStream<TrackedEventMessage<?>> stream;
        private volatile Runnable callback;

        private PromptStream(BlockingStream<TrackedEventMessage<?>> stream) {
            this.stream = stream;
        }

        @Override
        public Optional<TrackedEventMessage<?>> peek() {
            return stream.peek();
        }

        @Override
        public boolean hasNextAvailable(int timeout, TimeUnit unit) throws InterruptedException {
            return stream.hasNextAvailable(timeout, unit);
        }

        @Override
        public TrackedEventMessage<?> nextAvailable() throws InterruptedException {
            return stream.nextAvailable();
        }

        @Override
        public void skipMessagesWithPayloadTypeOf(TrackedEventMessage<?> ignoredMessage) {
            stream.skipMessagesWithPayloadTypeOf(ignoredMessage);
        }

        @Override
        public boolean setOnAvailableCallback(Runnable callback) {
            if (stream.setOnAvailableCallback(callback)) {
                return true; // the underlying store notifies by itself
            }
            unregister();
            this.callback = callback;
            callbacks.add(callback);
            return true;
        }

        @Override
        public void close() {
            unregister();
            stream.close();
        }

        private void unregister() {
            Runnable registered = callback;
            if (registered != null) {
                callbacks.remove(registered);
            }
        }
    }
}
