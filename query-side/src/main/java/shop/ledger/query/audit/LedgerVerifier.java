package shop.ledger.query.audit;

import shop.ledger.platform.axon.EventTable;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Verifies the ledger from its event store, with nothing but a {@link DataSource} (so it also runs from the
 * command line, see {@link VerifyCli}):
 * <ol>
 *   <li>every wallet stream is replayed in sequence: the running available/held from the changes must equal
 *       each event's {@code availableAfter}/{@code heldAfter} and never go negative; the final values must equal
 *       {@code wallet_view} and the number of money events the number of {@code statement_line}s;</li>
 *   <li>the double-entry journal ({@code journal_posting}) nets to zero per currency;</li>
 *   <li>tamper evidence: every event's hash is recomputed in the database with {@code ledger_event_hash} over
 *       the stored hash of its predecessor; an event whose stored hash differs has been altered.</li>
 * </ol>
 * The event table is Axon's ({@link EventTable}). Rows are streamed with a cursor (auto-commit off, fetch size), in one read-only repeatable-read
 * transaction, so memory stays constant per wallet whatever the size of the store.
 */
public class LedgerVerifier {

    static final int FETCH_SIZE = 1000;

    public record Mismatch(String walletId, Long globalPosition, String kind, String detail) {
    }

    public record TrialBalance(String currency, long debits, long credits, long net) {
    }

    public record Report(boolean ok, long walletsChecked, long eventsRead, List<Mismatch> mismatches,
                         List<TrialBalance> trialBalance, long tamperedEvents) {
    }

    /** At most this many mismatches are listed (all are counted in ok / tamperedEvents). */
    static final int MAX_LISTED = 1000;

    private final DataSource dataSource;

