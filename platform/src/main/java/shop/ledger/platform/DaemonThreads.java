package shop.ledger.platform;

import java.util.concurrent.ThreadFactory;

/** Threads of the ledger's own background work: named for thread dumps, and daemons, so they never hold up a stop. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
