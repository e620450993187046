package shop.ledger.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one measured phase: {@code clients} threads call an operation in a loop, first for a warm-up that is
 * not counted, then for a fixed measured duration. Only operations that start and end inside the measured
 * window count; every failure counts as an error and none is retried or hidden. An operation that throws
 * {@link Wallets.Done} ends its client (used by the seeding phases, which run until a volume is reached). With a target rate the
 * clients start operations on a fixed schedule (open loop), so a slow answer does not lower the offered load.
 */
final class Load {

    /** One operation of one client; {@code iteration} counts that client's calls from 0. */
    @FunctionalInterface
    interface Operation {
        void run(int client, long iteration) throws Exception;
    }

    /** What a phase measured. Latencies are of the counted operations, in nanoseconds, sorted. */
    record Result(String name, int clients, long operations, long errors, double seconds, long[] latencies,
                  String firstError, double elapsedSeconds, long completed, double meanMillisAll) {

        double perSecond() {
            return operations / seconds;
        }

        double percentileMillis(double percentile) {
            return Percentiles.of(latencies, percentile) / 1_000_000.0;
        }
    }

    private Load() {
    }

    static Result run(String name, int clients, Duration warmup, Duration measured, Operation operation) {
        return run(name, clients, warmup, measured, 0, operation);
    }

    static Result run(String name, int clients, Duration warmup, Duration measured, double targetRatePerSecond,
                      Operation operation) {
        long start = System.nanoTime() + 50_000_000L; // every client starts together
        long measureFrom = start + warmup.toNanos();
        long measureUntil = measureFrom + measured.toNanos();
        long interval = targetRatePerSecond > 0 ? (long) (clients * 1e9 / targetRatePerSecond) : 0;
        Client[] states = new Client[clients];
        CountDownLatch done = new CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Client state = new Client();
            states[c] = state;
            int client = c;
            Thread thread = new Thread(() -> {
                try {
                    state.loop(client, start, measureFrom, measureUntil, interval, clients, operation);
                } finally {
                    done.countDown();
                }
            }, "bench-" + name + "-" + c);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + name, e);
        }
        long operations = 0;
        long errors = 0;
        long completed = 0;
        long completedNanos = 0;
        int latencyCount = 0;
        String firstError = null;
        for (Client state : states) {
            operations += state.operations;
            errors += state.errors;
            latencyCount += state.latencyCount;
            completed += state.completed;
            completedNanos += state.completedNanos;
            if (firstError == null && state.firstError.get() != null) {
                firstError = state.firstError.get();
            }
        }
        long[] latencies = new long[latencyCount];
        int at = 0;
        for (Client state : states) {
            System.arraycopy(state.latencies, 0, latencies, at, state.latencyCount);
            at += state.latencyCount;
        }
        Arrays.sort(latencies);
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(name, clients, operations, errors, measured.toNanos() / 1e9, latencies, firstError, elapsed,
                completed, completed == 0 ? 0 : completedNanos / 1e6 / completed);
    }

    private static final class Client {
        long operations;
        long errors;
        /** Every operation, in or out of the window, and their summed latency: for the log only. */
        long completed;
        long completedNanos;
        long[] latencies = new long[4096];
        int latencyCount;
        final AtomicReference<String> firstError = new AtomicReference<>();

        void loop(int client, long start, long measureFrom, long measureUntil, long interval, int clients,
                  Operation operation) {
            // spread the scheduled starts of the clients over one interval
            long next = start + (interval == 0 ? 0 : interval * client / clients);
            long iteration = 0;
            LockSupport.parkNanos(start - System.nanoTime());
            while (true) {
                if (interval > 0) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    next += interval;
                }
                long begin = System.nanoTime();
                if (begin >= measureUntil) {
                    return;
                }
                boolean failed = false;
                try {
                    operation.run(client, iteration++);
                } catch (Wallets.Done e) {
                    return; // this client has nothing more to do
                } catch (Exception | AssertionError e) {
                    failed = true;
                    firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                long end = System.nanoTime();
                completed++;
                completedNanos += end - begin;
                if (begin >= measureFrom && end <= measureUntil) {
                    if (failed) {
                        errors++;
                    } else {
                        operations++;
                        record(end - begin);
                    }
                } else if (failed && end > measureFrom && begin < measureUntil) {
                    errors++; // straddling the window: not a counted operation, but never a hidden failure
                }
            }
        }

        private void record(long latency) {
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[latencyCount++] = latency;
        }
    }
}
