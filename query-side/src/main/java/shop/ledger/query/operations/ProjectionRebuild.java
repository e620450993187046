package shop.ledger.query.operations;

import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericTrackedDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.WrappedToken;
import org.axonframework.messaging.ResultMessage;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.axonframework.messaging.unitofwork.RollbackConfigurationType;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.platform.axon.EventTable;
import shop.ledger.platform.web.DatabaseFailures;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * A replay of one or several read models: fresh tables built from the events beside the live ones, then swapped in.
 * <p>
 * The live read model keeps serving and its processor keeps running throughout; readers never see a half-built
 * table. The rebuild
 * <ol>
 *   <li>creates empty copies of the read models' tables in a schema of the run ({@link ShadowTables});</li>
 *   <li>reads the event store once, in pages, with plain JDBC (a reader thread fetches and deserialises ahead), and
 *   hands every event to the handlers of each read model, a page per transaction whose {@code search_path} puts the
 *   copies first: the handlers' own SQL writes the copies ({@code query.support.BatchedWrites} batches it);</li>
 *   <li>builds the copies' other indexes, makes them durable, and catches up with the head;</li>
 *   <li>swaps: in one transaction it locks the live tables (the live processors' batches wait for a moment), reads
 *   how far each segment of each processor has got, applies to the copies exactly the events those tokens cover and
 *   the copies lack, and puts the copies in place of the live tables. The processors go on from their own tokens
 *   into the new tables; nothing is replayed by them and nothing is missed.</li>
 * </ol>
 * Events the rebuild read beyond what a processor's token covers (a processor behind the head) are delivered to the
 * new tables again by the processor, which the projections' handlers treat as redelivery (they change nothing).
 * A failure or a crash before the swap leaves the live read model as it was; the copies are dropped.
 * <p>
 * Positions the first pass found missing (transactions not committed yet, or rolled back) are remembered as ranges
 * and read again at the swap, so an event committed late is never lost.
 */
final class ProjectionRebuild {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    /** Pages read ahead of the one being written: enough to keep both the reader and the writer busy. */
    private static final int PAGES_AHEAD = 2;
    /**
     * A swap waits this long for the live tables' locks, then lets the queries queued behind it through, catches up
     * and tries again (a long read holds a table for as long as it runs; everything queued behind the swap's lock
     * request waits with it, so the wait is kept short).
     */
    private static final String LOCK_TIMEOUT = "500ms";
    private static final long PAUSE_BETWEEN_ATTEMPTS_MS = 200;
    private static final int SWAP_ATTEMPTS = 120;

    /** A read model to rebuild: its processor's name, its handlers and its tables. */
    record Target(String name, EventHandlerInvoker invoker, List<String> tables) {
    }

    /** Which segment of a target's processor an event is handled for, or null when not at all. */
    private interface Route {
        Segment segmentFor(Target target, EventMessage<?> event, long position);
    }

    /** Positions read so far: the highest, and the ranges below it that held no event when they were read. */
    private static final class Reading {
        long last;
        final List<long[]> missing = new ArrayList<>();

        Reading(long start) {
            this.last = start;
        }

        void saw(long position) {
            if (position > last + 1) {
                missing.add(new long[]{last + 1, position - 1});
            }
            last = Math.max(last, position);
        }
    }

    private final JdbcTemplate jdbc;
    private final EventTable events;
    private final Serializer eventSerializer;
    private final Serializer tokenSerializer;
    private final TransactionManager transactions;
    private final TransactionTemplate transaction;
    private final ShadowTables shadow;
    private final RebuildRuns runs;
    private final int pageSize;

    ProjectionRebuild(JdbcTemplate jdbc, Serializer eventSerializer, Serializer tokenSerializer,
                      TransactionManager transactions, TransactionTemplate transaction, ShadowTables shadow,
                      RebuildRuns runs, int pageSize) {
        this.jdbc = jdbc;
        this.events = new EventTable(JdbcClient.create(jdbc));
        this.eventSerializer = eventSerializer;
        this.tokenSerializer = tokenSerializer;
        this.transactions = transactions;
        this.transaction = transaction;
        this.shadow = shadow;
        this.runs = runs;
        this.pageSize = pageSize;
    }

    /** Runs the rebuild registered as {@code run} to its end: the copies swapped in, or the run marked failed. */
    void run(RebuildRuns.Run run, List<Target> targets) {
        String schema = ShadowTables.schemaOf(run.id());
        String retired = ShadowTables.retiredSchemaOf(run.id());
        List<String> tables = targets.stream().flatMap(target -> target.tables().stream()).toList();
        long[] events = {0};
        long[] lastReport = {0};
        long started = System.nanoTime();
        try {
            shadow.create(schema, tables);
            Reading reading = new Reading(run.startPosition());
            long head = head();
            runs.progress(run.id(), head, reading.last, 0);
            LongConsumer progress = position -> {
                events[0]++;
                if (System.nanoTime() - lastReport[0] > 500_000_000L) {
                    runs.progress(run.id(), null, position, events[0]);
                    lastReport[0] = System.nanoTime();
                }
            };
            Route everything = (target, event, position) ->
                    target.invoker().canHandle(event, Segment.ROOT_SEGMENT) ? Segment.ROOT_SEGMENT : null;
            replay(targets, schema, reading, head, everything, progress);
            long replayed = System.nanoTime();
            shadow.complete(schema, tables);
            long completed = System.nanoTime();
            swap(run, targets, tables, schema, retired, reading, everything, progress);
            long swapped = System.nanoTime();
            runs.progress(run.id(), null, reading.last, events[0]);
            runs.finish(run.id(), RebuildRuns.State.COMPLETED, null);
            log.info("rebuilt {} from {} events and swapped the new tables in: {} ms reading and writing, {} ms "
                     + "indexing, {} ms catching up and swapping", run.processors(), events[0],
                    (replayed - started) / 1_000_000, (completed - replayed) / 1_000_000, (swapped - completed) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("the rebuild of {} failed; the live read models stay as they were", run.processors(), e);
            runs.finish(run.id(), RebuildRuns.State.FAILED, String.valueOf(e.getMessage()));
        } finally {
            dropQuietly(schema);
            dropQuietly(retired);
        }
    }

    /**
     * Catches up without locks until the copies are within a page of the head, then swaps under the live tables'
     * locks, retrying (after another catch-up) when the locks are not had within {@link #LOCK_TIMEOUT}.
     */
    private void swap(RebuildRuns.Run run, List<Target> targets, List<String> tables, String schema, String retired,
                      Reading reading, Route everything, LongConsumer progress) {
        for (int attempt = 1; ; attempt++) {
            for (int round = 0; round < 10 && head() - reading.last > pageSize; round++) {
                replay(targets, schema, reading, head(), everything, progress);
            }
            try {
                transaction.executeWithoutResult(status -> {
                    jdbc.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                    shadow.lockLive(tables);
                    Map<Target, Map<Segment, TrackingToken>> tokens = new LinkedHashMap<>();
                    long upTo = reading.last;
                    for (Target target : targets) {
                        Map<Segment, TrackingToken> segments = liveTokens(target.name());
                        tokens.put(target, segments);
                        upTo = Math.max(upTo, segments.values().stream().mapToLong(ProjectionRebuild::index).max().orElse(-1));
                    }
                    Route covered = (target, event, position) -> {
                        for (Map.Entry<Segment, TrackingToken> segment : tokens.get(target).entrySet()) {
                            if (covers(segment.getValue(), position) && target.invoker().canHandle(event, segment.getKey())) {
                                return segment.getKey();
                            }
                        }
                        return null;
                    };
                    for (long[] range : reading.missing) {
                        replayRange(targets, schema, range[0] - 1, range[1], covered, progress);
                    }
                    replayRange(targets, schema, reading.last, upTo, covered, progress);
                    shadow.swapIn(schema, retired, tables);
                });
                return;
            } catch (RuntimeException e) {
                if (!isLockTimeoutOrDeadlock(e) || attempt >= SWAP_ATTEMPTS) {
                    throw e;
                }
                log.info("the swap of {} did not get the live tables' locks (attempt {}); catching up and trying again",
                        run.processors(), attempt);
                runs.heartbeat(run.id());
                pause();
            }
        }
    }

    /** Events from {@code reading.last} up to {@code upTo} into the copies; the reading advances past them. */
    private void replay(List<Target> targets, String schema, Reading reading, long upTo, Route route,
                        LongConsumer progress) {
        BlockingQueue<List<EventMessage<?>>> pages = new ArrayBlockingQueue<>(PAGES_AHEAD);
        AtomicReference<RuntimeException> readFailure = new AtomicReference<>();
        long from = reading.last;
        Thread reader = new Thread(() -> read(targets, from, upTo, pages, readFailure), "projection-replay-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            while (true) {
                List<EventMessage<?>> page = pages.take();
                if (page.isEmpty()) {
                    break;
                }
                handle(targets, schema, page, route, progress);
                page.forEach(event -> reading.saw(position(event)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebuilding", e);
        } finally {
            reader.interrupt();
        }
        if (readFailure.get() != null) {
            throw readFailure.get();
        }
    }

    /** Events after {@code after} up to {@code upTo}, in this thread (the swap's transaction). */
    private void replayRange(List<Target> targets, String schema, long after, long upTo, Route route,
                             LongConsumer progress) {
        while (after < upTo) {
            List<EventMessage<?>> page = page(after, upTo);
            if (page.isEmpty()) {
                return;
            }
            handle(targets, schema, page, route, progress);
            after = position(page.get(page.size() - 1));
        }
    }

    /** Pages of events after {@code after} up to {@code upTo} into {@code pages}, then an empty page (also after a failure). */
    private void read(List<Target> targets, long after, long upTo, BlockingQueue<List<EventMessage<?>>> pages,
                      AtomicReference<RuntimeException> failure) {
        try {
            try {
                while (after < upTo) {
                    List<EventMessage<?>> page = page(after, upTo);
                    if (page.isEmpty()) {
                        break;
                    }
                    for (EventMessage<?> event : page) {
                        if (handledByAny(targets, event)) {
                            event.getPayload(); // deserialised here, off the writing thread
                        }
                    }
                    pages.put(page);
                    after = position(page.get(page.size() - 1));
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
            pages.put(List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the rebuild stopped: nobody reads any further page
        }
    }

    private static boolean handledByAny(List<Target> targets, EventMessage<?> event) {
        for (Target target : targets) {
            if (target.invoker().canHandleType(event.getPayloadType())) {
                return true;
            }
        }
        return false;
    }

    /**
     * One page in one unit of work and transaction (or in the caller's, which it joins), with the copies first on the
     * {@code search_path}: the handlers' unqualified SQL reads and writes the copies; the event store stays in
     * {@code public}.
     */
    private void handle(List<Target> targets, String schema, List<EventMessage<?>> page, Route route,
                        LongConsumer progress) {
        BatchingUnitOfWork<EventMessage<?>> unitOfWork = new BatchingUnitOfWork<>(page);
        unitOfWork.attachTransaction(transactions);
        ResultMessage<?> result = unitOfWork.executeWithResult(() -> {
            EventMessage<?> event = unitOfWork.getMessage();
            if (event == page.get(0)) {
                jdbc.execute("SET LOCAL search_path TO " + schema + ", " + ShadowTables.LIVE);
            }
            long position = position(event);
            for (Target target : targets) {
                Segment segment = route.segmentFor(target, event, position);
                if (segment != null) {
                    target.invoker().handle(event, segment);
                }
            }
            progress.accept(position);
            return null;
        }, RollbackConfigurationType.ANY_THROWABLE);
        if (result.isExceptional()) {
            throw new IllegalStateException("a page of the rebuild failed: " + result.exceptionResult().getMessage(),
                    result.exceptionResult());
        }
    }

    /** Every segment of a processor with its stored token, read without claiming it (the processor keeps running). */
    private Map<Segment, TrackingToken> liveTokens(String processor) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT segment, token, tokenType FROM TokenEntry WHERE processorName = ? ORDER BY segment", processor);
        int[] ids = rows.stream().mapToInt(row -> ((Number) row.get("segment")).intValue()).toArray();
        Map<Segment, TrackingToken> tokens = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            byte[] token = (byte[]) row.get("token");
            TrackingToken value = token == null ? null : tokenSerializer.deserialize(
                    new SimpleSerializedObject<>(token, byte[].class, (String) row.get("tokenType"), null));
            tokens.put(Segment.computeSegment(((Number) row.get("segment")).intValue(), ids), value);
        }
        return tokens;
    }

    /** Whether a processor holding {@code token} has handled the event at {@code position}. */
    static boolean covers(TrackingToken token, long position) {
        TrackingToken handled = token == null ? null : WrappedToken.unwrapLowerBound(token);
        if (handled instanceof GapAwareTrackingToken gapAware) {
            return position <= gapAware.getIndex() && !gapAware.getGaps().contains(position);
        }
        if (handled instanceof GlobalSequenceTrackingToken exact) {
            return position <= exact.getGlobalIndex();
        }
        if (handled == null) {
            return false;
        }
        throw new IllegalStateException("a token this rebuild cannot read: " + token);
    }

    private static long index(TrackingToken token) {
        TrackingToken handled = token == null ? null : WrappedToken.unwrapLowerBound(token);
        return handled == null ? -1 : handled.position().orElse(-1);
    }

    private static void pause() {
        try {
            Thread.sleep(PAUSE_BETWEEN_ATTEMPTS_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to swap", e);
        }
    }

    private long head() {
        return events.head();
    }

    /** SQLSTATE 55P03 (lock not available: the lock timeout) or 40P01 (deadlock detected). */
    private static boolean isLockTimeoutOrDeadlock(Throwable e) {
        return DatabaseFailures.hasSqlState(e, "55P03", "40P01");
    }

    private void dropQuietly(String schema) {
        try {
            shadow.drop(schema);
        } catch (RuntimeException e) {
            log.warn("could not drop {}; the next rebuild drops it", schema, e);
        }
    }

    /** A page of events after {@code after} up to {@code upTo}, as messages. */
    private List<EventMessage<?>> page(long after, long upTo) {
        return events.page(after, EventTable.Filter.upTo(upTo), pageSize).stream().map(this::message).toList();
    }

    /** A stored event as Axon's event store would give it, with an exact position and lazy deserialisation. */
    private EventMessage<?> message(EventTable.StoredEvent event) {
        return event.message(eventSerializer);
    }

    private static long position(EventMessage<?> event) {
        return ((GenericTrackedDomainEventMessage<?>) event).trackingToken().position().orElseThrow();
    }
}
