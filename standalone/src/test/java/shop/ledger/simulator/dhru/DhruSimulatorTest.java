package shop.ledger.simulator.dhru;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import shop.ledger.command.supplier.SupplierPort.Accepted;
import shop.ledger.command.supplier.SupplierPort.Placement;
import shop.ledger.command.supplier.SupplierPort.Progress;
import shop.ledger.command.supplier.SupplierPort.Refused;
import shop.ledger.command.supplier.SupplierPort.Status;
import shop.ledger.command.supplier.SupplierPort.Submission;
import shop.ledger.command.supplier.SupplierPort.Unknown;
import shop.ledger.command.supplier.dhru.DhruFusionClient;
import shop.ledger.command.supplier.dhru.DhruFusionClient.RemoteService;
import shop.ledger.command.supplier.dhru.DhruSuppliers;
import shop.ledger.command.supplier.dhru.DhruSuppliers.ParameterFormat;
import shop.ledger.command.supplier.dhru.DhruSuppliers.Supplier;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated DHRU Fusion supplier inside the running standalone, driven by the real DhruFusionClient over
 * HTTP (the {@code simulator} supplier of application-standalone.yaml) and through its control endpoints.
 */
@StandaloneTest
class DhruSimulatorTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    DhruFusionClient client;
    @Autowired
    Environment environment;
    @Autowired
    LedgerProperties ledger;
    @Autowired
    DhruSuppliers suppliers;

    final HttpClient http = HttpClient.newHttpClient();
    String adminToken;

    @AfterEach
    void noFaults() {
        control("/control/faults", "{}");
    }

    @Test
    void placedOrderIsInProcessUntilCompletedWithACode() {
        String imei = imei();

        Placement placement = client.place("simulator", new Submission(SimulatedServices.ATT_IPHONE_UNLOCK, imei, null, null, null));

        assertThat(placement).isInstanceOf(Accepted.class);
        String reference = ((Accepted) placement).supplierReference();
        assertThat(reference).matches("\\d+");
        assertThat(client.status("simulator", reference)).contains(new Status(Progress.IN_PROCESS, "in process"));

        JsonNode received = get("/control/orders?imei=" + imei).path("items");
        assertThat(received).hasSize(1);
        assertThat(received.path(0).path("referenceId").asString()).isEqualTo(reference);
        assertThat(received.path(0).path("serviceId").asString()).isEqualTo(SimulatedServices.ATT_IPHONE_UNLOCK);
        assertThat(received.path(0).path("status").asInt()).isEqualTo(1);
        assertThat(received.path(0).path("receivedAt").asString()).isNotBlank();
        // only the service and the IMEI reached the supplier (R12)
        assertThat(received.path(0).path("parameters").propertyNames()).containsExactlyInAnyOrder("IMEI", "ID");

        assertThat(control("/control/orders/" + reference, "{\"status\":4,\"code\":\"NCK: 1234-5678\"}").statusCode())
                .isEqualTo(200);
        assertThat(client.status("simulator", reference)).contains(new Status(Progress.COMPLETED, "NCK: 1234-5678"));
    }

    @Test
    void rejectedOrderCarriesItsReason() {
        String reference = accepted(SimulatedServices.GSMA_BLACKLIST_CHECK, imei());

        control("/control/orders/" + reference, "{\"status\":3,\"code\":\"IMEI is blacklisted\"}");
        assertThat(client.status("simulator", reference)).contains(new Status(Progress.REJECTED, "IMEI is blacklisted"));

        String another = accepted(SimulatedServices.GSMA_BLACKLIST_CHECK, imei());
        control("/control/orders/" + another, "{\"status\":3}");
        assertThat(client.status("simulator", another)).contains(new Status(Progress.REJECTED, "Rejected by the supplier"));
    }

    @Test
    void completionWithoutACodeGetsAPlausibleOne() {
        String reference = accepted(SimulatedServices.UK_NETWORK_UNLOCK, imei(), null, "EE UK");

        control("/control/orders/" + reference, "{\"status\":4}");

        Status status = client.status("simulator", reference).orElseThrow();
        assertThat(status.progress()).isEqualTo(Progress.COMPLETED);
        assertThat(status.detail()).matches("NCK: \\d{8} MCK: \\d{8}");
    }

    @Test
    void requiredFieldsAreCheckedAndSentOnlyWhenGiven() {
        Placement withoutModel = client.place("simulator",
                new Submission(SimulatedServices.SAMSUNG_FRP_REMOVAL, imei(), null, null, null));
        assertThat(withoutModel).isInstanceOf(Refused.class);
        assertThat(((Refused) withoutModel).message()).startsWith("MODELID is required");

        String imei = imei();
        accepted(SimulatedServices.SAMSUNG_FRP_REMOVAL, imei, "SM-A536B", null);
        JsonNode parameters = get("/control/orders?imei=" + imei).path("items").path(0).path("parameters");
        assertThat(parameters.propertyNames()).containsExactlyInAnyOrder("IMEI", "ID", "MODELID");
        assertThat(parameters.path("MODELID").asString()).isEqualTo("SM-A536B");
    }

    @Test
    void invalidImeiOrServiceIsRefused() {
        assertThat(client.place("simulator", new Submission(SimulatedServices.ATT_IPHONE_UNLOCK, "35693803564380", null, null, null)))
                .isEqualTo(new Refused("Invalid IMEI: The IMEI must be 15 digits"));
        assertThat(client.place("simulator", new Submission("9999", imei(), null, null, null)))
                .isEqualTo(new Refused("Invalid Service: Service ID 9999 is not available"));
        assertThat(client.status("simulator", "1")).map(Status::progress).contains(Progress.REFUSED);
    }

    @Test
    void bothParameterEncodingsAreAccepted() {
        DhruFusionClient json = client("json", ParameterFormat.JSON, DhruSimulatorProperties.DEFAULT_API_KEY, Duration.ofSeconds(5));
        String imei = imei();

        Placement placement = json.place("json", new Submission(SimulatedServices.UK_NETWORK_UNLOCK, imei, null, "Vodafone UK", null));

        assertThat(placement).isInstanceOf(Accepted.class);
        assertThat(json.status("json", ((Accepted) placement).supplierReference())).map(Status::progress).contains(Progress.IN_PROCESS);
        assertThat(get("/control/orders?imei=" + imei).path("items").path(0).path("parameters").path("NETWORK").asString())
                .isEqualTo("Vodafone UK");
    }

    @Test
    void wrongCredentialsAreRefused() {
        DhruFusionClient intruder = client("intruder", ParameterFormat.XML, "not-the-key", Duration.ofSeconds(5));
        String imei = imei();

        Placement placement = intruder.place("intruder", new Submission(SimulatedServices.ATT_IPHONE_UNLOCK, imei, null, null, null));

        assertThat(placement).isInstanceOf(Refused.class);
        assertThat(((Refused) placement).message()).startsWith("Authentication Failed");
        assertThat(get("/control/orders?imei=" + imei).path("items")).isEmpty();
        assertThat(intruder.status("intruder", accepted(SimulatedServices.ATT_IPHONE_UNLOCK, imei())))
                .map(Status::progress).contains(Progress.REFUSED);
    }

    @Test
    void accountInfoAndServiceListSpeakTheRealFormat() {
        DhruFusionClient.AccountInfo account = client.accountInfo("simulator");
        assertThat(account.currency()).isEqualTo("USD");
        assertThat(account.credit()).isPositive().isLessThanOrEqualTo(simulatorCredit());

        assertThat(client.serviceList("simulator")).containsExactlyInAnyOrderElementsOf(SimulatedServices.ALL.stream()
                .map(s -> new RemoteService(s.id(), s.name(), s.group(), s.price(), s.time(),
                        s.requiresModel(), s.requiresNetwork(), s.requiresSerialNumber()))
                .toList());
    }

    @Test
    void placeFaultsAnswerAsARealSupplierWouldFail() {
        setFaults("{\"placeMode\":\"ERROR\"}");
        String refusedImei = imei();
        assertThat(place(client, "simulator", refusedImei)).isInstanceOf(Refused.class);

        setFaults("{\"placeMode\":\"GARBAGE\"}");
        String garbageImei = imei();
        assertThat(place(client, "simulator", garbageImei)).isInstanceOf(Unknown.class);

        setFaults("{\"placeMode\":\"DROP_AFTER_ACCEPT\"}");
        String droppedImei = imei();
        assertThat(place(client, "simulator", droppedImei)).isInstanceOf(Unknown.class);

        // the ERROR and GARBAGE answers placed nothing; the lost answer did place the order
        assertThat(get("/control/orders?imei=" + refusedImei).path("items")).isEmpty();
        assertThat(get("/control/orders?imei=" + garbageImei).path("items")).isEmpty();
        assertThat(get("/control/orders?imei=" + droppedImei).path("items")).hasSize(1);
    }

    @Test
    void timeoutFaultAnswersAfterTheClientGaveUp() {
        DhruFusionClient impatient = client("impatient", ParameterFormat.XML, DhruSimulatorProperties.DEFAULT_API_KEY,
                Duration.ofMillis(500));
        setFaults("{\"placeMode\":\"TIMEOUT\",\"statusMode\":\"TIMEOUT\",\"timeoutDelay\":\"PT1.5S\"}");
        String imei = imei();

        Placement placement = place(impatient, "impatient", imei);

        assertThat(placement).isInstanceOf(Unknown.class);
        assertThat(get("/control/orders?imei=" + imei).path("items")).hasSize(1);
        String reference = get("/control/orders?imei=" + imei).path("items").path(0).path("referenceId").asString();
        assertThat(impatient.status("impatient", reference)).isEmpty();
    }

    @Test
    void timeoutFaultOutlastsTheConfiguredReadTimeoutByDefault() {
        Duration readTimeout = suppliers.settings("simulator").readTimeout();

        JsonNode faults = get("/control/faults");

        assertThat(Duration.parse(faults.path("timeoutDelay").asString())).isEqualTo(readTimeout.plusSeconds(1));
    }

    @Test
    void statusFaultsLeaveTheStatusUnknown() {
        String reference = accepted(SimulatedServices.ATT_IPHONE_UNLOCK, imei());

        setFaults("{\"statusMode\":\"ERROR\"}");
        assertThat(client.status("simulator", reference)).map(Status::progress).contains(Progress.REFUSED);
        setFaults("{\"statusMode\":\"GARBAGE\"}");
        assertThat(client.status("simulator", reference)).isEmpty();
        setFaults("{}");
        assertThat(client.status("simulator", reference)).map(Status::progress).contains(Progress.IN_PROCESS);
        assertThat(get("/control/faults").path("placeMode").asString()).isEqualTo("OK");
    }

    @Test
    void controlAnswersNotFoundAndValidationProblems() {
        assertThat(control("/control/orders/999999999", "{\"status\":4}").statusCode()).isEqualTo(404);
        String reference = accepted(SimulatedServices.ATT_IPHONE_UNLOCK, imei());
        assertThat(control("/control/orders/" + reference, "{\"status\":2}").statusCode()).isEqualTo(400);
        assertThat(control("/control/orders/" + reference, "{}").statusCode()).isEqualTo(400);
        assertThat(control("/control/faults", "{\"placeMode\":\"SOMETIMES\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void controlWantsAnAdminTokenAndARefusedCallDecidesNothing() {
        String reference = accepted(SimulatedServices.ATT_IPHONE_UNLOCK, imei());
        String customer = new ApiClient(port).register("sim-" + UUID.randomUUID().toString().substring(0, 8)).token();
        String completion = "{\"status\":4,\"code\":\"NCK: 0000-0000\"}";
        JsonNode faults = get("/control/faults");
        JsonNode autocomplete = get("/control/autocomplete");

        HttpResponse<String> anonymous = control("/control/orders/" + reference, completion, null);
        assertProblem(anonymous, 401, "/problems/unauthorized");
        HttpResponse<String> forged = control("/control/orders/" + reference, completion, "not-a-token");
        assertProblem(forged, 401, "/problems/unauthorized");
        HttpResponse<String> asCustomer = control("/control/orders/" + reference, completion, customer);
        assertProblem(asCustomer, 403, "/problems/forbidden");
        // reads and fault switches too: the received IMEIs are the customers' personal data
        assertProblem(send(HttpRequest.newBuilder(uri("/control/orders")).GET()), 401, "/problems/unauthorized");
        assertProblem(control("/control/faults", "{\"placeMode\":\"ERROR\"}", null), 401, "/problems/unauthorized");
        assertProblem(control("/control/autocomplete", "{\"enabled\":true}", customer), 403, "/problems/forbidden");

        // nothing was decided or switched; the protocol endpoint still answers with the simulator's own account
        assertThat(client.status("simulator", reference)).contains(new Status(Progress.IN_PROCESS, "in process"));
        assertThat(get("/control/faults")).isEqualTo(faults);
        assertThat(get("/control/autocomplete")).isEqualTo(autocomplete);

        assertThat(control("/control/orders/" + reference, completion).statusCode()).isEqualTo(200);
        assertThat(client.status("simulator", reference)).contains(new Status(Progress.COMPLETED, "NCK: 0000-0000"));
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("type").asString()).isEqualTo(type);
    }

    @Test
    void rawProtocolErrorsHaveTheRealShape() throws Exception {
        JsonNode wrongKey = api(Map.of("username", "simulator", "apiaccesskey", "x", "action", "accountinfo"));
        assertThat(wrongKey.path("ERROR").path(0).path("MESSAGE").asString()).isEqualTo("Authentication Failed");
        assertThat(wrongKey.path("apiversion").asString()).isNotBlank();

        JsonNode unknownAction = api(Map.of("username", "simulator", "apiaccesskey", DhruSimulatorProperties.DEFAULT_API_KEY,
                "action", "placefileorder", "requestformat", "JSON"));
        assertThat(unknownAction.path("ERROR").path(0).path("MESSAGE").asString()).isEqualTo("Invalid Action");

        JsonNode xxe = api(Map.of("username", "simulator", "apiaccesskey", DhruSimulatorProperties.DEFAULT_API_KEY,
                "action", "placeimeiorder", "requestformat", "JSON", "parameters",
                "<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><PARAMETERS><IMEI>&x;</IMEI></PARAMETERS>"));
        assertThat(xxe.path("ERROR").path(0).path("MESSAGE").asString()).isEqualTo("Invalid parameters");
    }

    @Test
    void ordersAreWrittenThroughToTheDataDirectory() throws IOException {
        String reference = accepted(SimulatedServices.ICLOUD_FMI_CHECK, imei());

        Path file = ledger.dataDir().resolve("simulators").resolve("dhru-orders.json");
        assertThat(file).exists();
        assertThat(Files.readString(file)).contains("\"referenceId\":\"" + reference + "\"");
        assertThat(file.resolveSibling("dhru-orders.json.tmp")).doesNotExist();
    }

    @Test
    void credentialsAreReadableWithoutTheSimulatorsBeans() {
        DhruSimulatorProperties configured = DhruSimulatorProperties.from(environment);

        assertThat(configured.username()).isEqualTo("simulator");
        assertThat(configured.apiKey()).isEqualTo(DhruSimulatorProperties.DEFAULT_API_KEY).hasSize(32);
        assertThat(configured.autocomplete()).isFalse(); // as StandaloneTest configures it
        assertThat(configured.toString()).doesNotContain(DhruSimulatorProperties.DEFAULT_API_KEY);
    }

    @Test
    void theOpenApiDocumentDescribesTheSimulator() {
        HttpResponse<String> docs = send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs")).GET());
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(docs.body()).path("paths").propertyNames())
                .contains("/simulator/dhru/api/index.php", "/simulator/dhru/control/orders/{referenceId}",
                        "/simulator/dhru/control/orders", "/simulator/dhru/control/faults");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    static String imei() {
        return "35" + String.format("%013d", ThreadLocalRandom.current().nextLong(10_000_000_000_000L));
    }

    private String accepted(String serviceId, String imei) {
        return accepted(serviceId, imei, null, null);
    }

    private String accepted(String serviceId, String imei, String model, String network) {
        Placement placement = client.place("simulator", new Submission(serviceId, imei, model, network, null));
        assertThat(placement).isInstanceOf(Accepted.class);
        return ((Accepted) placement).supplierReference();
    }

    private static Placement place(DhruFusionClient client, String supplier, String imei) {
        return client.place(supplier, new Submission(SimulatedServices.ATT_IPHONE_UNLOCK, imei, null, null, null));
    }

    /** Another supplier account on the same simulator, with its own key, encoding and read timeout. */
    private DhruFusionClient client(String name, ParameterFormat format, String apiKey, Duration readTimeout) {
        DhruSuppliers suppliers = new DhruSuppliers();
        suppliers.put(name, new Supplier("http://localhost:${local.server.port}/simulator/dhru", "simulator", apiKey,
                format, Duration.ofSeconds(2), readTimeout));
        return new DhruFusionClient(suppliers, environment);
    }

    private BigDecimal simulatorCredit() {
        return DhruSimulatorProperties.from(environment).credit();
    }

    private void setFaults(String body) {
        assertThat(control("/control/faults", body).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> control(String path, String body) {
        return control(path, body, adminToken());
    }

    /** A control request (API.md v2: ADMIN only) with this bearer token, or none when null. */
    private HttpResponse<String> control(String path, String body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                                                 .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private String adminToken() {
        if (adminToken == null) {
            adminToken = new ApiClient(port).adminToken();
        }
        return adminToken;
    }

    private JsonNode get(String path) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + adminToken()).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode api(Map<String, String> form) {
        String body = form.entrySet().stream()
                          .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                          .collect(Collectors.joining("&"));
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/index.php"))
                                                        .header("Content-Type", "application/x-www-form-urlencoded")
                                                        .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + "/simulator/dhru" + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
