package shop.ledger.standalone.seed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import shop.ledger.api.catalogue.Catalogue;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.catalogue.Catalogue.SupplierService;
import shop.ledger.api.common.Money;
import shop.ledger.command.catalogue.CatalogueAdmin;
import shop.ledger.platform.web.ShopCurrency;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The standalone's first start defines a realistic catalogue: the 742 verification request (R5) and IMEI
 * services of the kinds real IMEI servers sell, fulfilled by the configured supplier (the simulator by
 * default; its service ids match). A catalogue that already has services is left alone.
 */
@Component
@ConditionalOnProperty(name = "ledger.catalogue.seed", havingValue = "true", matchIfMissing = true)
public class CatalogueSeed implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(CatalogueSeed.class);
    private static final Requirements IMEI_ONLY = new Requirements(true, false, false, false);

    private final CatalogueAdmin catalogue;
    private final ShopCurrency currency;
    private final String supplier;

    public CatalogueSeed(CatalogueAdmin catalogue, ShopCurrency currency,
                         @Value("${ledger.catalogue.seed-supplier:simulator}") String supplier) {
        this.catalogue = catalogue;
        this.currency = currency;
        this.supplier = supplier;
    }

    /** Stable ids, so the seeded services are the same on every machine. */
    public static UUID serviceId(String code) {
        return UUID.nameUUIDFromBytes(("catalogue:" + code).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!catalogue.isEmpty()) {
            return;
        }
        List<ServiceOffer> services = List.of(
                new ServiceOffer(serviceId(Catalogue.VERIFICATION_CODE), Catalogue.VERIFICATION_CODE,
                        "Order Check / Verification & Refund Request (Order In Process for Long Time - Not Completed)",
                        ServiceKind.VERIFICATION, money(0), new DeliveryEstimate("P1D", "P7D"),
                        new Requirements(false, false, false, false), true, null),
                imei("1001", "AT&T USA - iPhone Carrier Unlock (Clean IMEI, All Models)", 2499, "P1D", "P5D", IMEI_ONLY),
                imei("1002", "T-Mobile / Sprint USA - Premium Unlock (iPhone up to 16 Pro Max)", 3900, "P3D", "P10D",
                        IMEI_ONLY),
                imei("1003", "iCloud FMI ON/OFF Status Check (Instant)", 30, "PT1M", "PT30M", IMEI_ONLY),
                imei("1004", "Samsung FRP Google Account Removal by IMEI", 1250, "PT1H", "P1D",
                        new Requirements(true, true, false, false)),
                imei("1005", "GSMA Blacklist, Carrier & Warranty Check", 45, "PT1M", "PT15M", IMEI_ONLY),
                imei("1006", "UK EE / Vodafone / O2 Network Unlock (Clean)", 1490, "P1D", "P3D",
                        new Requirements(true, false, true, false)));
        services.forEach(catalogue::define);
        log.info("Seeded the catalogue with {} services", services.size());
    }

    private ServiceOffer imei(String code, String name, long cents, String min, String max, Requirements requires) {
        return new ServiceOffer(serviceId(code), code, name, ServiceKind.IMEI, money(cents),
                new DeliveryEstimate(min, max), requires, true, new SupplierService(supplier, code));
    }

    private Money money(long cents) {
        return Money.of(cents, currency.code());
    }
}
