package shop.ledger.simulator.dhru;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * The simulated supplier's IMEI services, as its {@code imeiservicelist} answers them. The catalogue the
 * standalone seeds uses these ids as the supplier's service ids ({@code SupplierService.supplierServiceId}),
 * with the same requirements: placeimeiorder refuses an order without a field its service requires.
 */
public final class SimulatedServices {

    public static final String ATT_IPHONE_UNLOCK = "1001";
    public static final String TMOBILE_IPHONE_UNLOCK = "1002";
    public static final String ICLOUD_FMI_CHECK = "1003";
    public static final String SAMSUNG_FRP_REMOVAL = "1004";
    public static final String GSMA_BLACKLIST_CHECK = "1005";
    public static final String UK_NETWORK_UNLOCK = "1006";

    /** What a completed order's CODE looks like. */
    public enum ResultKind {
        /** an unlock done in the manufacturer's or the carrier's database */
        WHITELIST_UNLOCK,
        /** NCK/MCK codes to type into the phone */
        UNLOCK_CODE,
        /** a report */
        CHECK,
        /** a lock removed remotely */
        LOCK_REMOVAL
    }

    /**
     * One service.
     *
     * @param price              what the supplier charges per order ({@code CREDIT}), in USD
     * @param time               the supplier's own wording of the delivery time ({@code TIME})
     * @param deliveryMin        the shortest delivery as an ISO-8601 duration, for the shop's catalogue
     * @param deliveryMax        the longest, likewise
     * @param suggestedShopPrice a retail price for the shop's catalogue, in USD minor units
     */
    public record Service(String id, String group, String name, BigDecimal price, String time,
                          String deliveryMin, String deliveryMax, long suggestedShopPrice,
                          boolean requiresModel, boolean requiresNetwork, boolean requiresSerialNumber,
                          ResultKind result) {
    }

    public static final List<Service> ALL = List.of(
            new Service(ATT_IPHONE_UNLOCK, "USA Carriers - iPhone",
                    "AT&T USA - iPhone Carrier Unlock (Clean IMEI, All Models)",
                    new BigDecimal("18.00"), "1-5 Days", "P1D", "P5D", 2499,
                    false, false, false, ResultKind.WHITELIST_UNLOCK),
            new Service(TMOBILE_IPHONE_UNLOCK, "USA Carriers - iPhone",
                    "T-Mobile / Sprint USA - Premium Unlock (iPhone up to 16 Pro Max)",
                    new BigDecimal("29.00"), "3-10 Days", "P3D", "P10D", 3900,
                    false, false, false, ResultKind.WHITELIST_UNLOCK),
            new Service(ICLOUD_FMI_CHECK, "Instant Checks", "iCloud FMI ON/OFF Status Check (Instant)",
                    new BigDecimal("0.12"), "1-30 Minutes", "PT1M", "PT30M", 30,
                    false, false, false, ResultKind.CHECK),
            new Service(SAMSUNG_FRP_REMOVAL, "Samsung", "Samsung FRP Google Account Removal by IMEI",
                    new BigDecimal("8.50"), "1-24 Hours", "PT1H", "P1D", 1250,
                    true, false, false, ResultKind.LOCK_REMOVAL),
            new Service(GSMA_BLACKLIST_CHECK, "Instant Checks", "GSMA Blacklist, Carrier & Warranty Check",
                    new BigDecimal("0.25"), "1-15 Minutes", "PT1M", "PT15M", 45,
                    false, false, false, ResultKind.CHECK),
            new Service(UK_NETWORK_UNLOCK, "UK Networks", "UK EE / Vodafone / O2 Network Unlock (Clean)",
                    new BigDecimal("9.90"), "1-3 Days", "P1D", "P3D", 1490,
                    false, true, false, ResultKind.UNLOCK_CODE));

    private SimulatedServices() {
    }

    public static Optional<Service> byId(String id) {
        return ALL.stream().filter(service -> service.id().equals(id)).findFirst();
    }
}
