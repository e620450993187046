package shop.ledger.query.position;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.AbstractEventProcessor;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.WrappedToken;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import shop.ledger.platform.axon.EventTable;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether event processors cover a position (API.md, "Read your own writes"): in every segment of each processor,
 * whichever instance holds it, the position is at or below the segment's token and not one of its gaps, or else no
 * event that the segment handles lies at a position its token does not cover, up to the position.
 * <p>
 * The second rule keeps idle segments current without waiting for them. A pooled processor's work package stores
 * its token when it handles a batch, but past events it does not handle only every few seconds (its claim
 * extension), so the stored token of a segment that owns none of the newest events lags behind while it has nothing
 * to write. Reading the events its token does not cover and asking the processor's own handler invoker whether that
 * segment handles them (its sequencing policy and event types, the test the work package itself applies) tells
 * whether it is behind. The token of a segment this instance holds is taken from memory when it is ahead of the
 * stored one: Axon advances it after each commit, and at once past the events the segment skips.
 * <p>
 * Events in flight below a position (gaps) are not waited for, as a token that covers the position may have them
 * as gaps; a write's own events all commit together, at or below its position, so covering it covers them all.
 */
@Component
public class ProcessorCoverage {

    private static final Logger log = LoggerFactory.getLogger(ProcessorCoverage.class);

    /** A position and the processors that must cover it. */
    public record Need(long position, Set<String> processors) {
    }

    /**
     * At most this many events are read per check (an idle segment's stored token lags at most a claim extension,
     * a few seconds of events); a segment whose uncovered events go beyond that counts as behind until it stores
     * its token.
     */
    static final int MAX_SCANNED_EVENTS = 10_000;

    private static final String TOKENS = """
            SELECT processorName, segment, token, tokenType FROM TokenEntry WHERE processorName = ANY (?)""";

    private final JdbcTemplate jdbc;
    private final EventTable events;
    private final ObjectProvider<EventProcessingConfiguration> processing;
    private final Serializer eventSerializer;
    private final Serializer tokenSerializer;
    /** The highest head seen: the head only grows, so a position at or below it needs no look-up. */
    private final AtomicLong knownHead = new AtomicLong(-1);

    public ProcessorCoverage(JdbcTemplate jdbc, ObjectProvider<EventProcessingConfiguration> processing,
                             @Qualifier("eventSerializer") Serializer eventSerializer, Serializer tokenSerializer) {
        this.jdbc = jdbc;
        this.events = new EventTable(jdbc.getDataSource());
        this.processing = processing;
        this.eventSerializer = eventSerializer;
        this.tokenSerializer = tokenSerializer;
    }

    /** Whether {@code position} is at or below the event store's head (the highest committed global index). */
    public boolean withinHead(long position) {
        if (position <= knownHead.get()) {
            return true;
        }
        long current = Math.max(0, events.head()); // a write on an empty store answers position 0
        knownHead.accumulateAndGet(current, Math::max);
        return position <= current;
    }

    public boolean covered(Need need) {
        return covered(List.of(need)).get(0);
    }

    /** For each need, in order, whether every segment of each of its processors covers its position. */
    public List<Boolean> covered(List<Need> needs) {
        Set<String> names = new TreeSet<>();
        needs.forEach(need -> names.addAll(need.processors()));
        Map<String, List<SegmentState>> segments = segments(names);
        Map<SegmentState, Long> scanTo = new IdentityHashMap<>();
        for (Need need : needs) {
            for (String name : need.processors()) {
                for (SegmentState segment : segments.getOrDefault(name, List.of())) {
                    if (!segment.token().covers(need.position())) {
                        scanTo.merge(segment, need.position(), Math::max);
                    }
                }
            }
        }
        Scan scan = scan(scanTo);
        List<Boolean> covered = new ArrayList<>(needs.size());
        for (Need need : needs) {
            covered.add(need.processors().stream().allMatch(name -> {
                List<SegmentState> held = segments.get(name);
                return held != null && !held.isEmpty()
                        && held.stream().allMatch(segment -> segment.token().covers(need.position())
                                                             || scan.clearUpTo(segment, need.position()));
            }));
        }
        return covered;
    }

    /** A segment of a processor with the token that counts for it and the handlers that decide what it owns. */
    private record SegmentState(String processor, Segment segment, Coverage token, EventHandlerInvoker invoker) {
    }

    /** The positions a token covers: up to its index, but its gaps. */
    private record Coverage(long index, Set<Long> gaps) {

        static final Coverage NOTHING = new Coverage(0, Set.of());

        static Coverage of(TrackingToken token) {
            TrackingToken handled = token == null ? null : WrappedToken.unwrapLowerBound(token);
            if (handled instanceof GapAwareTrackingToken gapAware) {
                return new Coverage(gapAware.getIndex(), gapAware.getGaps());
            }
            if (handled instanceof GlobalSequenceTrackingToken exact) {
                return new Coverage(exact.getGlobalIndex(), Set.of());
            }
            return NOTHING; // no token yet, or one whose positions are not global indexes
        }

