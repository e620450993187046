package shop.ledger.api.catalogue;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import shop.ledger.api.common.Money;

import java.util.List;
import java.util.UUID;

/** The service catalogue: what can be ordered, at what price, with which details, from which supplier. */
public final class Catalogue {

    /** Service code of the verification and refund request of R5. */
    public static final String VERIFICATION_CODE = "742";

    private Catalogue() {
    }

    public enum ServiceKind {
        IMEI,
        VERIFICATION
    }

    /** ISO-8601 durations, e.g. {@code PT1H} and {@code P3D}. */
    public record DeliveryEstimate(String min, String max) {
    }

    /** The order fields a service needs; the IMEI is checked for 15 digits and its Luhn check digit. */
    public record Requirements(boolean imei, boolean model, boolean network, boolean serialNumber) {
    }

    /**
     * Where the service is fulfilled: the configured supplier's name and the supplier's own service id
     * (DHRU {@code ID}). Null for services the shop handles itself (the 742 request).
     */
    public record SupplierService(String supplier, String supplierServiceId) {
    }

    public record ServiceOffer(UUID serviceId, String code, String name, ServiceKind kind, Money price,
                               DeliveryEstimate deliveryEstimate, Requirements requires, boolean active,
                               SupplierService supplier) {
    }

    /** Creates or replaces a service (staff). */
    public record DefineService(@TargetAggregateIdentifier UUID serviceId, ServiceOffer offer) {
    }

    @Revision("1")
    public record ServiceDefined(UUID serviceId, ServiceOffer offer) {
    }

    public record FindServices(boolean includeInactive) {
    }

    public record FindService(UUID serviceId) {
    }

    public record ServiceList(List<ServiceOffer> items) {
    }
}
