package shop.ledger.standalone;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The catalogue's round trip (API.md v2, Catalogue): an item of a GET is a valid PUT body, sent back unchanged. */
@StandaloneTest
class CatalogueApiTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    static Map<String, Object> service(String code, String name, boolean withSupplier) {
        Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of(
                "code", code, "name", name, "kind", "IMEI",
                "price", Map.of("amount", 1500, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT1H", "max", "P2D"),
                "requires", Map.of("imei", true, "model", true, "network", false, "serialNumber", false),
                "active", true));
        if (withSupplier) {
            body.put("supplier", Map.of("supplier", "simulator", "supplierServiceId", "1001"));
        }
        return body;
    }

    UUID defined(String name) {
        UUID serviceId = UUID.randomUUID();
        Response created = api.put("/api/admin/services/" + serviceId, admin,
                ApiClient.json(service("rt-" + serviceId.toString().substring(0, 8), name, true)));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(200);
        return serviceId;
    }

    JsonNode awaitItem(String path, UUID serviceId, Predicate<JsonNode> until) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (JsonNode item : api.get(path, admin).json().path("items")) {
                if (item.path("serviceId").asText().equals(serviceId.toString()) && until.test(item)) {
                    found[0] = item;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    long events(UUID serviceId) {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE aggregateidentifier = ?")
                   .param(serviceId.toString()).query(Long.class).single();
    }

    @Test
    void anItemOfEitherListSentBackUnchangedIsAcceptedAndChangesNothing() {
        UUID serviceId = defined("Round trip unlock");
        JsonNode publicItem = awaitItem("/api/services", serviceId, item -> true);
        JsonNode adminItem = awaitItem("/api/admin/services", serviceId, item -> true);
        assertThat(publicItem.has("serviceId")).isTrue();
        assertThat(events(serviceId)).isEqualTo(1);

        Response fromPublic = api.put("/api/admin/services/" + serviceId, admin, publicItem.toString());
        assertThat(fromPublic.status()).as(fromPublic.raw().body()).isEqualTo(200);
        // the public item has no supplier: the mapping is kept, so the service is exactly as it was
        assertThat(fromPublic.json()).isEqualTo(adminItem);

        Response fromAdmin = api.put("/api/admin/services/" + serviceId, admin, adminItem.toString());
        assertThat(fromAdmin.status()).as(fromAdmin.raw().body()).isEqualTo(200);
        assertThat(fromAdmin.json()).isEqualTo(adminItem);

        assertThat(events(serviceId)).as("defining a service as it is records nothing").isEqualTo(1);
        assertThat(awaitItem("/api/admin/services", serviceId, item -> true)).isEqualTo(adminItem);
    }

    @Test
    void aServiceIdInTheBodyOtherThanThePathsIsRefusedAndChangesNothing() {
        UUID serviceId = defined("Mismatched id");
        JsonNode item = awaitItem("/api/admin/services", serviceId, found -> true);
        ObjectNode renamed = (ObjectNode) item.deepCopy();
        renamed.put("serviceId", UUID.randomUUID().toString());
        renamed.put("name", "Should not be stored");

        Response refused = api.put("/api/admin/services/" + serviceId, admin, renamed.toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.text("type")).isEqualTo("/problems/validation-failed");
        assertThat(refused.text("detail")).contains("serviceId");
        assertThat(events(serviceId)).isEqualTo(1);
    }

    @Test
    void aReplaceWithoutSupplierKeepsTheMappingWhileACreationStillNeedsIt() {
        UUID serviceId = defined("Before rename");

        Response renamed = api.put("/api/admin/services/" + serviceId, admin,
                ApiClient.json(service("rt-" + serviceId.toString().substring(0, 8), "After rename", false)));

        assertThat(renamed.status()).as(renamed.raw().body()).isEqualTo(200);
        assertThat(renamed.json().path("supplier").path("supplierServiceId").asText()).isEqualTo("1001");
        JsonNode listed = awaitItem("/api/admin/services", serviceId,
                item -> item.path("name").asText().equals("After rename"));
        assertThat(listed.path("supplier").path("supplier").asText()).isEqualTo("simulator");
        assertThat(listed.path("supplier").path("supplierServiceId").asText()).isEqualTo("1001");

        UUID fresh = UUID.randomUUID();
        Response created = api.put("/api/admin/services/" + fresh, admin,
                ApiClient.json(service("rt-" + fresh.toString().substring(0, 8), "No supplier", false)));
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.text("type")).isEqualTo("/problems/validation-failed");
        assertThat(events(fresh)).isZero();
    }

    @Test
    void aGenuinelyUnknownFieldIsStillRefused() {
        UUID serviceId = defined("Strict JSON");
        ObjectNode item = (ObjectNode) awaitItem("/api/admin/services", serviceId, found -> true).deepCopy();
        item.put("colour", "blue");

        Response refused = api.put("/api/admin/services/" + serviceId, admin, item.toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(events(serviceId)).isEqualTo(1);
    }
}
