package shop.ledger.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ledger process's memory: used heap sampled every 50 ms (its peak), and the resident set's high-water
 * mark (VmHWM) from the kernel. The load generator runs in the same JVM, so both include its (small) share.
 */
final class MemoryWatch implements AutoCloseable {

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long peakUsed;

    MemoryWatch() {
        sampler = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        long used = memory.getHeapMemoryUsage().getUsed();
        if (used > peakUsed) {
            peakUsed = used;
        }
    }

    double heapMbMax() {
        sample();
        return peakUsed / (1024.0 * 1024.0);
    }

    double heapLimitMb() {
        return memory.getHeapMemoryUsage().getMax() / (1024.0 * 1024.0);
    }

    /** VmHWM of this process in MB, or -1 where /proc is not available. */
    static double rssMbMax() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