    public LedgerVerifier(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource);
    }

    public Report verify() {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            int isolation = connection.getTransactionIsolation();
            boolean readOnly = connection.isReadOnly();
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                return verify(connection);
            } finally {
                connection.rollback();
                connection.setReadOnly(readOnly);
                connection.setTransactionIsolation(isolation);
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("verification failed to read the database: " + e.getMessage(), e);
        }
    }

    private Report verify(Connection connection) throws SQLException {
        List<Mismatch> mismatches = new ArrayList<>();
        long[] problems = {0};
        Counts counts = replayWallets(connection, mismatches, problems);
        List<TrialBalance> trialBalance = trialBalance(connection, mismatches, problems);
        long tampered = tamperedEvents(connection, mismatches, problems);
        return new Report(problems[0] == 0, counts.wallets, counts.events, mismatches, trialBalance, tampered);
    }

    private record Counts(long wallets, long events) {
    }

    private static void report(List<Mismatch> mismatches, long[] problems, Mismatch mismatch) {
        problems[0]++;
        if (mismatches.size() < MAX_LISTED) {
            mismatches.add(mismatch);
        }
    }

    /** (a) replay of every wallet stream, compared with its events and with the read models. */
    private Counts replayWallets(Connection connection, List<Mismatch> mismatches, long[] problems)
            throws SQLException {
        String sql = """
                SELECT e.aggregateIdentifier, e.sequenceNumber, e.globalIndex, e.payloadType, e.payload,
                       w.available AS view_available, w.held AS view_held, w.wallet_id IS NOT NULL AS in_view,
                       COALESCE(s.lines, 0) AS view_lines
                FROM %s e
                LEFT JOIN wallet_view w ON w.wallet_id::text = e.aggregateIdentifier
                LEFT JOIN (SELECT wallet_id::text AS wallet_id, count(*) AS lines FROM statement_line
                           GROUP BY wallet_id) s ON s.wallet_id = e.aggregateIdentifier
                WHERE e.payloadType LIKE '%s%%'
                ORDER BY e.aggregateIdentifier, e.sequenceNumber""".formatted(EventTable.TABLE, AuditEvents.WALLET_EVENTS);
        long wallets = 0;
        long events = 0;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = statement.executeQuery()) {
                WalletReplay current = null;
                while (rs.next()) {
                    String walletId = rs.getString(1);
                    if (current == null || !current.walletId.equals(walletId)) {
                        if (current != null) {
                            current.finish(mismatches, problems);
                        }
                        wallets++;
                        current = new WalletReplay(walletId, rs.getBoolean("in_view"), rs.getLong("view_available"),
                                rs.getLong("view_held"), rs.getLong("view_lines"));
                    }
                    events++;
                    current.apply(rs.getLong(3), rs.getString(4), rs.getBytes(5), mismatches, problems);
                }
                if (current != null) {
                    current.finish(mismatches, problems);
                }
            }
        }
        return new Counts(wallets, events);
    }

    /** The running state of one wallet's replay: constant memory per wallet. */
    private static final class WalletReplay {
        final String walletId;
        final boolean inView;
        final long viewAvailable;
        final long viewHeld;
        final long viewLines;
        long available;
        long held;
        long moneyEvents;
        Long lastPosition;

        WalletReplay(String walletId, boolean inView, long viewAvailable, long viewHeld, long viewLines) {
            this.walletId = walletId;
            this.inView = inView;
            this.viewAvailable = viewAvailable;
            this.viewHeld = viewHeld;
            this.viewLines = viewLines;
        }

        void apply(long position, String payloadType, byte[] payload, List<Mismatch> mismatches, long[] problems) {
            AuditEvents.Movement movement;
            try {
                movement = AuditEvents.Movement.of(payloadType, AuditEvents.parse(payload));
            } catch (RuntimeException unreadable) {
                report(mismatches, problems, new Mismatch(walletId, position, "unreadable-event",
                        "payload is not valid JSON: " + unreadable.getMessage()));
                return;
            }
            if (movement == null) {
                return; // WalletOpened and other non-money events
            }
            moneyEvents++;
            lastPosition = position;
            try {
                available = Math.addExact(available, movement.availableChange());
                held = Math.addExact(held, movement.heldChange());
            } catch (ArithmeticException overflow) {
                report(mismatches, problems, new Mismatch(walletId, position, "overflow",
                        "running balance overflows"));
            }
            if (available != movement.availableAfter() || held != movement.heldAfter()) {
                report(mismatches, problems, new Mismatch(walletId, position, "replay-mismatch",
                        "replay gives available " + available + ", held " + held + " but the " + movement.kind()
                        + " event states availableAfter " + movement.availableAfter() + ", heldAfter "
                        + movement.heldAfter()));
                // continue from what the event states, so one bad event is reported once
                available = movement.availableAfter();
                held = movement.heldAfter();
            }
            if (available < 0 || held < 0) {
                report(mismatches, problems, new Mismatch(walletId, position, "negative-balance",
                        "available " + available + ", held " + held));
            }
        }

        void finish(List<Mismatch> mismatches, long[] problems) {
            if (!inView) {
                report(mismatches, problems, new Mismatch(walletId, null, "missing-read-model",
                        "wallet has events but no wallet_view row"));
                return;
            }
            if (available != viewAvailable || held != viewHeld) {
                report(mismatches, problems, new Mismatch(walletId, lastPosition, "read-model-mismatch",
                        "events give available " + available + ", held " + held + "; wallet_view has available "
                        + viewAvailable + ", held " + viewHeld));
            }
            if (moneyEvents != viewLines) {
                report(mismatches, problems, new Mismatch(walletId, lastPosition, "statement-mismatch",
                        moneyEvents + " money events but " + viewLines + " statement lines"));
            }
        }
    }

    /** (b) the double-entry journal nets to zero per currency. */
    private List<TrialBalance> trialBalance(Connection connection, List<Mismatch> mismatches, long[] problems)
            throws SQLException {
        List<TrialBalance> result = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT currency,
                       COALESCE(SUM(amount) FILTER (WHERE amount > 0), 0),
                       COALESCE(-SUM(amount) FILTER (WHERE amount < 0), 0),
                       COALESCE(SUM(amount), 0)
                FROM journal_posting GROUP BY currency ORDER BY currency""");
             ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                TrialBalance balance = new TrialBalance(rs.getString(1).trim(), rs.getLong(2), rs.getLong(3),
                        rs.getLong(4));
                result.add(balance);
                if (balance.net() != 0) {
                    report(mismatches, problems, new Mismatch(null, null, "journal-unbalanced",
                            "journal postings in " + balance.currency() + " net " + balance.net() + ", not zero"));
                }
            }
        }
        return result;
    }

    /** (c) every stored hash against the hash recomputed from the row and its predecessor's stored hash. */
    private long tamperedEvents(Connection connection, List<Mismatch> mismatches, long[] problems)
            throws SQLException {
        long tampered = 0;
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT aggregateIdentifier, globalIndex, sequenceNumber, payloadType, stored IS NULL AS missing
                FROM (SELECT d.aggregateIdentifier, d.globalIndex, d.sequenceNumber, d.payloadType,
                             d.eventHash AS stored,
                             ledger_event_hash(CASE WHEN d.sequenceNumber > 0 THEN
                                 LAG(d.eventHash) OVER stream END, d) AS expected
                      FROM %s d
                      WINDOW stream AS (PARTITION BY d.aggregateIdentifier ORDER BY d.sequenceNumber)) chained
                WHERE stored IS DISTINCT FROM expected
                ORDER BY globalIndex""".formatted(EventTable.TABLE))) {
            statement.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    tampered++;
                    report(mismatches, problems, new Mismatch(rs.getString(1), rs.getLong(2), "tampered",
                            (rs.getBoolean(5) ? "no stored hash for " : "stored hash does not match ")
                            + AuditEvents.simpleName(rs.getString(4)) + " #" + rs.getLong(3)
                            + " of stream " + rs.getString(1)));
                }
            }
        }
        return tampered;
    }
}
