package shop.ledger.simulator.payout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import shop.ledger.api.common.Money;
import shop.ledger.command.payout.PayoutPort.Payout;
import shop.ledger.command.payout.PayoutPort.PayoutRefused;
import shop.ledger.command.payout.PayoutPort.PayoutRequest;
import shop.ledger.command.payout.PayoutPort.PayoutState;
import shop.ledger.command.payout.http.HttpPayoutProvider;
import shop.ledger.command.payout.http.PayoutProviderProperties;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The simulated payout provider inside the running standalone, driven by the real HttpPayoutProvider over HTTP
 * (configured by application-standalone.yaml) and through its control endpoints.
 */
@StandaloneTest
class PayoutSimulatorTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String DESTINATION = "DE89 3704 0044 0532 0130 00";

    @LocalServerPort
    int port;
    @Autowired
    HttpPayoutProvider provider;
    @Autowired
    Environment environment;
    @Autowired
    LedgerProperties ledger;

    final HttpClient http = HttpClient.newHttpClient();
    boolean autocompleteBefore;
    String adminToken;

    @BeforeEach
    void payoutsWaitToBeTold() {
        autocompleteBefore = get("/control/autocomplete").path("enabled").asBoolean();
        setAutocomplete(false);
    }

    @AfterEach
    void restore() {
        control("/control/faults", "{}");
        setAutocomplete(autocompleteBefore);
    }

    @Test
    void theStandaloneConfiguresTheProviderForTheSimulator() {
        PayoutProviderProperties configured = provider.properties();

        assertThat(configured.baseUrl()).isEqualTo("http://localhost:${local.server.port}/simulator/payouts");
        assertThat(configured.apiKey()).isEqualTo(PayoutSimulatorProperties.DEFAULT_API_KEY);
        assertThat(configured.readTimeout()).isEqualTo(Duration.ofSeconds(20));
        // on by default in the standalone; @StandaloneTest switches it off so tests decide each payout
        assertThat(PayoutSimulatorProperties.from(environment).autocomplete()).isFalse();
        assertThat(PayoutSimulatorProperties.from(environment).toString()).doesNotContain(PayoutSimulatorProperties.DEFAULT_API_KEY);
    }

    @Test
    void submittingTwiceWithOneReferenceMakesOnePayout() {
        String reference = reference();

        Payout first = provider.submit(request(reference, 1250)).orElseThrow();
        Payout again = provider.submit(request(reference, 1250)).orElseThrow();

        assertThat(first.state()).isEqualTo(PayoutState.PENDING);
        assertThat(first.payoutReference()).startsWith("po_");
        assertThat(again).isEqualTo(first);
        assertThat(provider.status(reference)).contains(first);

        JsonNode received = get("/control/payouts?reference=" + reference).path("items");
        assertThat(received).hasSize(1);
        assertThat(received.path(0).path("payoutReference").asString()).isEqualTo(first.payoutReference());
        assertThat(received.path(0).path("reference").asString()).isEqualTo(reference);
        assertThat(received.path(0).path("amount").asLong()).isEqualTo(1250);
        assertThat(received.path(0).path("currency").asString()).isEqualTo("USD");
        assertThat(received.path(0).path("method").asString()).isEqualTo("BANK_TRANSFER");
        assertThat(received.path(0).path("destination").asString()).isEqualTo(DESTINATION);
        assertThat(received.path(0).path("status").asString()).isEqualTo("PENDING");
    }

    @Test
    void theSameReferenceForAnotherRequestIsRefusedAndChangesNothing() {
        String reference = reference();
        Payout first = provider.submit(request(reference, 1250)).orElseThrow();

        assertThatThrownBy(() -> provider.submit(request(reference, 9999))).isInstanceOf(PayoutRefused.class);

        assertThat(get("/control/payouts?reference=" + reference).path("items")).hasSize(1);
        assertThat(provider.status(reference)).contains(first);
        HttpResponse<String> raw = submitRaw(PayoutSimulatorProperties.DEFAULT_API_KEY, reference,
                "{\"amount\":1,\"currency\":\"USD\",\"method\":\"BANK_TRANSFER\",\"destination\":\"x\"}");
        assertThat(raw.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(raw.body()).path("type").asString()).isEqualTo("/problems/idempotency-key-reused");
    }

    @Test
    void controlDecisionsShowInTheStatus() {
        String paid = reference();
        Payout pending = provider.submit(request(paid, 500)).orElseThrow();
        assertThat(control("/control/payouts/" + pending.payoutReference(), "{\"status\":\"PAID\"}").statusCode()).isEqualTo(200);
        assertThat(provider.status(paid)).contains(new Payout(pending.payoutReference(), PayoutState.PAID, null));
        assertThat(provider.submit(request(paid, 500))).contains(new Payout(pending.payoutReference(), PayoutState.PAID, null));

        String failed = reference();
        Payout another = provider.submit(request(failed, 600)).orElseThrow();
        control("/control/payouts/" + another.payoutReference(), "{\"status\":\"FAILED\",\"reason\":\"Account closed (AC04)\"}");
        assertThat(provider.status(failed)).contains(new Payout(another.payoutReference(), PayoutState.FAILED, "Account closed (AC04)"));

        // by our reference as well, and a failure without a reason gets a generic one
        String third = reference();
        provider.submit(request(third, 700));
        control("/control/payouts/" + third, "{\"status\":\"FAILED\"}");
        assertThat(provider.status(third)).map(Payout::reason).contains(PayoutSimulator.DEFAULT_FAILURE_REASON);
    }

    @Test
    void payoutsArePaidByThemselvesWithAutocomplete() {
        setAutocomplete(true);
        String reference = reference();

        assertThat(provider.submit(request(reference, 800))).map(Payout::state).contains(PayoutState.PENDING);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
               .until(() -> provider.status(reference).map(Payout::state).orElse(null) == PayoutState.PAID);
    }

    @Test
    void theStatementListsTodaysBookedPayoutsByOurReference() {
        String paid = reference();
        String failed = reference();
        String pending = reference();
        provider.submit(request(paid, 1250));
        provider.submit(new PayoutRequest(failed, Money.of(7, "USD"), "BANK_TRANSFER", DESTINATION));
        provider.submit(request(pending, 300));
        control("/control/payouts/" + paid, "{\"status\":\"PAID\"}");
        control("/control/payouts/" + failed, "{\"status\":\"FAILED\",\"reason\":\"Account closed\"}");
        Instant bookedAt = Instant.parse(get("/control/payouts/" + paid).path("bookedAt").asString());
        LocalDate today = LocalDate.ofInstant(bookedAt, ZoneOffset.UTC);
        assertThat(today).isIn(LocalDate.now(ZoneOffset.UTC), LocalDate.now(ZoneOffset.UTC).minusDays(1));

        HttpResponse<String> statement = send(HttpRequest.newBuilder(uri("/statement?date=" + today)).GET());

        assertThat(statement.statusCode()).isEqualTo(200);
        assertThat(statement.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        List<String> lines = Arrays.asList(statement.body().split("\n"));
        assertThat(lines.get(0)).isEqualTo("payout_reference,amount,currency,status,booked_at");
        assertThat(lines).contains(paid + ",12.50,USD,PAID," + bookedAt,
                failed + ",0.07,USD,FAILED," + get("/control/payouts/" + failed).path("bookedAt").asString());
        assertThat(statement.body()).doesNotContain(pending).doesNotContain("po_").doesNotContain(DESTINATION);
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",", -1);
            assertThat(fields).hasSize(5);
            assertThat(fields[1]).matches("\\d+\\.\\d{2}");
            assertThat(fields[3]).isIn("PAID", "FAILED");
            assertThat(LocalDate.ofInstant(Instant.parse(fields[4]), ZoneOffset.UTC)).isEqualTo(today);
        }

        assertThat(send(HttpRequest.newBuilder(uri("/statement?date=" + today.minusDays(1))).GET()).body())
                .doesNotContain(paid, failed);
        assertThat(send(HttpRequest.newBuilder(uri("/statement?date=yesterday")).GET()).statusCode()).isEqualTo(400);
    }

    @Test
    void submitFaultsAnswerEmpty() {
        setFaults("{\"submitMode\":\"GARBAGE\"}");
        String garbage = reference();
        assertThat(provider.submit(request(garbage, 100))).isEmpty();

        setFaults("{\"submitMode\":\"DROP_AFTER_ACCEPT\"}");
        String dropped = reference();
        assertThat(provider.submit(request(dropped, 100))).isEmpty();

        // the garbage answer recorded nothing; the lost answer did create the payout, and submitting again finds it
        assertThat(get("/control/payouts?reference=" + garbage).path("items")).isEmpty();
        JsonNode recorded = get("/control/payouts?reference=" + dropped).path("items");
        assertThat(recorded).hasSize(1);
        setFaults("{}");
        assertThat(provider.submit(request(dropped, 100))).map(Payout::payoutReference)
                                                          .contains(recorded.path(0).path("payoutReference").asString());
        assertThat(get("/control/payouts?reference=" + dropped).path("items")).hasSize(1);
    }

    @Test
    void timeoutFaultsAnswerAfterTheProviderGaveUp() {
        HttpPayoutProvider impatient = new HttpPayoutProvider(new PayoutProviderProperties(
                provider.properties().baseUrl(), provider.properties().apiKey(), Duration.ofSeconds(2), Duration.ofMillis(500)),
                environment);
        setFaults("{\"submitMode\":\"TIMEOUT\",\"statusMode\":\"TIMEOUT\",\"timeoutDelay\":\"PT1.5S\"}");
        String reference = reference();

        assertThat(impatient.submit(request(reference, 100))).isEmpty();
        assertThat(get("/control/payouts?reference=" + reference).path("items")).hasSize(1);
        assertThat(impatient.status(reference)).isEmpty();
    }

    @Test
    void timeoutFaultOutlastsTheProvidersReadTimeoutByDefault() {
        assertThat(Duration.parse(get("/control/faults").path("timeoutDelay").asString()))
                .isEqualTo(provider.properties().readTimeout().plusSeconds(1));
    }

    @Test
    void statusFaultsAndUnknownReferencesAnswerEmpty() {
        String reference = reference();
        Payout payout = provider.submit(request(reference, 100)).orElseThrow();

        setFaults("{\"statusMode\":\"GARBAGE\"}");
        assertThat(provider.status(reference)).isEmpty();
        setFaults("{}");
        assertThat(provider.status(reference)).contains(payout);
        assertThat(provider.status(reference())).isEmpty();
        assertThat(get("/control/faults").path("submitMode").asString()).isEqualTo("OK");
    }

    @Test
    void aWrongApiKeyIsRefusedAndRecordsNothing() {
        HttpPayoutProvider intruder = new HttpPayoutProvider(new PayoutProviderProperties(
                provider.properties().baseUrl(), "not-the-key", null, null), environment);
        String reference = reference();

        assertThatThrownBy(() -> intruder.submit(request(reference, 100))).isInstanceOf(PayoutRefused.class);
        assertThat(get("/control/payouts?reference=" + reference).path("items")).isEmpty();

        provider.submit(request(reference, 100));
        assertThatThrownBy(() -> intruder.status(reference)).isInstanceOf(PayoutRefused.class);

        HttpResponse<String> raw = submitRaw("not-the-key", reference(), "{}");
        assertThat(raw.statusCode()).isEqualTo(401);
        assertThat(raw.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(JSON.readTree(raw.body()).path("type").asString()).isEqualTo("/problems/unauthorized");
    }

    @Test
    void rawProtocolAnswersHaveTheDocumentedShape() {
        String reference = reference();
        String body = "{\"amount\":1250,\"currency\":\"USD\",\"method\":\"BANK_TRANSFER\",\"destination\":\"" + DESTINATION + "\"}";

        HttpResponse<String> created = submitRaw(PayoutSimulatorProperties.DEFAULT_API_KEY, reference, body);
        HttpResponse<String> repeated = submitRaw(PayoutSimulatorProperties.DEFAULT_API_KEY, reference, body);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(repeated.statusCode()).isEqualTo(200);
        JsonNode payout = JSON.readTree(created.body());
        assertThat(payout.propertyNames()).containsExactly("payoutReference", "reference", "amount", "currency", "method",
                "status", "createdAt", "updatedAt");
        assertThat(payout.path("reference").asString()).isEqualTo(reference);
        assertThat(JSON.readTree(repeated.body())).isEqualTo(payout);
        assertThat(created.body()).doesNotContain(DESTINATION);

        HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/api/payouts?reference=" + reference))
                .header("Authorization", "Bearer " + PayoutSimulatorProperties.DEFAULT_API_KEY).GET());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(status.body())).isEqualTo(payout);
        HttpResponse<String> unknown = send(HttpRequest.newBuilder(uri("/api/payouts?reference=" + reference()))
                .header("Authorization", "Bearer " + PayoutSimulatorProperties.DEFAULT_API_KEY).GET());
        assertThat(unknown.statusCode()).isEqualTo(404);

        assertThat(submitRaw(PayoutSimulatorProperties.DEFAULT_API_KEY, null, body).statusCode()).isEqualTo(400);
        for (String invalid : List.of("", "[]", "{\"amount\":0,\"currency\":\"USD\",\"method\":\"m\",\"destination\":\"d\"}",
                "{\"amount\":1.5,\"currency\":\"USD\",\"method\":\"m\",\"destination\":\"d\"}",
                "{\"amount\":1,\"currency\":\"usd\",\"method\":\"m\",\"destination\":\"d\"}",
                "{\"amount\":1,\"currency\":\"USD\",\"destination\":\"d\"}",
                "{\"amount\":1,\"currency\":\"USD\",\"method\":\"m\",\"destination\":\" \"}")) {
            HttpResponse<String> refused = submitRaw(PayoutSimulatorProperties.DEFAULT_API_KEY, reference(), invalid);
            assertThat(refused.statusCode()).as(invalid).isEqualTo(400);
        }
    }

    @Test
    void controlAnswersNotFoundAndValidationProblems() {
        assertThat(control("/control/payouts/po_nobody", "{\"status\":\"PAID\"}").statusCode()).isEqualTo(404);
        String reference = reference();
        provider.submit(request(reference, 100));
        assertThat(control("/control/payouts/" + reference, "{\"status\":\"PENDING\"}").statusCode()).isEqualTo(400);
        assertThat(control("/control/payouts/" + reference, "{}").statusCode()).isEqualTo(400);
        assertThat(control("/control/faults", "{\"submitMode\":\"SOMETIMES\"}").statusCode()).isEqualTo(400);
        assertThat(send(asAdmin(HttpRequest.newBuilder(uri("/control/payouts/po_nobody"))).GET()).statusCode()).isEqualTo(404);
    }

    @Test
    void controlWantsAnAdminTokenAndARefusedCallDecidesNothing() {
        String reference = reference();
        Payout pending = provider.submit(request(reference, 900)).orElseThrow();
        String customer = new ApiClient(port).register("sim-" + UUID.randomUUID().toString().substring(0, 8)).token();
        String paid = "{\"status\":\"PAID\"}";
        JsonNode faults = get("/control/faults");

        assertProblem(control("/control/payouts/" + pending.payoutReference(), paid, null), 401, "/problems/unauthorized");
        assertProblem(control("/control/payouts/" + reference, paid, customer), 403, "/problems/forbidden");
        // the provider's own API key is not a token of the ledger's
        assertProblem(control("/control/payouts/" + reference, paid, PayoutSimulatorProperties.DEFAULT_API_KEY), 401,
                "/problems/unauthorized");
        assertProblem(control("/control/faults", "{\"submitMode\":\"ERROR\"}", null), 401, "/problems/unauthorized");
        // reading what it received would show the payout destinations
        HttpResponse<String> listed = send(HttpRequest.newBuilder(uri("/control/payouts?reference=" + reference)).GET());
        assertProblem(listed, 401, "/problems/unauthorized");
        assertThat(listed.body()).doesNotContain(DESTINATION);
        assertProblem(send(HttpRequest.newBuilder(uri("/control/payouts/" + pending.payoutReference()))
                .header("Authorization", "Bearer " + customer).GET()), 403, "/problems/forbidden");

        assertThat(provider.status(reference)).map(Payout::state).contains(PayoutState.PENDING);
        assertThat(get("/control/faults")).isEqualTo(faults);
        // the statement is the provider's document, not a control endpoint (API.md): no token, and no destinations
        HttpResponse<String> statement = send(HttpRequest.newBuilder(uri("/statement")).GET());
        assertThat(statement.statusCode()).isEqualTo(200);
        assertThat(statement.body()).doesNotContain(DESTINATION);

        assertThat(control("/control/payouts/" + reference, paid).statusCode()).isEqualTo(200);
        assertThat(provider.status(reference)).map(Payout::state).contains(PayoutState.PAID);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("type").asString()).isEqualTo(type);
    }

    @Test
    void payoutsAreWrittenThroughToTheDataDirectory() throws IOException {
        String reference = reference();
        Payout payout = provider.submit(request(reference, 100)).orElseThrow();

        Path file = ledger.dataDir().resolve("simulators").resolve("payouts.json");
        assertThat(file).exists();
        assertThat(Files.readString(file)).contains("\"payoutReference\":\"" + payout.payoutReference() + "\"",
                "\"reference\":\"" + reference + "\"");
        assertThat(file.resolveSibling("payouts.json.tmp")).doesNotExist();
    }

    @Test
    void theOpenApiDocumentDescribesTheSimulator() {
        HttpResponse<String> docs = send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs")).GET());
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(docs.body()).path("paths").propertyNames())
                .contains("/simulator/payouts/api/payouts", "/simulator/payouts/control/payouts/{payoutReference}",
                        "/simulator/payouts/control/payouts", "/simulator/payouts/control/faults",
                        "/simulator/payouts/statement");
    }

    @Test
    void theLedgersOwnApiStillRefusesABearerThatIsNotAToken() {
        HttpResponse<String> me = send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/me"))
                .header("Authorization", "Bearer " + PayoutSimulatorProperties.DEFAULT_API_KEY).GET());
        assertThat(me.statusCode()).isEqualTo(401);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    static String reference() {
        return UUID.randomUUID().toString();
    }

    static PayoutRequest request(String reference, long amount) {
        return new PayoutRequest(reference, Money.of(amount, "USD"), "BANK_TRANSFER", DESTINATION);
    }

    private void setAutocomplete(boolean enabled) {
        assertThat(control("/control/autocomplete", "{\"enabled\":" + enabled + "}").statusCode()).isEqualTo(200);
    }

    private void setFaults(String body) {
        assertThat(control("/control/faults", body).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> submitRaw(String apiKey, String idempotencyKey, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/api/payouts"))
                                                 .header("Authorization", "Bearer " + apiKey)
                                                 .header("Content-Type", "application/json")
                                                 .POST(HttpRequest.BodyPublishers.ofString(body));
        Optional.ofNullable(idempotencyKey).ifPresent(key -> request.header("Idempotency-Key", key));
        return send(request);
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

    private HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + adminToken());
    }

    private String adminToken() {
        if (adminToken == null) {
            adminToken = new ApiClient(port).adminToken();
        }
        return adminToken;
    }

    private JsonNode get(String path) {
        HttpResponse<String> response = send(asAdmin(HttpRequest.newBuilder(uri(path))).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + "/simulator/payouts" + path);
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
