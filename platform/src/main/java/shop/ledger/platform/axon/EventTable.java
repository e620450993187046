package shop.ledger.platform.axon;

import org.axonframework.common.DateTimeUtils;
import org.axonframework.eventhandling.GenericTrackedDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.serialization.SerializedMessage;
import org.axonframework.serialization.SerializedMetaData;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Axon's event table, read with plain SQL: its name and columns (Axon's {@link EventSchema}, which the event store is
 * configured with, and the hash chain's {@code eventHash}, V11), and the reads the read side shares: a page of events
 * by global index, a page of one stream by sequence number, and an event's own global index.
 * <p>
 * The names are unquoted, so PostgreSQL folds them to lower case, as it did when the table was created.
 */
public final class EventTable {

    /** The schema Axon's event store is built with ({@code AxonInfrastructure}); the names below are its names. */
    public static final EventSchema SCHEMA = new EventSchema();

    public static final String TABLE = SCHEMA.domainEventTable();
    public static final String GLOBAL_INDEX = SCHEMA.globalIndexColumn();
    public static final String EVENT_IDENTIFIER = SCHEMA.eventIdentifierColumn();
    public static final String AGGREGATE_IDENTIFIER = SCHEMA.aggregateIdentifierColumn();
    public static final String SEQUENCE_NUMBER = SCHEMA.sequenceNumberColumn();
    public static final String TYPE = SCHEMA.typeColumn();
    public static final String TIME_STAMP = SCHEMA.timestampColumn();
    public static final String PAYLOAD_TYPE = SCHEMA.payloadTypeColumn();
    public static final String PAYLOAD_REVISION = SCHEMA.payloadRevisionColumn();
    public static final String PAYLOAD = SCHEMA.payloadColumn();
    public static final String META_DATA = SCHEMA.metaDataColumn();
    /** The event's link in its stream's hash chain (V11, V13, V16); not one of Axon's columns. */
    public static final String EVENT_HASH = "eventHash";

    /**
     * An event's own global index, for SQL that needs it in a statement: one parameter, the event's identifier.
     * A gap-aware token's position is not always the event's index ({@link GlobalIndex}).
     */
    public static final String GLOBAL_INDEX_OF_EVENT =
            "SELECT " + GLOBAL_INDEX + " FROM " + TABLE + " WHERE " + EVENT_IDENTIFIER + " = ?";

    private static final String COLUMNS = String.join(", ", GLOBAL_INDEX, TYPE, AGGREGATE_IDENTIFIER, SEQUENCE_NUMBER,
            EVENT_IDENTIFIER, TIME_STAMP, PAYLOAD_TYPE, PAYLOAD_REVISION, PAYLOAD, META_DATA, EVENT_HASH);

    /**
     * One row of the table as stored: the payload and metadata as the serializer wrote them, the time stamp as Axon's
     * text (fixed-width ISO-8601 in UTC, so text order is time order).
     */
    public record StoredEvent(long globalIndex, String type, String aggregateIdentifier, long sequenceNumber,
                              String eventIdentifier, String timeStamp, String payloadType, String payloadRevision,
                              byte[] payload, byte[] metaData, byte[] eventHash) {

        /**
         * The event as a processor sees it, its payload deserialised only when asked for. Its token is the exact
         * position (not a gap-aware token): what the read models record as the event's own index.
         */
        public GenericTrackedDomainEventMessage<?> message(Serializer serializer) {
            SimpleSerializedObject<byte[]> serializedPayload =
                    new SimpleSerializedObject<>(payload, byte[].class, payloadType, payloadRevision);
            SerializedMetaData<byte[]> serializedMetaData = new SerializedMetaData<>(metaData, byte[].class);
            return new GenericTrackedDomainEventMessage<>(new GlobalSequenceTrackingToken(globalIndex), type,
                    aggregateIdentifier, sequenceNumber,
                    new SerializedMessage<>(eventIdentifier, serializedPayload, serializedMetaData, serializer),
                    () -> DateTimeUtils.parseInstant(timeStamp));
        }
    }

