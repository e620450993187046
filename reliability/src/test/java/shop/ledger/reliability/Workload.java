package shop.ledger.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Mixed load: one client thread per customer doing deposits (as staff), orders, cancellations, 742 requests with
 * the staff's decision, and withdrawals, each retried with its Idempotency-Key until it has a definite answer.
 * The clients never pause for a fault: a killed ledger or a vanished database only makes them retry.
 */
final class Workload {

    private final Api api;
    private final Shop shop;
    private final List<Customer> customers;
    private final String staffToken;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    Workload(Api api, Shop shop, List<Customer> customers, String staffToken) {
        this.api = api;
        this.shop = shop;
        this.customers = customers;
        this.staffToken = staffToken;
    }

    void start() {
        for (Customer customer : customers) {
            Thread thread = new Thread(() -> run(customer), "client-" + customer.username);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Lets every client finish the request it is on (to a definite answer), then returns. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread thread : threads) {
            thread.join(Api.PATIENCE.toMillis() + 60_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("a client failed", failure.get());
        }
    }

    private void run(Customer customer) {
        try {
            while (!stopping) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int dice = random.nextInt(100);
                if (dice < 20) {
                    customer.deposit(api, staffToken, 500 + random.nextInt(2500));
                } else if (dice < 55) {
                    customer.placeOrder(api, shop.fast.get(random.nextInt(shop.fast.size())));
                } else if (dice < 63) {
                    customer.placeOrder(api, shop.slow);
                } else if (dice < 68) {
                    customer.cancelLatestOrder(api);
                } else if (dice < 85) {
                    customer.requestRefund(api, staffToken);
                } else {
                    customer.withdraw(api, 100 + random.nextInt(300));
                }
                Thread.sleep(20 + random.nextInt(40));
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
