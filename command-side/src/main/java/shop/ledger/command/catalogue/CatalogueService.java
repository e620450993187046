package shop.ledger.command.catalogue;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;
import shop.ledger.api.catalogue.Catalogue.DefineService;
import shop.ledger.api.catalogue.Catalogue.ServiceDefined;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * One service of the catalogue, as staff define it. Orders read its current offer when they are placed,
 * so a price change never touches an order already placed.
 */
@Aggregate
public class CatalogueService {

    @AggregateIdentifier
    private UUID serviceId;
    private ServiceOffer offer;

    protected CatalogueService() {
    }

    /**
     * Creates or replaces the service; defining it exactly as it is changes nothing. A replace that names no
     * supplier keeps the mapping the service has (API.md v2: a GET item sent back unchanged is a valid body);
     * creating an IMEI service still needs one.
     *
     * @return the service as defined
     */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public ServiceOffer handle(DefineService command) {
        ServiceOffer next = command.offer();
        if (next != null && next.supplier() == null && offer != null && offer.supplier() != null) {
            next = new ServiceOffer(next.serviceId(), next.code(), next.name(), next.kind(), next.price(),
                    next.deliveryEstimate(), next.requires(), next.active(), offer.supplier());
        }
        validate(command.serviceId(), next);
        if (!next.equals(offer)) {
            org.axonframework.modelling.command.AggregateLifecycle.apply(new ServiceDefined(command.serviceId(), next));
        }
        return next;
    }

    @EventSourcingHandler
    void on(ServiceDefined event) {
        serviceId = event.serviceId();
        offer = event.offer();
    }

    public ServiceOffer offer() {
        return offer;
    }

    static void validate(UUID serviceId, ServiceOffer offer) {
        if (offer == null || !serviceId.equals(offer.serviceId())) {
            throw invalid("the service id in the body must match the path");
        }
        if (offer.code() == null || !offer.code().matches("[A-Za-z0-9._-]{1,32}")) {
            throw invalid("code: 1 to 32 letters, digits, '.', '_' or '-'");
        }
        if (offer.name() == null || offer.name().isBlank() || offer.name().length() > 200) {
            throw invalid("name: 1 to 200 characters");
        }
        if (offer.kind() == null || offer.requires() == null) {
            throw invalid("kind and requires are mandatory");
        }
        Money price = offer.price();
        if (price == null || price.amount() < 0 || price.amount() > Money.MAX_AMOUNT) {
            throw invalid("price: 0 to " + Money.MAX_AMOUNT + " minor units");
        }
        if (offer.deliveryEstimate() == null) {
            throw invalid("deliveryEstimate is mandatory");
        }
        Duration min = duration("deliveryEstimate.min", offer.deliveryEstimate().min());
        Duration max = duration("deliveryEstimate.max", offer.deliveryEstimate().max());
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw invalid("deliveryEstimate: 0 <= min <= max");
        }
        if (offer.kind() == ServiceKind.IMEI && (offer.supplier() == null || blank(offer.supplier().supplier())
                || blank(offer.supplier().supplierServiceId()))) {
            throw invalid("an IMEI service needs its supplier and the supplier's service id");
        }
    }

    private static Duration duration(String field, String iso) {
        try {
            return Duration.parse(iso);
        } catch (DateTimeParseException | NullPointerException e) {
            throw invalid(field + ": an ISO-8601 duration such as PT2H or P3D");
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static RuleViolation invalid(String detail) {
        return new RuleViolation(ProblemType.VALIDATION_FAILED, detail);
    }
}
