package shop.ledger.query.support;

import org.axonframework.eventhandling.DomainEventMessage;

import java.util.stream.Stream;

/**
 * The rows of a read model that keep their aggregate's last applied sequence number ({@code last_sequence}): an
 * event changes its row only if it is newer than the last one applied, so a redelivered or late event changes
 * nothing. The update is queued on the row's key ({@link BatchedWrites}).
 */
public final class SequencedRows {

    private final BatchedWrites writes;
    private final String table;
    private final String keyColumn;

    public SequencedRows(BatchedWrites writes, String table, String keyColumn) {
        this.writes = writes;
        this.table = table;
        this.keyColumn = keyColumn;
    }

    /**
     * Applies an event's {@code assignments} (SQL {@code column = ?, ...}, or empty to record only the sequence) with
     * their {@code values} to the row of {@code key}, unless a newer event of the aggregate was applied already.
     */
    public void advance(DomainEventMessage<?> message, Object key, String assignments, Object... values) {
        long sequence = message.getSequenceNumber();
        Object[] params = Stream.concat(Stream.of(values), Stream.of(sequence, key, sequence)).toArray();
        writes.write(key, "UPDATE " + table + " SET " + (assignments.isEmpty() ? "" : assignments + ", ")
                + "last_sequence = ? WHERE " + keyColumn + " = ? AND last_sequence < ?", params);
    }
}
