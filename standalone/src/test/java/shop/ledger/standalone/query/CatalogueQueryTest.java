package shop.ledger.standalone.query;

import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceDefined;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.catalogue.Catalogue.SupplierService;
import shop.ledger.api.common.Money;
import shop.ledger.query.catalogue.CatalogueProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /api/services and the staff catalogue (API.md, Catalogue). */
@ReadSideTest
class CatalogueQueryTest {

    @LocalServerPort
    int port;
    @Autowired
    EventStore eventStore;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CatalogueProjection projection;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    static ServiceOffer offer(UUID serviceId, String code, String name, long price, boolean active) {
        return new ServiceOffer(serviceId, code, name, ServiceKind.IMEI, Money.of(price, "USD"),
                new DeliveryEstimate("PT1H", "P3D"), new Requirements(true, true, false, false), active,
                new SupplierService("dhru-main", "S-" + code));
    }

    GenericEventMessage<ServiceDefined> define(ServiceOffer offer) {
        GenericEventMessage<ServiceDefined> event = new GenericEventMessage<>(new ServiceDefined(offer.serviceId(), offer));
        eventStore.publish(event);
        return event;
    }

    static JsonNode item(Response list, UUID serviceId) {
        for (JsonNode item : list.json().path("items")) {
            if (item.path("serviceId").asText().equals(serviceId.toString())) {
                return item;
            }
        }
        return null;
    }

    @Test
    void theCatalogueListsActiveServicesWithoutTheirSupplierAndStaffSeeEverything() {
        UUID unlock = UUID.randomUUID();
        UUID retired = UUID.randomUUID();
        UUID check = UUID.randomUUID();
        define(offer(unlock, "u-" + unlock.toString().substring(0, 6), "Network unlock", 1500, true));
        define(offer(retired, "r-" + retired.toString().substring(0, 6), "Retired check", 300, false));
        GenericEventMessage<ServiceDefined> firstCheck = define(offer(check, "c-" + check.toString().substring(0, 6),
                "Blacklist check", 200, true));
        // created or replaced: the later definition wins
        define(offer(check, "c-" + check.toString().substring(0, 6), "Blacklist check (fast)", 250, true));

        Response list = await().atMost(Duration.ofSeconds(2)).until(() -> api.get("/api/services", null),
                response -> {
                    JsonNode item = item(response, check);
                    return item != null && item.path("price").path("amount").asLong() == 250;
                });
        assertThat(list.status()).isEqualTo(200);
        JsonNode item = item(list, unlock);
        assertThat(item).isNotNull();
        assertThat(item.path("name").asText()).isEqualTo("Network unlock");
        assertThat(item.path("kind").asText()).isEqualTo("IMEI");
        assertThat(item.path("price").path("amount").asLong()).isEqualTo(1500);
        assertThat(item.path("price").path("currency").asText()).isEqualTo("USD");
        assertThat(item.path("deliveryEstimate").path("min").asText()).isEqualTo("PT1H");
        assertThat(item.path("deliveryEstimate").path("max").asText()).isEqualTo("P3D");
        assertThat(item.path("requires").path("imei").asBoolean()).isTrue();
        assertThat(item.path("requires").path("model").asBoolean()).isTrue();
        assertThat(item.path("requires").path("network").asBoolean()).isFalse();
        assertThat(item.path("requires").path("serialNumber").asBoolean()).isFalse();
        assertThat(item.path("active").asBoolean()).isTrue();
        assertThat(item.has("supplier")).as("the supplier mapping is not for customers").isFalse();
        assertThat(list.raw().body()).doesNotContain("dhru-main");
        assertThat(item(list, check).path("name").asText()).isEqualTo("Blacklist check (fast)");
        assertThat(item(list, retired)).as("inactive services are not on sale").isNull();

        // an ADMIN may ask for inactive ones too; others may not
        Response all = api.get("/api/services?includeInactive=true", admin);
        assertThat(all.status()).isEqualTo(200);
        assertThat(item(all, retired).path("active").asBoolean()).isFalse();
        Customer customer = api.register("cat-" + UUID.randomUUID().toString().substring(0, 8));
        assertProblem(api.get("/api/services?includeInactive=true", customer.token()), 403, "forbidden");
        assertProblem(api.get("/api/services?includeInactive=true", null), 401, "unauthorized");
        assertThat(item(api.get("/api/services", customer.token()), unlock)).isNotNull();

        // staff see the supplier mapping
        Response staff = api.get("/api/admin/services", admin);
        assertThat(staff.status()).isEqualTo(200);
        assertThat(item(staff, unlock).path("supplier").path("supplier").asText()).isEqualTo("dhru-main");
        assertThat(item(staff, unlock).path("supplier").path("supplierServiceId").asText()).startsWith("S-u-");
        assertThat(item(staff, retired)).isNotNull();
        Response one = api.get("/api/admin/services/" + check, admin);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().path("price").path("amount").asLong()).isEqualTo(250);
        assertProblem(api.get("/api/admin/services/" + UUID.randomUUID(), admin), 404, "not-found");
        assertProblem(api.get("/api/admin/services", customer.token()), 403, "forbidden");

        // the first definition delivered again does not undo the replacement
        OrderEventsFixture.redeliver(projection, jdbc, firstCheck);
        assertThat(item(api.get("/api/services", null), check).path("price").path("amount").asLong()).isEqualTo(250);
    }

    static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
    }
}
