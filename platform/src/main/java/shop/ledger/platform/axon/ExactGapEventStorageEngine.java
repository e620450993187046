package shop.ledger.platform.axon;

import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventhandling.TrackedDomainEventData;
import org.axonframework.eventhandling.TrackedEventData;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStoreException;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.serialization.Serializer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;

import static org.axonframework.common.jdbc.JdbcUtils.executeQuery;

/**
 * Axon's JDBC event store, reading the stream without ever dropping an event that commits late.
 * <p>
 * A global index is taken when an event is inserted but becomes visible when its transaction commits, so a reader
 * sees position n+1 while n is still running; the token keeps n as a gap and asks for it again. Rule: a gap is
 * forgotten only when PostgreSQL proves it permanent, never by time (Axon's store forgets gaps below an event whose
 * message time stamp is a minute old, and a message time stamp predates the insert).
 * <p>
 * The proof: every position is taken after its transaction has its id (the insert trigger, V16), and ids are handed
 * out in increasing order, so the transaction behind a gap seen in one read has a smaller id than one <em>assigned</em>
 * after that read (the reading transaction takes one; a snapshot's {@code xmax} is not such a bound). Once
 * {@code xmin} of a later snapshot is past that id and a read after it still does not find the position, it was
 * rolled back. Gaps are therefore only ever positions of running transactions.
 * <p>
 * Guarded by {@code LateCommitTest}; RELIABILITY.md, process-level findings 9 and 12.
 */
public class ExactGapEventStorageEngine extends JdbcEventStorageEngine {

    private static final Logger log = LoggerFactory.getLogger(ExactGapEventStorageEngine.class);

    /** Bounds the memory of first sightings; forgetting one only means it is proven a read later. */
    private static final int MAX_REMEMBERED_GAPS = 100_000;
    /** A stream read from no token at all takes at most this many positions below its first event as gaps. */
    private static final int MAX_LEADING_GAPS = 1_000;
    /** The global index sequence starts at 1. */
    private static final long FIRST_POSITION = 1;

    private final TransactionManager transactionManager;
    /** Gap position -> a transaction id assigned after a read that found it empty. */
    private final Map<Long, Long> seenEmptyBefore = new ConcurrentHashMap<>();

    public ExactGapEventStorageEngine(Builder builder, TransactionManager transactionManager) {
        super(builder);
        this.transactionManager = transactionManager;
    }

    /** Notes what was appended, for the position a request answers with ({@link StoredEvents}). */
    @Override
    protected void appendEvents(List<? extends EventMessage<?>> events, Serializer serializer) {
        super.appendEvents(events, serializer);
        StoredEvents.note(events);
    }

    @Override
    protected List<? extends TrackedEventData<?>> fetchTrackedEvents(TrackingToken lastToken, int batchSize) {
        if (lastToken != null && !(lastToken instanceof GapAwareTrackingToken)) {
            throw new IllegalArgumentException("Token [" + lastToken + "] is of the wrong type");
        }
        GapAwareTrackingToken previous = (GapAwareTrackingToken) lastToken;
        return transactionManager.fetchInTransaction(() -> {
            // taken before the read: a transaction ended by now has its event in the read, if it committed one
            long xmin = anySeenBefore(previous) ? oldestRunning() : Long.MIN_VALUE;
            List<Row> rows = read(previous, batchSize);
            if (rows.isEmpty()) {
                // the next event may lie more than a batch ahead (a run of rolled-back positions)
                long index = previous == null ? -1 : previous.getIndex();
                Long next = executeQuery(getConnection(), connection -> fetchTrackedEvents(connection, index),
                        resultSet -> resultSet.next() ? resultSet.getObject(1, Long.class) : null,
                        e -> new EventStoreException("Failed to read the global index ahead of " + previous, e));
                if (next != null) {
                    rows = read(previous, (int) Math.min(Integer.MAX_VALUE, next - index));
                }
            }
            GapAwareTrackingToken token = withoutProvenGaps(previous, rows, xmin);
            List<TrackedEventData<?>> events = new ArrayList<>(rows.size());
            List<Long> newGaps = new ArrayList<>();
            for (Row row : rows) {
                long position = row.position();
                if (token == null) {
                    long from = Math.max(FIRST_POSITION, position - MAX_LEADING_GAPS);
                    SortedSet<Long> below = LongStream.range(from, position).boxed()
                                                      .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
                    newGaps.addAll(below);
                    token = GapAwareTrackingToken.newInstance(position, below);
                } else {
                    if (position > token.getIndex() + 1) {
                        LongStream.range(token.getIndex() + 1, position).forEach(newGaps::add);
                    }
                    token = token.advanceTo(position, Integer.MAX_VALUE);
                }
                events.add(new TrackedDomainEventData<>(token, row.data()));
            }
            if (!newGaps.isEmpty()) {
                long bound = idAssignedNow();
                remember(newGaps, bound);
                log.debug("positions {} empty in a read after {}; id assigned after it {}", newGaps, previous, bound);
            }
            return events;
        });
    }

