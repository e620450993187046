package shop.ledger.reliability;

import shop.ledger.reliability.Api.Response;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The services the load orders, all fulfilled by the {@link FakeDhruSupplier}. */
final class Shop {

    record Service(String serviceId, String code, long price, boolean slow) {
    }

    /** The standalone's seed (CatalogueSeed, pointed at the fake supplier) defines 1003 and 1005; 9001 is ours. */
    static final List<String> FAST_CODES = List.of("1003", "1005");
    static final String SLOW_CODE = "9001";

    final List<Service> fast;
    final Service slow;

    private Shop(List<Service> fast, Service slow) {
        this.fast = fast;
        this.slow = slow;
    }

    /**
     * Defines what is missing: the fast services when the ledger did not seed them (the split deployment has no
     * seed), and always the slow one, overdue one second after submission so that a 742 request is possible.
     */
    static Shop prepare(Api api, String staffToken, boolean seeded) throws InterruptedException {
        if (!seeded) {
            define(api, staffToken, "1003", "iCloud FMI status check", 30, "PT1M", "PT30M");
            define(api, staffToken, "1005", "GSMA blacklist check", 45, "PT1M", "PT15M");
        }
        define(api, staffToken, SLOW_CODE, "Slow unlock that becomes overdue at once", 700, "PT1S", "PT1S");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, Service> byCode = new LinkedHashMap<>();
            for (JsonNode item : api.read("/api/services", null).json().path("items")) {
                String code = item.path("code").asString();
                byCode.put(code, new Service(item.path("serviceId").asString(), code,
                        item.path("price").path("amount").asLong(), SLOW_CODE.equals(code)));
            }
            if (byCode.keySet().containsAll(FAST_CODES) && byCode.containsKey(SLOW_CODE)) {
                return new Shop(FAST_CODES.stream().map(byCode::get).toList(), byCode.get(SLOW_CODE));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the catalogue never showed the services: " + byCode.keySet());
            }
            Thread.sleep(200);
        }
    }

    private static void define(Api api, String staffToken, String code, String name, long price, String min, String max) {
        String serviceId = UUID.nameUUIDFromBytes(("catalogue:" + code).getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("name", name);
        body.put("kind", "IMEI");
        body.put("price", Map.of("amount", price, "currency", "USD"));
        body.put("deliveryEstimate", Map.of("min", min, "max", max));
        body.put("requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false));
        body.put("active", true);
        body.put("supplier", Map.of("supplier", FakeDhruSupplier.NAME, "supplierServiceId", code));
        Response answer = api.command("PUT", "/api/admin/services/" + serviceId, staffToken, body);
        if (!answer.ok()) {
            throw new AssertionError("service " + code + " refused: " + answer.body());
        }
    }
}
