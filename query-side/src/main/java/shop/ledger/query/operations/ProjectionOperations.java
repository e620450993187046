package shop.ledger.query.operations;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.AbstractEventProcessor;
import org.axonframework.config.SagaConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.query.operations.ProjectionOverview.Projection;
import shop.ledger.query.operations.ProjectionOverview.SegmentStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The projections' processors as operations sees them: their positions against the event store's head,
 * and a replay that rebuilds read models from the events ({@link ProjectionRebuild}: shut down, reset tokens,
 * one pass over the store, start again) while the rest of the system keeps serving. A processor whose position
 * is kept in memory (live-updates) or that drives sagas is not replayable.
 * <p>
 * Positions come from this instance's view of its claimed segments ({@code processingStatus()}); in a
 * deployment with several query-side instances each one reports the segments it holds.
 */
@Component
public class ProjectionOperations implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProjectionOperations.class);
    private static final long RESET_TIMEOUT_SECONDS = 60;

    private final ObjectProvider<EventProcessingConfiguration> processing;
    private final ObjectProvider<EventStore> eventStore;
    /** Processors whose replay was requested here and has not yet been seen complete. */
    private final Set<String> replayRequested = ConcurrentHashMap.newKeySet();
    /** Read models this instance is rebuilding, with the rebuild's progress. */
    private final Map<String, ProjectionRebuild.Progress> rebuilding = new ConcurrentHashMap<>();
    /** One thread per concurrent rebuild: a rebuild of one read model never waits for another's. */
    private final ExecutorService resetter = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "projection-replay");
        thread.setDaemon(true);
        return thread;
    });
    private final ProjectionRebuild rebuild;

    public ProjectionOperations(ObjectProvider<EventProcessingConfiguration> processing,
                                ObjectProvider<EventStore> eventStore, JdbcTemplate jdbc,
                                @Qualifier("eventSerializer") Serializer eventSerializer,
                                @Value("${ledger.events.fetch-size:1000}") int pageSize) {
        this.processing = processing;
        this.eventStore = eventStore;
        this.rebuild = new ProjectionRebuild(jdbc, eventSerializer, pageSize);
    }

    public ProjectionOverview overview() {
        long head = headPosition();
        EventProcessingConfiguration config = processing.getObject();
        Set<String> sagas = sagaProcessors(config);
        List<Projection> items = config.eventProcessors().values().stream()
                                       .sorted(Comparator.comparing(EventProcessor::getName))
                                       .map(processor -> describe(config, sagas, processor, head))
                                       .toList();
        return new ProjectionOverview(head, items);
    }

    /**
     * Rebuilds the named read model from the events (see {@link ProjectionRebuild}); returns once its processor is
     * shut down and its tokens are reset, so its progress is visible in {@link #overview()} from then on.
     */
    public void replay(String name) {
        EventProcessingConfiguration config = processing.getObject();
        EventProcessor found = config.eventProcessors().get(name);
        if (found == null) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no projection named '" + name + "'");
        }
        if (!replayable(config, sagaProcessors(config), found)) {
            throw new RuleViolation(ProblemType.CONFLICT, "projection '" + name + "' cannot be replayed");
        }
        rebuild(config, List.of(name));
    }

    /**
     * Rebuilds every replayable read model that is not replaying already, in one pass over the event store; the
     * names rebuilt (empty when there was none to rebuild).
     */
    public List<String> replayAll() {
        EventProcessingConfiguration config = processing.getObject();
        Set<String> sagas = sagaProcessors(config);
        List<String> names = config.eventProcessors().values().stream()
                                   .filter(processor -> replayable(config, sagas, processor))
                                   .filter(processor -> !isReplaying((StreamingEventProcessor) processor))
                                   .map(EventProcessor::getName)
                                   .sorted()
                                   .toList();
        if (!names.isEmpty()) {
            rebuild(config, names);
        }
        return names;
    }

    private synchronized void rebuild(EventProcessingConfiguration config, List<String> names) {
        for (String name : names) {
            if (isReplaying((StreamingEventProcessor) config.eventProcessors().get(name))) {
                throw new RuleViolation(ProblemType.CONFLICT, "projection '" + name + "' is already replaying");
            }
        }
        List<ProjectionRebuild.Target> targets = names.stream().map(name -> {
            AbstractEventProcessor processor = (AbstractEventProcessor) config.eventProcessors().get(name);
            return new ProjectionRebuild.Target(name, (StreamingEventProcessor) processor,
                    processor.eventHandlerInvoker(), config.tokenStore(name), config.transactionManager(name));
        }).toList();
        ProjectionRebuild.Progress progress = new ProjectionRebuild.Progress(tailPosition());
        names.forEach(name -> rebuilding.put(name, progress));
        CompletableFuture<Void> reset = new CompletableFuture<>();
        resetter.submit(() -> {
            try {
                log.info("replaying projections {}: shutting down, resetting their tokens, rebuilding", names);
                rebuild.reset(targets);
                reset.complete(null);
            } catch (RuntimeException e) {
                // nothing rebuilt: the processors start again from whatever tokens they now hold
                targets.forEach(target -> target.processor().start());
                names.forEach(rebuilding::remove);
                reset.completeExceptionally(e);
                return;
            }
            try {
                rebuild.rebuild(targets, progress);
            } finally {
                // still shown as replaying until the restarted processors hold their segments again
                replayRequested.addAll(names);
                names.forEach(rebuilding::remove);
            }
        });
        try {
            reset.get(RESET_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting " + names, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reset of " + names + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the reset of " + names + " did not finish in time", e);
        }
    }

    private Projection describe(EventProcessingConfiguration config, Set<String> sagas, EventProcessor processor,
                                long head) {
        String name = processor.getName();
        boolean replayable = replayable(config, sagas, processor);
        if (!(processor instanceof StreamingEventProcessor streaming)) {
            return new Projection(name, false, processor.isRunning(), List.of(), null, null, false, null, null);
        }
        ProjectionRebuild.Progress rebuild = rebuilding.get(name);
        if (rebuild != null) {
            // shut down while the rebuild reads the store: its progress is the rebuild's
            long current = rebuild.current.get();
            Long position = current < 0 ? null : current;
            return new Projection(name, replayable, false, List.of(), position,
                    position == null ? null : Math.max(0, head - position), true, rebuild.fraction(), null);
        }
        Map<Integer, EventTrackerStatus> status = streaming.processingStatus();
        List<SegmentStatus> segments = status.values().stream()
                                             .sorted(Comparator.comparingInt(s -> s.getSegment().getSegmentId()))
                                             .map(ProjectionOperations::segment)
                                             .toList();
        Long position = status.values().stream()
                              .map(EventTrackerStatus::getCurrentPosition)
                              .map(p -> p.isPresent() ? p.getAsLong() : -1L)
                              .min(Long::compare)
                              .orElse(null);
        Long lag = position == null ? null : Math.max(0, head - position);
        boolean replaying = isReplaying(streaming);
        String error = status.values().stream()
                             .filter(EventTrackerStatus::isErrorState)
                             .map(s -> String.valueOf(s.getError()))
                             .findFirst()
                             .orElse(streaming.isError() ? "the processor is in error and retrying" : null);
        return new Projection(name, replayable, streaming.isRunning(), segments, position, lag, replaying,
                replaying ? progress(status) : null, error);
    }

    private static SegmentStatus segment(EventTrackerStatus status) {
        OptionalLong position = status.getCurrentPosition();
        return new SegmentStatus(status.getSegment().getSegmentId(), position.isPresent() ? position.getAsLong() : null,
                status.isCaughtUp(), replaying(status),
                status.isErrorState() ? String.valueOf(status.getError()) : null);
    }

    /**
     * Axon keeps a segment's replay token until an event newer than the reset point arrives; a segment that
     * has reached the position it had at the reset has rebuilt everything, so it counts as replayed.
     */
    private static boolean replaying(EventTrackerStatus status) {
        if (!status.isReplaying()) {
            return false;
        }
        OptionalLong reset = status.getResetPosition();
        OptionalLong current = status.getCurrentPosition();
        return reset.isEmpty() || current.isEmpty() || current.getAsLong() < reset.getAsLong();
    }

    /**
     * Replaying while any claimed segment is, and from the reset until the restarted processor has claimed
     * its segments (the request flag is dropped once they show up, none of them replaying).
     */
    private boolean isReplaying(StreamingEventProcessor processor) {
        if (rebuilding.containsKey(processor.getName())) {
            return true;
        }
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        boolean anyReplaying = status.values().stream().anyMatch(ProjectionOperations::replaying);
        if (anyReplaying) {
            return true;
        }
        if (replayRequested.contains(processor.getName()) && !status.isEmpty() && processor.isRunning()) {
            replayRequested.remove(processor.getName());
        }
        return replayRequested.contains(processor.getName());
    }

    /** (current - start) / (resetPosition - start) over the replaying segments, the slowest counting. */
    private Double progress(Map<Integer, EventTrackerStatus> status) {
        long start = tailPosition();
        double slowest = 1.0;
        boolean computed = false;
        for (EventTrackerStatus segment : status.values()) {
            if (!replaying(segment)) {
                continue;
            }
            OptionalLong current = segment.getCurrentPosition();
            OptionalLong reset = segment.getResetPosition();
            if (reset.isEmpty()) {
                continue;
            }
            long span = reset.getAsLong() - start;
            double done = span <= 0 ? 1.0 : (double) ((current.isPresent() ? current.getAsLong() : start) - start) / span;
            slowest = Math.min(slowest, Math.max(0.0, Math.min(1.0, done)));
            computed = true;
        }
        if (computed) {
            return slowest;
        }
        // not yet claimed after a reset: 0; replaying but not computable: unknown (never unboxed)
        return status.isEmpty() ? Double.valueOf(0.0) : null;
    }

    private boolean replayable(EventProcessingConfiguration config, Set<String> sagas, EventProcessor processor) {
        return processor instanceof StreamingEventProcessor streaming
                && !sagas.contains(processor.getName())
                && !(config.tokenStore(processor.getName()) instanceof InMemoryTokenStore)
                && streaming.supportsReset();
    }

    private static Set<String> sagaProcessors(EventProcessingConfiguration config) {
        Set<String> names = new java.util.HashSet<>();
        for (SagaConfiguration<?> saga : config.sagaConfigurations()) {
            names.add(saga.processingGroup());
            EventProcessor processor = saga.eventProcessor();
            if (processor != null) {
                names.add(processor.getName());
            }
        }
        return names;
    }

    private long headPosition() {
        return position(eventStore.getObject().createHeadToken());
    }

    private long tailPosition() {
        return position(eventStore.getObject().createTailToken());
    }

    private static long position(TrackingToken token) {
        if (token == null) {
            return -1;
        }
        OptionalLong position = token.position();
        return position.isPresent() ? position.getAsLong() : -1;
    }

    @Override
    public void close() {
        resetter.shutdownNow();
    }
}
