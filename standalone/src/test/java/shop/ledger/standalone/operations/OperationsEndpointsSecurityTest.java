package shop.ledger.standalone.operations;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import shop.ledger.simulator.SimulatorsHealthIndicator;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may read the operations endpoints (API.md "Operations"): health and prometheus are open to probes and
 * scrapers and show nothing sensitive, the rest of actuator is ADMIN's; and the simulators, when on, say so in the
 * log and in health.
 */
@StandaloneTest
@ExtendWith(OutputCaptureExtension.class)
class OperationsEndpointsSecurityTest {

    @LocalServerPort
    int port;
    @Autowired
    SimulatorsHealthIndicator simulators;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
    }

    @Test
    void metricsAndTheRestOfActuatorAreForAdminOnly() {
        Customer customer = api.register(unique("ops-metrics"));

        for (String path : new String[]{"/actuator/metrics", "/actuator/metrics/jvm.memory.used", "/actuator/info",
                "/actuator"}) {
            assertProblem(api.get(path, null), 401, "unauthorized");
            assertProblem(api.get(path, customer.token()), 403, "forbidden");
            assertThat(api.get(path, admin).status()).as(path).isEqualTo(200);
        }
        assertThat(api.get("/actuator/metrics", admin).json().path("names").toString()).contains("jvm.memory.used");
    }

    @Test
    void healthShowsTheSimulatorsToAnyoneAndTheDetailsOnlyToAdmin() {
        Customer customer = api.register(unique("ops-health"));

        for (String token : new String[]{null, customer.token()}) {
            Response health = api.get("/actuator/health", token);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.text("status")).isEqualTo("UP");
            JsonNode components = health.json().path("components");
            assertThat(components.path("simulators").path("status").asText()).isEqualTo("UP");
            // names and statuses only: no database product or URL, no disk path, no warning text
            components.properties().forEach(component ->
                    assertThat(component.getValue().has("details")).as(component.getKey()).isFalse());
            assertThat(health.raw().body()).doesNotContain("PostgreSQL").doesNotContain("jdbc:")
                                           .doesNotContain("production");
        }

        JsonNode asAdmin = api.get("/actuator/health", admin).json().path("components");
        assertThat(asAdmin.path("simulators").path("status").asText()).isEqualTo("UP");
        assertThat(asAdmin.path("simulators").path("details").path("enabled").asBoolean()).isTrue();
        assertThat(asAdmin.path("simulators").path("details").path("warning").asText())
                .contains("must never be on in production");
        assertThat(asAdmin.path("db").path("details").isObject()).isTrue();
        // the probes' groups stay open
        assertThat(api.get("/actuator/health/liveness", null).status()).isEqualTo(200);
        assertThat(api.get("/actuator/health/readiness", null).status()).isEqualTo(200);
    }

    @Test
    void prometheusStaysOpenToScrapersWithoutPersonalData() {
        String username = unique("ops-scraped");
        Customer customer = api.register(username);
        assertThat(api.get("/api/me/wallet", customer.token()).status()).isEqualTo(200);

        Response scraped = api.get("/actuator/prometheus", null);

        assertThat(scraped.status()).isEqualTo(200);
        assertThat(scraped.raw().body()).contains("http_server_requests_seconds")
                                        .doesNotContain(username)
                                        .doesNotContain(customer.customerId().toString())
                                        .doesNotContain(customer.walletId().toString());
    }

    @Test
    void theLedgerWarnsAtStartWhenTheSimulatorsAreOn(CapturedOutput output) {
        // the listener the ready event calls (the shared test context started before this test could listen)
        simulators.warnAtStart();

        assertThat(output.getOut()).containsPattern("WARN .*SIMULATORS ON: .*must never be on in production")
                                   .contains("LEDGER_SIMULATORS=false");
    }

    private static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().uri() + " " + response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
