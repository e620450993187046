package shop.ledger.command.supplier;

import java.util.Optional;

/**
 * What the order saga needs from a supplier. Adapters (the DHRU Fusion client) translate the wire
 * protocol into these outcomes, and nothing else about an order leaves the ledger (R12).
 */
public interface SupplierPort {

    /** What is sent to place an order: the supplier's service id, the IMEI and the fields the service needs. */
    record Submission(String supplierServiceId, String imei, String model, String network, String serialNumber) {
    }

    /** The outcome of a placement. */
    sealed interface Placement permits Accepted, Refused, Unknown {
    }

    /** The supplier accepted and answered its reference (DHRU {@code REFERENCEID}). */
    record Accepted(String supplierReference) implements Placement {
    }

    /** The supplier answered with a definite error: nothing was placed. */
    record Refused(String message) implements Placement {
    }

    /**
     * No readable answer (timeout, reset connection, garbage): the order may or may not exist at the
     * supplier. Must never be retried blindly.
     */
    record Unknown(String reason) implements Placement {
    }

    enum Progress {
        /** DHRU status 0 (new) or 1 (in process). */
        IN_PROCESS,
        /** DHRU status 4: {@code code} holds the result. */
        COMPLETED,
        /** DHRU status 3: rejected, the customer is refunded. */
        REJECTED,
        /**
         * The supplier answered with an ERROR instead of a status (an unknown reference, a suspended account, an
         * outage it reports): {@code detail} holds its message. It says nothing about the order itself, so it
         * moves no money; the saga asks again and escalates to staff when the supplier keeps refusing.
         */
        REFUSED
    }

    /** The supplier's view of an order; {@code detail} is the result code or the rejection reason. */
    record Status(Progress progress, String detail) {
    }

    Placement place(String supplier, Submission submission);

    /**
     * Empty when the supplier could not be asked or its answer was unreadable (network, timeout, garbage, 5xx):
     * safe to ask again later. A readable ERROR answer is a status with {@link Progress#REFUSED}.
     */
    Optional<Status> status(String supplier, String supplierReference);
}