        boolean covers(long position) {
            return position <= index && !gaps.contains(position);
        }

        long lowestUncovered() {
            return gaps.isEmpty() ? index + 1 : Math.min(index + 1, gaps.stream().mapToLong(Long::longValue).min().orElseThrow());
        }
    }

    /** What one read of the uncovered events found: each segment's first event it handles, and how far it read. */
    private record Scan(Map<SegmentState, Long> firstOwned, long readThrough) {

        boolean clearUpTo(SegmentState segment, long position) {
            return position <= readThrough && firstOwned.getOrDefault(segment, Long.MAX_VALUE) > position;
        }
    }

    private Scan scan(Map<SegmentState, Long> scanTo) {
        if (scanTo.isEmpty()) {
            return new Scan(Map.of(), Long.MIN_VALUE);
        }
        long from = scanTo.keySet().stream().mapToLong(s -> s.token().lowestUncovered() - 1).min().orElseThrow();
        long to = scanTo.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        List<PositionedEvent> uncovered = events.page(from, EventTable.Filter.upTo(to), MAX_SCANNED_EVENTS).stream()
                .map(event -> new PositionedEvent(event.globalIndex(), event.message(eventSerializer))).toList();
        long readThrough = uncovered.size() < MAX_SCANNED_EVENTS ? to : uncovered.get(uncovered.size() - 1).position();
        Map<SegmentState, Long> firstOwned = new IdentityHashMap<>();
        for (PositionedEvent event : uncovered) {
            scanTo.forEach((segment, upTo) -> {
                if (event.position() <= upTo && !segment.token().covers(event.position())
                        && !firstOwned.containsKey(segment) && handles(segment, event.message())) {
                    firstOwned.put(segment, event.position());
                }
            });
        }
        return new Scan(firstOwned, readThrough);
    }

    private static boolean handles(SegmentState segment, EventMessage<?> event) {
        if (segment.invoker() == null) {
            return true; // not a processor of this instance: assume the worst
        }
        try {
            return segment.invoker().canHandle(event, segment.segment());
        } catch (RuntimeException e) {
            log.debug("could not tell whether {} segment {} handles event {}; taken as handled", segment.processor(),
                    segment.segment().getSegmentId(), event.getIdentifier(), e);
            return true;
        }
    }

    /** Every segment of the named processors, from the token store, with this instance's newer tokens from memory. */
    private Map<String, List<SegmentState>> segments(Set<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<Integer, TrackingToken>> stored = new HashMap<>();
        jdbc.query(connection -> {
            PreparedStatement statement = connection.prepareStatement(TOKENS);
            statement.setArray(1, connection.createArrayOf("varchar", names.toArray()));
            return statement;
        }, rs -> {
            stored.computeIfAbsent(rs.getString(1), name -> new LinkedHashMap<>()).put(rs.getInt(2), token(rs));
        });
        EventProcessingConfiguration config = processing.getObject();
        Map<String, List<SegmentState>> segments = new HashMap<>();
        stored.forEach((name, tokens) -> {
            EventProcessor processor = config.eventProcessors().get(name);
            EventHandlerInvoker invoker = processor instanceof AbstractEventProcessor abstractProcessor
                    ? abstractProcessor.eventHandlerInvoker() : null;
            Map<Integer, EventTrackerStatus> local = processor instanceof StreamingEventProcessor streaming
                    ? streaming.processingStatus() : Map.of();
            int[] ids = tokens.keySet().stream().mapToInt(Integer::intValue).toArray();
            List<SegmentState> states = new ArrayList<>(ids.length);
            tokens.forEach((id, token) -> {
                EventTrackerStatus held = local.get(id);
                Coverage inStore = Coverage.of(token);
                Coverage inMemory = held == null ? Coverage.NOTHING : Coverage.of(held.getTrackingToken());
                // compared unwrapped: during a replay one of them is a ReplayToken, which Axon's covers() refuses
                // beside a plain token (SplitDeploymentTest.aQuerySideWithoutTheSegmentsRebuildsAReadModelForAllInstances)
                Coverage newest = inMemory.index() >= inStore.index() ? inMemory : inStore;
                states.add(new SegmentState(name, Segment.computeSegment(id, ids), newest, invoker));
            });
            segments.put(name, states);
        });
        return segments;
    }

    private TrackingToken token(ResultSet rs) throws SQLException {
        byte[] token = rs.getBytes(3);
        return token == null ? null
                : tokenSerializer.deserialize(new SimpleSerializedObject<>(token, byte[].class, rs.getString(4), null));
    }

    private record PositionedEvent(long position, EventMessage<?> message) {
    }
}
