package shop.ledger.query.operations;

import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.config.SagaConfiguration;
import org.axonframework.eventhandling.AbstractEventProcessor;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.DaemonThreads;
import shop.ledger.platform.db.OwnTransaction;
import shop.ledger.query.operations.ProjectionOverview.Projection;
import shop.ledger.query.operations.ProjectionOverview.Replay;
import shop.ledger.query.operations.ProjectionOverview.SegmentStatus;
import shop.ledger.query.support.ReadModelTables;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The projections' processors as operations sees them: their positions against the event store's head, and a replay
 * that rebuilds read models from the events into fresh tables and swaps them in ({@link ProjectionRebuild}) while
 * the live read models and their processors keep serving. A processor whose position is kept in memory
 * (live-updates) or that drives sagas is not replayable.
 * <p>
 * Positions come from this instance's view of its claimed segments ({@code processingStatus()}); in a deployment
 * with several query-side instances each one reports the segments it holds. Rebuilds are recorded in the database
 * ({@link RebuildRuns}): any instance may start one, whoever holds the processors' segments, and every instance shows
 * its progress.
 */
@Component
public class ProjectionOperations implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProjectionOperations.class);

    private final ObjectProvider<EventProcessingConfiguration> processing;
    private final ObjectProvider<EventStore> eventStore;
    private final ApplicationContext context;
    private final RebuildRuns runs;
    private final ShadowTables shadow;
    private final ProjectionRebuild rebuild;
    /** This instance's name in a run's {@code owner}. */
    private final String instance = ManagementFactory.getRuntimeMXBean().getName();
    /** The tables of each processor's read model, looked up once. */
    private volatile Map<String, List<String>> tablesByProcessor;
    /** One thread per concurrent rebuild. */
    private final ExecutorService workers = Executors.newCachedThreadPool(DaemonThreads.named("projection-replay"));
    /** The rebuilds' heartbeats, never held up by a rebuild's work. */
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("projection-replay-heartbeat"));

    public ProjectionOperations(ObjectProvider<EventProcessingConfiguration> processing,
                                ObjectProvider<EventStore> eventStore, ApplicationContext context, JdbcTemplate jdbc,
                                JdbcClient jdbcClient, PlatformTransactionManager transactionManager,
                                OwnTransaction ownTransaction,
                                TransactionManager axonTransactions,
                                @Qualifier("eventSerializer") Serializer eventSerializer, Serializer tokenSerializer,
                                @Value("${ledger.events.fetch-size:1000}") int pageSize) {
        this.processing = processing;
        this.eventStore = eventStore;
        this.context = context;
        TransactionTemplate transaction = new TransactionTemplate(transactionManager);
        this.runs = new RebuildRuns(jdbcClient, ownTransaction);
        this.shadow = new ShadowTables(jdbc);
        this.rebuild = new ProjectionRebuild(jdbc, eventSerializer, tokenSerializer, axonTransactions, transaction,
                shadow, runs, pageSize);
    }

    public ProjectionOverview overview() {
        long head = headPosition();
        EventProcessingConfiguration config = processing.getObject();
        Set<String> sagas = sagaProcessors(config);
        Map<String, RebuildRuns.Run> latest = runs.latestByProcessor();
        List<Projection> items = config.eventProcessors().values().stream()
                                       .sorted(Comparator.comparing(EventProcessor::getName))
                                       .map(processor -> describe(config, sagas, processor, head,
                                               latest.get(processor.getName())))
                                       .toList();
        return new ProjectionOverview(head, items);
    }

    /**
     * Rebuilds the named read model from the events (see {@link ProjectionRebuild}); returns once the rebuild is
     * registered, so its progress is visible in {@link #overview()} from then on, on every instance.
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
        Set<String> busy = runs.latestByProcessor().values().stream()
                               .filter(run -> run.state() == RebuildRuns.State.RUNNING)
                               .flatMap(run -> run.processors().stream())
                               .collect(Collectors.toSet());
        List<String> names = config.eventProcessors().values().stream()
                                   .filter(processor -> replayable(config, sagas, processor))
                                   .map(EventProcessor::getName)
                                   .filter(name -> !busy.contains(name))
                                   .sorted()
                                   .toList();
        if (!names.isEmpty()) {
            rebuild(config, names);
        }
        return names;
    }

    private void rebuild(EventProcessingConfiguration config, List<String> names) {
        List<ProjectionRebuild.Target> targets = names.stream().map(name -> {
            AbstractEventProcessor processor = (AbstractEventProcessor) config.eventProcessors().get(name);
            return new ProjectionRebuild.Target(name, processor.eventHandlerInvoker(), tables(name));
        }).toList();
        RebuildRuns.Run run = runs.start(names, instance, tailPosition());
        log.info("rebuilding {} into fresh tables (run {})", names, run.id());
        ScheduledFuture<?> heartbeat = heartbeats.scheduleWithFixedDelay(() -> beat(run),
                RebuildRuns.HEARTBEAT.toMillis(), RebuildRuns.HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        workers.execute(() -> {
            try {
                dropLeftovers();
                rebuild.run(run, targets);
            } finally {
                heartbeat.cancel(false);
            }
        });
    }

    private void beat(RebuildRuns.Run run) {
        try {
            runs.heartbeat(run.id());
        } catch (RuntimeException e) {
            log.warn("the heartbeat of rebuild {} failed", run.id(), e);
        }
    }

    /** Drops the schemas of rebuilds that ended without cleaning up (their instance died), once they are stale. */
    @EventListener(ApplicationReadyEvent.class)
    public void dropLeftovers() {
        try {
            runs.abandonStale();
            for (String schema : shadow.leftovers(runs.running())) {
                log.info("dropping {}, left behind by a rebuild that did not finish", schema);
                shadow.drop(schema);
            }
        } catch (RuntimeException e) {
            log.warn("could not clean up after earlier rebuilds; the next rebuild tries again", e);
        }
    }

    /** The tables of the read model a processor maintains, as its projections declare them ({@link ReadModelTables}). */
    private List<String> tables(String processor) {
        Map<String, List<String>> byProcessor = tablesByProcessor;
        if (byProcessor == null) {
            byProcessor = new HashMap<>();
            for (Object bean : context.getBeansWithAnnotation(ReadModelTables.class).values()) {
                Class<?> type = AopUtils.getTargetClass(bean);
                ProcessingGroup group = AnnotatedElementUtils.findMergedAnnotation(type, ProcessingGroup.class);
                if (group != null) {
                    byProcessor.computeIfAbsent(group.value(), g -> new ArrayList<>()).addAll(
                            List.of(AnnotatedElementUtils.findMergedAnnotation(type, ReadModelTables.class).value()));
                }
            }
            tablesByProcessor = byProcessor;
        }
        return byProcessor.getOrDefault(processor, List.of());
    }

    private Projection describe(EventProcessingConfiguration config, Set<String> sagas, EventProcessor processor,
                                long head, RebuildRuns.Run lastRebuild) {
        String name = processor.getName();
        boolean replayable = replayable(config, sagas, processor);
        Replay replay = lastRebuild == null ? null : new Replay(lastRebuild.state().name(), lastRebuild.startedAt(),
                lastRebuild.finishedAt(), lastRebuild.events(), lastRebuild.error());
        if (!(processor instanceof StreamingEventProcessor streaming)) {
            return new Projection(name, false, processor.isRunning(), List.of(), null, null, false, null, null, replay);
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
        String error = status.values().stream()
                             .filter(EventTrackerStatus::isErrorState)
                             .map(s -> String.valueOf(s.getError()))
                             .findFirst()
                             .orElse(streaming.isError() ? "the processor is in error and retrying" : null);
        if (lastRebuild != null && lastRebuild.state() == RebuildRuns.State.RUNNING) {
            return new Projection(name, replayable, streaming.isRunning(), segments, position, lag, true,
                    lastRebuild.progress(), error, replay);
        }
        // a replay Axon itself runs (its own reset, not this ledger's rebuild) shows as well
        boolean replaying = status.values().stream().anyMatch(ProjectionOperations::replaying);
        return new Projection(name, replayable, streaming.isRunning(), segments, position, lag, replaying,
                replaying ? progress(status) : null, error, replay);
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
                && streaming.supportsReset()
                && !tables(processor.getName()).isEmpty();
    }

    private static Set<String> sagaProcessors(EventProcessingConfiguration config) {
        Set<String> names = new HashSet<>();
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
        workers.shutdownNow();
        heartbeats.shutdownNow();
    }
}
