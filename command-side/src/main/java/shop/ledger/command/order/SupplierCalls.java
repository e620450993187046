package shop.ledger.command.order;

import org.springframework.stereotype.Component;
import shop.ledger.command.supplier.SupplierPort;
import shop.ledger.platform.db.OwnTransaction;
import shop.ledger.command.supplier.SupplierPort.Placement;
import shop.ledger.command.supplier.SupplierPort.Submission;

import java.util.UUID;

/**
 * Places an order at its supplier at most once per attempt. The attempt is claimed and committed in its own
 * transaction before the call: if the process dies during the call, or before the outcome is recorded, the
 * retried handler finds the claim and answers {@link SupplierPort.Unknown}, so the order goes to staff
 * instead of being placed a second time (the protocol has no idempotency key).
 */
@Component
public class SupplierCalls {

    private final SupplierPort supplier;
    private final OwnTransaction ownTransaction;

    public SupplierCalls(SupplierPort supplier, OwnTransaction ownTransaction) {
        this.supplier = supplier;
        this.ownTransaction = ownTransaction;
    }

    public Placement placeOnce(UUID orderId, int attempt, String supplierName, Submission submission) {
        if (!claim(orderId, attempt)) {
            return sentBefore(attempt);
        }
        return supplier.place(supplierName, submission);
    }

    /**
     * An attempt that cannot be sent (the customer's data was erased): refused when nothing was ever sent for it,
     * but Unknown when an earlier run claimed it, since the supplier may then hold the order.
     */
    public Placement refuseUnsent(UUID orderId, int attempt, String reason) {
        return claim(orderId, attempt) ? new SupplierPort.Refused(reason) : sentBefore(attempt);
    }

    private boolean claim(UUID orderId, int attempt) {
        Integer claimed = ownTransaction.call(jdbc -> jdbc.sql(
                        "INSERT INTO supplier_call (order_id, attempt) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .params(orderId, attempt)
                .update());
        return claimed != null && claimed > 0;
    }

    private static Placement sentBefore(int attempt) {
        return new SupplierPort.Unknown("attempt " + attempt + " was sent before and its answer was never recorded");
    }

    public SupplierPort port() {
        return supplier;
    }
}
