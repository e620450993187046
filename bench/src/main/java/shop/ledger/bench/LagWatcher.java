package shop.ledger.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures how long an acknowledged event takes to show in the wallet read model. Every command acknowledged
 * in the measured window is a sample (wallet, sequence of its event, moment of the acknowledgement: the commit
 * is done by then); one observer thread reads {@code wallet_view.last_sequence} of every pending wallet in one
 * query, about every millisecond, and an event counts as visible at the start of the first query that sees
 * it (PostgreSQL takes the statement's snapshot then).
 */
final class LagWatcher implements AutoCloseable {

    private record Sample(UUID walletId, long sequence, long acknowledgedAt) {
    }

    private final ConcurrentLinkedQueue<Sample> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Connection connection;
    private final Thread observer;
    private long[] lags = new long[8192];
    private int lagCount;
    private volatile String failure;
    private volatile int unseen;

    LagWatcher(Connection connection) {
        this.connection = connection;
        this.observer = new Thread(this::observe, "bench-lag-observer");
        observer.setDaemon(true);
        observer.start();
    }

    void acknowledged(UUID walletId, long sequence, long acknowledgedAt) {
        incoming.add(new Sample(walletId, sequence, acknowledgedAt));
    }

    private void observe() {
        Map<UUID, List<Sample>> pending = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT wallet_id, last_sequence FROM wallet_view WHERE wallet_id = ANY (?)")) {
            long drainUntil = Long.MAX_VALUE;
            while (true) {
                Sample sample;
                while ((sample = incoming.poll()) != null) {
                    pending.computeIfAbsent(sample.walletId(), w -> new ArrayList<>()).add(sample);
                }
                if (!running.get()) {
                    // after the load stops, give the last samples up to ten seconds to show
                    drainUntil = Math.min(drainUntil, System.nanoTime() + 10_000_000_000L);
                    if (pending.isEmpty() || System.nanoTime() > drainUntil) {
                        unseen = pending.values().stream().mapToInt(List::size).sum();
                        return;
                    }
                }
                if (pending.isEmpty()) {
                    LockSupport.parkNanos(500_000);
                    continue;
                }
                Array wallets = connection.createArrayOf("uuid", pending.keySet().toArray());
                query.setArray(1, wallets);
                long snapshotAt = System.nanoTime();
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        UUID wallet = rows.getObject(1, UUID.class);
                        long visible = rows.getLong(2);
                        List<Sample> waiting = pending.get(wallet);
                        for (Iterator<Sample> it = waiting.iterator(); it.hasNext(); ) {
                            Sample s = it.next();
                            if (s.sequence() <= visible) {
                                record(Math.max(0, snapshotAt - s.acknowledgedAt()));
                                it.remove();
                            }
                        }
                        if (waiting.isEmpty()) {
                            pending.remove(wallet);
                        }
                    }
                }
                LockSupport.parkNanos(1_000_000);
            }
        } catch (SQLException | RuntimeException e) {
            failure = e.toString();
        }
    }

    private void record(long lag) {
        if (lagCount == lags.length) {
            lags = Arrays.copyOf(lags, lags.length * 2);
        }
        lags[lagCount++] = lag;
    }

    /** Stops observing (after the pending samples showed, or ten seconds) and returns the lags, sorted, in ns. */
    long[] finish() throws InterruptedException {
        running.set(false);
        observer.join();
        if (failure != null) {
            throw new IllegalStateException("the lag observer failed: " + failure);
        }
        long[] sorted = Arrays.copyOf(lags, lagCount);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Samples that never showed in the read model (reported as errors). */
    int unseen() {
        return unseen;
    }

    @Override
    public void close() throws SQLException {
        running.set(false);
        connection.close();
    }
}
