package shop.ledger.query.position;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import shop.ledger.platform.DaemonThreads;
import shop.ledger.query.position.ProcessorCoverage.Need;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reads waiting for processors to cover their positions, all checked together on one thread whenever a processor
 * commits ({@link #wake()}: a token stored on any instance, {@link TokenCommitListener}, or a batch committed here).
 * A check reads the tokens and the uncovered events once for every waiting read, so its cost grows with the
 * commits, not with the number of waiting reads, and no request thread is held: a waiting read is a suspended
 * (asynchronous) request until its callback runs.
 * <p>
 * Wake-ups that arrive while a check runs cause one more check after it; a check considers only the reads
 * registered before it started, whose writes had committed before its reads of the database.
 */
@Component
public class PositionWaiters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PositionWaiters.class);

    private final ProcessorCoverage coverage;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    private final ExecutorService checks = Executors.newSingleThreadExecutor(
            DaemonThreads.named("read-position-checks"));
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("read-position-deadlines"));
    private final AtomicBoolean wanted = new AtomicBoolean();
    private final AtomicBoolean checking = new AtomicBoolean();

    public PositionWaiters(ProcessorCoverage coverage) {
        this.coverage = coverage;
    }

    /** A waiting read: exactly one of its two callbacks runs, once. */
    public final class Waiter {
        private final Need need;
        private final Runnable onCovered;
        private final Runnable onExpired;
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile ScheduledFuture<?> deadline;

        private Waiter(Need need, Runnable onCovered, Runnable onExpired) {
            this.need = need;
            this.onCovered = onCovered;
            this.onExpired = onExpired;
        }

        /** Forgets this read without a callback (its client went away). */
        public void cancel() {
            settle(null);
        }

        private void settle(Runnable callback) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            waiting.remove(this);
            ScheduledFuture<?> scheduled = deadline;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            if (callback != null) {
                try {
                    callback.run();
                } catch (RuntimeException e) {
                    log.debug("answering a read that waited for position {} failed (its client gone?)", need.position(), e);
                }
            }
        }
    }

    /**
     * Runs {@code onCovered} once every processor of {@code need} covers its position, or {@code onExpired} after
     * {@code maxWait}, whichever comes first.
     */
    public Waiter await(Need need, Duration maxWait, Runnable onCovered, Runnable onExpired) {
        Waiter waiter = new Waiter(need, onCovered, onExpired);
        waiting.add(waiter);
        waiter.deadline = deadlines.schedule(() -> waiter.settle(waiter.onExpired), maxWait.toMillis(),
                TimeUnit.MILLISECONDS);
        wake();
        return waiter;
    }

    /** A processor committed somewhere: check the waiting reads again (coalesced; nothing to do when none waits). */
    public void wake() {
        if (waiting.isEmpty()) {
            return;
        }
        wanted.set(true);
        if (checking.compareAndSet(false, true)) {
            checks.execute(this::checkWhileWanted);
        }
    }

    /** How many reads wait now. */
    public int waitingReads() {
        return waiting.size();
    }

    private void checkWhileWanted() {
        try {
            while (wanted.getAndSet(false)) {
                List<Waiter> reads = List.copyOf(waiting);
                if (!reads.isEmpty()) {
                    check(reads);
                }
            }
        } finally {
            checking.set(false);
        }
        if (wanted.get() && checking.compareAndSet(false, true)) {
            checks.execute(this::checkWhileWanted); // a wake-up between the loop's end and the flag's release
        }
    }

    private void check(List<Waiter> reads) {
        List<Boolean> covered;
        try {
            covered = coverage.covered(reads.stream().map(read -> read.need).toList());
        } catch (RuntimeException e) {
            // the database away: the reads wait for the next commit, or answer 503 at their deadline
            log.debug("could not check the processors' positions for {} waiting reads", reads.size(), e);
            return;
        }
        for (int i = 0; i < reads.size(); i++) {
            if (covered.get(i)) {
                Waiter read = reads.get(i);
                read.settle(read.onCovered);
            }
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
        deadlines.shutdownNow();
    }
}
