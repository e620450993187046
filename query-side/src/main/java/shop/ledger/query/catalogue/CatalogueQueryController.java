package shop.ledger.query.catalogue;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.FindService;
import shop.ledger.api.catalogue.Catalogue.FindServices;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceList;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.Role;
import shop.ledger.platform.security.Caller;
import shop.ledger.query.position.ReadModel;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The public catalogue, and the staff view of it with the supplier mapping. */
@RestController
@ReadModel(CatalogueProjection.PROCESSING_GROUP)
@Tag(name = "Catalogue")
public class CatalogueQueryController {

    /** A service as customers see it: where it is fulfilled stays with the shop. */
    public record ServiceItem(UUID serviceId, String code, String name, ServiceKind kind, Money price,
                              DeliveryEstimate deliveryEstimate, Requirements requires, boolean active) {

        static ServiceItem of(ServiceOffer offer) {
            return new ServiceItem(offer.serviceId(), offer.code(), offer.name(), offer.kind(), offer.price(),
                    offer.deliveryEstimate(), offer.requires(), offer.active());
        }
    }

    public record Items<T>(List<T> items) {
    }

    private final QueryGateway queries;

    public CatalogueQueryController(QueryGateway queries) {
        this.queries = queries;
    }

    @GetMapping("/api/services")
    @Operation(summary = "The services on sale (no authentication); an ADMIN may add includeInactive=true")
    public Items<ServiceItem> services(@RequestParam(defaultValue = "false") boolean includeInactive) {
        if (includeInactive) {
            Caller caller = Caller.from(SecurityContextHolder.getContext().getAuthentication())
                                  .orElseThrow(() -> new RuleViolation(ProblemType.UNAUTHORIZED,
                                          "includeInactive needs an ADMIN's bearer token"));
            if (!caller.has(Role.ADMIN)) {
                throw new RuleViolation(ProblemType.FORBIDDEN, "only an ADMIN sees inactive services");
            }
        }
        return new Items<>(find(includeInactive).stream().map(ServiceItem::of).toList());
    }

    @GetMapping("/api/admin/services")
    @Operation(summary = "Every service with its supplier mapping, inactive ones included (ADMIN)")
    public Items<ServiceOffer> allServices() {
        return new Items<>(find(true));
    }

    @GetMapping("/api/admin/services/{serviceId}")
    @Operation(summary = "One service with its supplier mapping (ADMIN)")
    public ServiceOffer service(@PathVariable UUID serviceId) {
        Optional<ServiceOffer> offer = queries.query(new FindService(serviceId),
                ResponseTypes.optionalInstanceOf(ServiceOffer.class)).join();
        return offer.orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such service"));
    }

    private List<ServiceOffer> find(boolean includeInactive) {
        return queries.query(new FindServices(includeInactive), ServiceList.class).join().items();
    }
}