    private boolean anySeenBefore(GapAwareTrackingToken token) {
        if (token != null) {
            for (Long gap : token.getGaps()) {
                if (seenEmptyBefore.containsKey(gap)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code previous} without the gaps proven permanent: seen empty in a read followed by an id that every
     * transaction still running is past ({@code xmin}), and still not in {@code rows}, read after {@code xmin}.
     */
    private GapAwareTrackingToken withoutProvenGaps(GapAwareTrackingToken previous, List<Row> rows, long xmin) {
        if (previous == null || previous.getGaps().isEmpty()) {
            return previous;
        }
        Set<Long> found = new HashSet<>();
        rows.forEach(row -> found.add(row.position()));
        GapAwareTrackingToken cleaned = previous;
        List<Long> unseen = new ArrayList<>();
        for (Long gap : previous.getGaps()) {
            if (found.contains(gap)) {
                seenEmptyBefore.remove(gap);
                continue;
            }
            Long seenBefore = seenEmptyBefore.get(gap);
            if (seenBefore == null) {
                unseen.add(gap); // a token from elsewhere (a restart, another instance): proven on a later read
            } else if (xmin >= seenBefore) {
                // rolled back: forgotten (the index stays); its sighting stays for the other readers' tokens
                cleaned = cleaned.advanceTo(gap, Integer.MAX_VALUE);
                log.debug("position {} is empty for good (seen empty before id {} was assigned, xmin now {})", gap,
                        seenBefore, xmin);
            }
        }
        if (!unseen.isEmpty()) {
            remember(unseen, idAssignedNow());
        }
        return cleaned;
    }

    private void remember(List<Long> gaps, long bound) {
        if (seenEmptyBefore.size() > MAX_REMEMBERED_GAPS) {
            seenEmptyBefore.clear();
        }
        gaps.forEach(gap -> seenEmptyBefore.putIfAbsent(gap, bound));
    }

    /** {@code xmin} of a fresh snapshot: every transaction with a smaller id has ended. */
    private long oldestRunning() {
        return single("SELECT txid_snapshot_xmin(txid_current_snapshot())");
    }

    /**
     * An id assigned to the reading transaction now, greater than the id of every transaction that took a position
     * before. It costs the read an id (taken only when it saw new gaps).
     */
    private long idAssignedNow() {
        return single("SELECT txid_current()");
    }

    private long single(String sql) {
        return executeQuery(getConnection(), connection -> connection.prepareStatement(sql),
                resultSet -> {
                    resultSet.next();
                    return resultSet.getLong(1);
                },
                e -> new EventStoreException("Failed to read the database's transaction ids", e));
    }

    private record Row(long position, GenericDomainEventEntry<?> data) {
    }

    private List<Row> read(GapAwareTrackingToken previous, int batchSize) {
        EventSchema schema = schema();
        return executeQuery(getConnection(), connection -> readEventData(connection, previous, batchSize),
                resultSet -> {
                    List<Row> rows = new ArrayList<>();
                    while (resultSet.next()) {
                        rows.add(new Row(resultSet.getLong(schema.globalIndexColumn()), entry(resultSet, schema)));
                    }
                    return rows;
                },
                e -> new EventStoreException("Failed to read events from token [" + previous + "]", e));
    }

    /** As Axon reads a tracked event: an event published without an aggregate carries its own id as the stream. */
    private GenericDomainEventEntry<?> entry(ResultSet resultSet, EventSchema schema) throws SQLException {
        String aggregateIdentifier = resultSet.getString(schema.aggregateIdentifierColumn());
        String eventIdentifier = resultSet.getString(schema.eventIdentifierColumn());
        return new GenericDomainEventEntry<>(resultSet.getString(schema.typeColumn()),
                eventIdentifier.equals(aggregateIdentifier) ? null : aggregateIdentifier,
                resultSet.getLong(schema.sequenceNumberColumn()), eventIdentifier,
                readTimeStamp(resultSet, schema.timestampColumn()), resultSet.getString(schema.payloadTypeColumn()),
                resultSet.getString(schema.payloadRevisionColumn()), readPayload(resultSet, schema.payloadColumn()),
                readPayload(resultSet, schema.metaDataColumn()));
    }
}