    /**
     * Which events a page may hold besides its position bound: up to a global index (inclusive), time stamps in
     * Axon's text from and to (both inclusive), and payload types; a null bound or an empty list bounds nothing.
     */
    public record Filter(Long upTo, String fromTimeStamp, String toTimeStamp, List<String> payloadTypes) {

        public static final Filter ALL = new Filter(null, null, null, List.of());

        public Filter {
            payloadTypes = payloadTypes == null ? List.of() : List.copyOf(payloadTypes);
        }

        public static Filter upTo(long globalIndex) {
            return new Filter(globalIndex, null, null, List.of());
        }

        public static Filter timeStamps(String from, String to) {
            return new Filter(null, from, to, List.of());
        }

        public Filter payloadTypes(List<String> types) {
            return new Filter(upTo, fromTimeStamp, toTimeStamp, types);
        }
    }

    private final JdbcClient jdbc;

    public EventTable(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public EventTable(DataSource dataSource) {
        this(JdbcClient.create(dataSource));
    }

    /** Up to {@code limit} events after global index {@code after} that pass {@code filter}, by global index. */
    public List<StoredEvent> page(long after, Filter filter, int limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("after", after);
        String sql = "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE " + GLOBAL_INDEX + " > :after"
                     + where(filter, params) + " ORDER BY " + GLOBAL_INDEX + " LIMIT " + limit;
        return jdbc.sql(sql).params(params).query(EventTable::row).list();
    }

    /** Up to {@code limit} events of one stream after sequence number {@code after} that pass {@code filter}. */
    public List<StoredEvent> streamPage(String aggregateIdentifier, long after, Filter filter, int limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("stream", aggregateIdentifier);
        params.put("after", after);
        String sql = "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE " + AGGREGATE_IDENTIFIER + " = :stream AND "
                     + SEQUENCE_NUMBER + " > :after" + where(filter, params) + " ORDER BY " + SEQUENCE_NUMBER
                     + " LIMIT " + limit;
        return jdbc.sql(sql).params(params).query(EventTable::row).list();
    }

    /** The highest global index stored, or -1 for an empty store. */
    public long head() {
        Long head = jdbc.sql("SELECT max(" + GLOBAL_INDEX + ") FROM " + TABLE).query(Long.class).single();
        return head == null ? -1 : head;
    }

    /** The highest global index of the events with these identifiers (as the transaction that stored them sees it). */
    public long highestGlobalIndexOf(List<String> eventIdentifiers) {
        return jdbc.sql("SELECT max(" + GLOBAL_INDEX + ") FROM " + TABLE + " WHERE " + EVENT_IDENTIFIER + " = ANY(?)")
                   .param(eventIdentifiers.toArray(String[]::new))
                   .query(Long.class).single();
    }

    /** The global index of the event with this identifier, if it is stored (and its transaction committed). */
    public Optional<Long> globalIndexOf(String eventIdentifier) {
        return jdbc.sql(GLOBAL_INDEX_OF_EVENT).param(eventIdentifier).query(Long.class).optional();
    }

    private static String where(Filter filter, Map<String, Object> params) {
        StringBuilder sql = new StringBuilder();
        if (filter.upTo() != null) {
            sql.append(" AND ").append(GLOBAL_INDEX).append(" <= :upTo");
            params.put("upTo", filter.upTo());
        }
        if (filter.fromTimeStamp() != null) {
            sql.append(" AND ").append(TIME_STAMP).append(" >= :from");
            params.put("from", filter.fromTimeStamp());
        }
        if (filter.toTimeStamp() != null) {
            sql.append(" AND ").append(TIME_STAMP).append(" <= :to");
            params.put("to", filter.toTimeStamp());
        }
        if (!filter.payloadTypes().isEmpty()) {
            sql.append(" AND ").append(PAYLOAD_TYPE).append(" IN (:payloadTypes)");
            params.put("payloadTypes", filter.payloadTypes());
        }
        return sql.toString();
    }

    private static StoredEvent row(ResultSet rs, int row) throws SQLException {
        return new StoredEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getBytes(9), rs.getBytes(10), rs.getBytes(11));
    }
}
