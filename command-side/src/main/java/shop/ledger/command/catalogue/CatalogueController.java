package shop.ledger.command.catalogue;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.catalogue.Catalogue.SupplierService;
import shop.ledger.platform.web.ShopCurrency;

import java.util.UUID;

@RestController
@Tag(name = "Catalogue (staff)")
public class CatalogueController {

    public record PriceBody(@NotNull Long amount, @NotBlank String currency) {
    }

    /**
     * The fields of GET /api/services, plus where the service is fulfilled. An item of GET /api/services or GET
     * /api/admin/services sent back unchanged is a valid body (API.md v2): {@code serviceId} is read-only and, when
     * present, must be the path's; without {@code supplier} a replace keeps the service's mapping
     * (CatalogueApiTest).
     */
    public record ServiceBody(UUID serviceId, @NotBlank @Size(max = 32) String code, @NotBlank @Size(max = 200) String name,
                              @NotNull ServiceKind kind,
                              @NotNull @Valid PriceBody price, @NotNull DeliveryEstimate deliveryEstimate,
                              @NotNull Requirements requires, @NotNull Boolean active, SupplierService supplier) {
    }

    private final CatalogueAdmin catalogue;
    private final ShopCurrency currency;

    public CatalogueController(CatalogueAdmin catalogue, ShopCurrency currency) {
        this.catalogue = catalogue;
        this.currency = currency;
    }

    @PutMapping("/api/admin/services/{serviceId}")
    @Operation(summary = "Create or replace a service (ADMIN)")
    public ServiceOffer define(@PathVariable UUID serviceId, @Valid @RequestBody ServiceBody body) {
        if (body.serviceId() != null && !body.serviceId().equals(serviceId)) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "serviceId in the body (" + body.serviceId()
                    + ") is not the path's " + serviceId);
        }
        SupplierService supplier = body.supplier();
        if (supplier != null && (length(supplier.supplier()) > 255 || length(supplier.supplierServiceId()) > 255)) {
            // the catalogue's read model keeps at most 255 characters of either
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "supplier names and ids are at most 255 characters");
        }
        ServiceOffer offer = new ServiceOffer(serviceId, body.code(), body.name(), body.kind(),
                currency.money(body.price().amount(), body.price().currency()), body.deliveryEstimate(),
                body.requires(), body.active(), body.supplier());
        return catalogue.define(offer);
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }
}
