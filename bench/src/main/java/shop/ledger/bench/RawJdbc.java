package shop.ledger.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The physical limit: what plain JDBC does on the same database. Appends go to {@code bench_raw_event}, a
 * table shaped like the event table (same columns, same primary key and unique constraints, the same
 * stream-and-time index) but without the ledger's hash-chain trigger, one event-sized row per transaction
 * (auto-commit, so each insert is its own durable commit). Reads page through the real event table.
 */
final class RawJdbc implements AutoCloseable {

    private final List<Connection> connections = new ArrayList<>();
    private final List<PreparedStatement> inserts = new ArrayList<>();
    private final String[] streams;
    private final long[] sequences;
    private final byte[] payload;
    private final byte[] metaData;
    private final String payloadType;

    /** Row sizes taken from the deposits the ledger has written so far. */
    record EventShape(int payloadBytes, int metaDataBytes, String payloadType) {
    }

    RawJdbc(LedgerUnderTest ledger, int clients, EventShape shape) throws SQLException {
        try (Connection connection = ledger.connect(); Statement ddl = connection.createStatement()) {
            ddl.execute("""
                    CREATE TABLE IF NOT EXISTS bench_raw_event (
                        globalIndex         BIGSERIAL    NOT NULL PRIMARY KEY,
                        aggregateIdentifier VARCHAR(255) NOT NULL,
                        sequenceNumber      BIGINT       NOT NULL,
                        type                VARCHAR(255),
                        eventIdentifier     VARCHAR(255) NOT NULL UNIQUE,
                        metaData            BYTEA,
                        payload             BYTEA        NOT NULL,
                        payloadRevision     VARCHAR(255),
                        payloadType         VARCHAR(255) NOT NULL,
                        timeStamp           VARCHAR(255) NOT NULL,
                        eventHash           BYTEA,
                        UNIQUE (aggregateIdentifier, sequenceNumber))""");
            ddl.execute("CREATE INDEX IF NOT EXISTS bench_raw_event_stream_time_idx "
                        + "ON bench_raw_event (aggregateIdentifier, timeStamp, sequenceNumber)");
        }
        streams = new String[clients];
        sequences = new long[clients];
        payload = new byte[shape.payloadBytes()];
        metaData = new byte[shape.metaDataBytes()];
        ThreadLocalRandom.current().nextBytes(payload);
        ThreadLocalRandom.current().nextBytes(metaData);
        payloadType = shape.payloadType();
        for (int c = 0; c < clients; c++) {
            Connection connection = ledger.connect();
            connection.setAutoCommit(true);
            connections.add(connection);
            inserts.add(connection.prepareStatement("""
                    INSERT INTO bench_raw_event (aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData,
                                                 payload, payloadRevision, payloadType, timeStamp)
                    VALUES (?, ?, 'Wallet', ?, ?, ?, NULL, ?, ?)"""));
        }
    }

    static EventShape shapeOfDeposits(LedgerUnderTest ledger) throws SQLException {
        try (Connection connection = ledger.connect(); Statement query = connection.createStatement();
             ResultSet row = query.executeQuery("""
                     SELECT avg(length(payload))::int, avg(length(metaData))::int, min(payloadType)
                     FROM DomainEventEntry WHERE payloadType LIKE '%FundsDeposited'""")) {
            row.next();
            return new EventShape(row.getInt(1), row.getInt(2), row.getString(3));
        }
    }

    /** One event appended by client {@code client} to its own stream, in its own transaction. */
    void append(int client) throws SQLException {
        if (streams[client] == null || sequences[client] >= 10_000) {
            streams[client] = UUID.randomUUID().toString(); // streams as long as the ledger's wallets, roughly
            sequences[client] = 0;
        }
        PreparedStatement insert = inserts.get(client);
        insert.setString(1, streams[client]);
        insert.setLong(2, sequences[client]++);
        insert.setString(3, UUID.randomUUID().toString());
        insert.setBytes(4, metaData);
        insert.setBytes(5, payload);
        insert.setString(6, payloadType);
        insert.setString(7, Instant.now().toString());
        insert.executeUpdate();
    }

    /** Reads every event of the event table in pages of {@code pageSize}; returns the events read. */
    static long readAllEvents(Connection connection, int pageSize) throws SQLException {
        long read = 0;
        long after = -1;
        try (PreparedStatement page = connection.prepareStatement("""
                SELECT globalIndex, aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData, payload,
                       payloadRevision, payloadType, timeStamp
                FROM DomainEventEntry WHERE globalIndex > ? ORDER BY globalIndex LIMIT ?""")) {
            while (true) {
                page.setLong(1, after);
                page.setInt(2, pageSize);
                int rows = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        after = rs.getLong(1);
                        rs.getString(2);
                        rs.getLong(3);
                        rs.getString(4);
                        rs.getString(5);
                        rs.getBytes(6);
                        rs.getBytes(7);
                        rs.getString(8);
                        rs.getString(9);
                        rs.getString(10);
                        rows++;
                    }
                }
                read += rows;
                if (rows < pageSize) {
                    return read;
                }
            }
        }
    }

    @Override
    public void close() throws SQLException {
        for (Connection connection : connections) {
            connection.close();
        }
    }
}
