package shop.ledger.reliability;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One standalone ledger on its own durable PostgreSQL, with the fake supplier and payout provider it talks to, its
 * customers and their mixed load running: how the kill and the outage suites start, before each does its damage.
 * Closing it stops the ledger, then the outside parties, then PostgreSQL.
 */
final class StandaloneUnderLoad implements AutoCloseable {

    final DurablePostgres postgres;
    final FakeDhruSupplier supplier;
    final FakePayoutProvider payouts;
    final LedgerProcess ledger;
    final Stats stats = new Stats();
    final Api api;
    final String staff;
    final List<Customer> customers;
    final Workload load;

    private StandaloneUnderLoad(DurablePostgres postgres, FakeDhruSupplier supplier, FakePayoutProvider payouts,
                                LedgerProcess ledger, String customerPrefix, int customerCount) throws Exception {
        this.postgres = postgres;
        this.supplier = supplier;
        this.payouts = payouts;
        this.ledger = ledger;
        ledger.start();
        TokenHistory.install(postgres);
        api = new Api(ledger.baseUrl(), stats);
        staff = api.adminToken();
        Shop shop = Shop.prepare(api, staff, true);
        customers = Rig.customers(api, staff, customerPrefix, customerCount);
        load = new Workload(api, shop, customers, staff);
        load.start();
        Rig.log("load started");
    }

    /**
     * Starts it all under {@code temp}: the ledger process named {@code name}, a supplier refusing
     * {@code supplierErrorRate} of the placements, and {@code customerCount} customers; {@code environment} may add
     * to the ledger's environment ({@link Rig#environment}).
     */
    static StandaloneUnderLoad start(Path temp, String name, double supplierErrorRate, String customerPrefix,
                                     int customerCount, UnaryOperator<Map<String, String>> environment)
            throws Exception {
        DurablePostgres postgres = new DurablePostgres(temp.resolve("postgres"));
        FakeDhruSupplier supplier = null;
        FakePayoutProvider payouts = null;
        LedgerProcess ledger = null;
        try {
            supplier = new FakeDhruSupplier(supplierErrorRate);
            payouts = new FakePayoutProvider();
            ledger = new LedgerProcess(name, LedgerProcess.STANDALONE, DurablePostgres.freePort(),
                    environment.apply(Rig.environment(postgres, temp.resolve("ledger"), supplier, payouts)));
            return new StandaloneUnderLoad(postgres, supplier, payouts, ledger, customerPrefix, customerCount);
        } catch (Exception | Error e) {
            Exception closing = closeAll(ledger, payouts, supplier, postgres);
            if (closing != null) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        Exception closing = closeAll(ledger, payouts, supplier, postgres);
        if (closing != null) {
            throw closing;
        }
    }

    /** Closes each (nulls skipped), whatever the others do; the first failure, with the later ones suppressed. */
    private static Exception closeAll(AutoCloseable... inStopOrder) {
        Exception first = null;
        for (AutoCloseable closeable : inStopOrder) {
            if (closeable == null) {
                continue;
            }
            try {
                closeable.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
