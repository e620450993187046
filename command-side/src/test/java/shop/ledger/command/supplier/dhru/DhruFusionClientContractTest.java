package shop.ledger.command.supplier.dhru;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;
import shop.ledger.command.supplier.SupplierPort.Accepted;
import shop.ledger.command.supplier.SupplierPort.Placement;
import shop.ledger.command.supplier.SupplierPort.Progress;
import shop.ledger.command.supplier.SupplierPort.Refused;
import shop.ledger.command.supplier.SupplierPort.Status;
import shop.ledger.command.supplier.SupplierPort.Submission;
import shop.ledger.command.supplier.SupplierPort.Unknown;
import shop.ledger.command.supplier.dhru.DhruFusionClient.AccountInfo;
import shop.ledger.command.supplier.dhru.DhruFusionClient.RemoteService;
import shop.ledger.command.supplier.dhru.DhruFusionClient.SupplierCallFailed;
import shop.ledger.command.supplier.dhru.DhruSuppliers.ParameterFormat;
import shop.ledger.command.supplier.dhru.DhruSuppliers.Supplier;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The DHRU Fusion client against recorded answers in the real format, served over HTTP on the loopback
 * interface: what it sends, and how every kind of answer (or its absence) maps onto {@code SupplierPort}.
 */
@ExtendWith(OutputCaptureExtension.class)
class DhruFusionClientContractTest {

    static final String IMEI = "356938035643809";
    static final String API_KEY = "K3Y-0f-the-shop-account-000000000";
    static final String REFERENCE = "1398452";

    FakeDhruServer server;
    MockEnvironment environment;
    DhruSuppliers suppliers;
    DhruFusionClient client;

    @BeforeEach
    void setUp() {
        server = new FakeDhruServer();
        environment = new MockEnvironment().withProperty("fake.port", String.valueOf(server.port()));
        suppliers = new DhruSuppliers();
        suppliers.put("xml", supplier(server.baseUrl(), ParameterFormat.XML, Duration.ofSeconds(5)));
        suppliers.put("json", supplier(server.baseUrl() + "/", ParameterFormat.JSON, Duration.ofSeconds(5)));
        suppliers.put("impatient", supplier(server.baseUrl(), ParameterFormat.XML, Duration.ofMillis(300)));
        client = new DhruFusionClient(suppliers, environment);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    static Supplier supplier(String baseUrl, ParameterFormat format, Duration readTimeout) {
        return new Supplier(baseUrl, "shop-user", API_KEY, format, Duration.ofSeconds(2), readTimeout);
    }

    // --- what is sent ------------------------------------------------------------------------------------------

    @Test
    void placeSendsCredentialsActionAndOnlyServiceAndImeiAsXml() {
        server.answer("placeimeiorder-success.json");

        client.place("xml", new Submission("1001", IMEI, null, null, null));

        FakeDhruServer.Received call = server.last();
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/api/index.php");
        assertThat(call.contentType()).startsWith("application/x-www-form-urlencoded");
        assertThat(call.form()).containsExactly(
                Map.entry("username", "shop-user"),
                Map.entry("apiaccesskey", API_KEY),
                Map.entry("action", "placeimeiorder"),
                Map.entry("requestformat", "JSON"),
                Map.entry("parameters", "<PARAMETERS><IMEI>" + IMEI + "</IMEI><ID>1001</ID></PARAMETERS>"));
    }

    @Test
    void placeSendsTheGivenFieldsXmlEscaped() {
        server.answer("placeimeiorder-success.json");

        client.place("xml", new Submission("1003", IMEI, "Galaxy S21 <5G> & \"Ultra\"", "EE UK", "R58N12ABCDE"));

        assertThat(server.last().form().get("parameters")).isEqualTo("<PARAMETERS><IMEI>" + IMEI + "</IMEI><ID>1003</ID>"
                + "<MODELID>Galaxy S21 &lt;5G&gt; &amp; &quot;Ultra&quot;</MODELID><NETWORK>EE UK</NETWORK>"
                + "<SN>R58N12ABCDE</SN></PARAMETERS>");
    }

    @Test
    void placeSendsParametersAsBase64JsonForJsonSuppliers() {
        server.answer("placeimeiorder-success.json");

        client.place("json", new Submission("1003", IMEI, "SM-G991B", null, " "));

        Map<String, String> form = server.last().form();
        assertThat(form).containsOnlyKeys("username", "apiaccesskey", "action", "requestformat", "parameters");
        assertThat(form).containsEntry("action", "placeimeiorder").containsEntry("requestformat", "JSON");
        assertThat(server.last().path()).isEqualTo("/api/index.php");
        String json = new String(Base64.getDecoder().decode(form.get("parameters")), StandardCharsets.UTF_8);
        assertThat(JsonMapper.builder().build().readTree(json).toString())
                .isEqualTo("{\"IMEI\":\"" + IMEI + "\",\"ID\":\"1003\",\"MODELID\":\"SM-G991B\"}");
    }

    @Test
    void statusAsksForTheReferenceAsId() {
        server.answer("getimeiorder-in-process.json");

        client.status("xml", REFERENCE);
        assertThat(server.last().form()).containsEntry("action", "getimeiorder")
                                        .containsEntry("parameters", "<PARAMETERS><ID>" + REFERENCE + "</ID></PARAMETERS>")
                                        .containsEntry("apiaccesskey", API_KEY);

        client.status("json", REFERENCE);
        assertThat(new String(Base64.getDecoder().decode(server.last().form().get("parameters")), StandardCharsets.UTF_8))
                .isEqualTo("{\"ID\":\"" + REFERENCE + "\"}");
    }

    @Test
    void accountInfoReadsTheMisspelledKeyAndDollarCredit() {
        server.answer("accountinfo.json");

        assertThat(client.accountInfo("xml")).isEqualTo(new AccountInfo(new BigDecimal("16.41"), "USD"));
        assertThat(server.last().form()).containsEntry("action", "accountinfo").containsEntry("parameters", "");

        server.answer("accountinfo-numeric.json");
        assertThat(client.accountInfo("json").credit()).isEqualByComparingTo("1250.5");
    }

    @Test
    void accountInfoFailsOnAnErrorAnswer() {
        server.answer("authentication-failed.json");

        assertThatThrownBy(() -> client.accountInfo("xml")).isInstanceOf(SupplierCallFailed.class)
                                                           .hasMessageContaining("Authentication Failed")
                                                           .hasMessageNotContaining(API_KEY);
    }

    @Test
    void serviceListReadsGroupsAndServices() {
        server.answer("imeiservicelist.json");

        assertThat(client.serviceList("xml")).containsExactly(
                new RemoteService("1001", "AT&T USA - iPhone Unlock (Clean IMEI)", "USA Carriers - iPhone",
                        new BigDecimal("25.00"), "1-3 Days", false, false, false),
                new RemoteService("1002", "UK Networks - iPhone Unlock (EE, O2, Vodafone, Three)", "USA Carriers - iPhone",
                        new BigDecimal("35"), "3-7 Days", false, true, false),
                new RemoteService("1003", "Samsung Worldwide - Network Unlock Code (NCK)", "Samsung",
                        new BigDecimal("8.50"), "1-24 Hours", true, false, false),
                new RemoteService("1005", "Samsung FRP Removal by IMEI + Serial Number", "Samsung",
                        new BigDecimal("12.00"), "1-2 Days", false, false, true),
                new RemoteService("1004", "iCloud FMI ON/OFF Status Check", "Checks",
                        new BigDecimal("0.20"), "Instant - 5 Minutes", false, false, false));
        assertThat(server.last().form()).containsEntry("action", "imeiservicelist");
    }

    @Test
    void serviceListAcceptsArraysAndLowerCaseKeys() {
        server.answer("imeiservicelist-arrays.json");

        assertThat(client.serviceList("xml")).containsExactly(new RemoteService("2001", "GSMA Blacklist Check", "Checks",
                new BigDecimal("0.30"), "1-10 Minutes", false, false, false));
    }

    // --- how answers map -----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} -> accepted {1}")
    @CsvSource({
            "placeimeiorder-success.json, 1398452",
            "placeimeiorder-success-numeric.json, 1398453",
            "placeimeiorder-success-after-notice.txt, 1398454"})
    void successWithReferenceIsAccepted(String recorded, String reference) {
        server.answer(recorded);

        assertThat(place("xml")).isEqualTo(new Accepted(reference));
    }

    @Test
    void errorAnswerIsRefusedWithItsFullDescriptionAndNoImei() {
        server.answer("placeimeiorder-error.json");

        Placement placement = place("xml");

        assertThat(placement).isInstanceOf(Refused.class);
        assertThat(((Refused) placement).message())
                .isEqualTo("Invalid IMEI: IMEI [IMEI] is not supported by this service");
    }

    @ParameterizedTest(name = "{0} -> unknown")
    @CsvSource({"placeimeiorder-success-without-reference.json", "garbage.html", "empty.txt", "getimeiorder-in-process.json"})
    void unreadableOrIncompleteAnswersAreUnknown(String recorded) {
        server.answer(recorded);

        assertThat(place("xml")).isInstanceOf(Unknown.class);
    }

    @Test
    void emptyListsBesideTheAnswerAreIgnoredButEntriesInBothAreUnknown() {
        server.answer(200, "{\"SUCCESS\":[{\"REFERENCEID\":\"77\"}],\"ERROR\":[]}");
        assertThat(place("xml")).isEqualTo(new Accepted("77"));

        server.answer(200, "{\"ERROR\":[]}");
        assertThat(place("xml")).isEqualTo(new Refused("error answer without a message"));

        server.answer(200, "{\"SUCCESS\":[{\"REFERENCEID\":\"78\"}],\"ERROR\":[{\"MESSAGE\":\"Low credit\"}]}");
        assertThat(place("xml")).isInstanceOf(Unknown.class);
    }

    @Test
    void serverErrorIsUnknownButClientErrorIsRefused() {
        server.answer(500, FakeDhruServer.recording("placeimeiorder-success.json"));
        assertThat(place("xml")).isEqualTo(new Unknown("supplier answered HTTP 500"));

        server.answer(502, FakeDhruServer.recording("garbage.html"));
        assertThat(place("xml")).isInstanceOf(Unknown.class);

        server.answer(404, "Not Found");
        assertThat(place("xml")).isEqualTo(new Refused("supplier answered HTTP 404"));
    }

    @Test
    void statusMapsTheSupplierStatuses() {
        server.answer("getimeiorder-completed.json");
        assertThat(client.status("xml", REFERENCE))
                .contains(new Status(Progress.COMPLETED, "NCK: 73920482 MCK: 19283746"));

        server.answer("getimeiorder-rejected.json");
        assertThat(client.status("xml", REFERENCE))
                .contains(new Status(Progress.REJECTED, "IMEI is blacklisted (reported lost/stolen) - not supported"));

        server.answer("getimeiorder-in-process.json");
        assertThat(client.status("xml", REFERENCE)).map(Status::progress).contains(Progress.IN_PROCESS);

        server.answer(200, "{\"SUCCESS\":[{\"STATUS\":\"0\"}]}");
        assertThat(client.status("xml", REFERENCE)).map(Status::progress).contains(Progress.IN_PROCESS);

        server.answer(200, "{\"SUCCESS\":[{\"status\":3,\"comments\":\"Wrong model\"}]}");
        assertThat(client.status("xml", REFERENCE)).contains(new Status(Progress.REJECTED, "Wrong model"));
    }

    @Test
    void aRejectionQuotingTheImeiIsRecordedWithoutIt() {
        server.answer(200, "{\"SUCCESS\":[{\"STATUS\":\"3\",\"CODE\":\"IMEI 490154203237518 blacklisted (49015420323751)\"}]}");
        assertThat(client.status("xml", REFERENCE))
                .contains(new Status(Progress.REJECTED, "IMEI [IMEI] blacklisted ([IMEI])"));

        server.answer(200, "{\"SUCCESS\":[{\"STATUS\":\"4\",\"CODE\":\"UNLOCK 12345678901234567\"}]}");
        assertThat(client.status("xml", REFERENCE)).as("a result is the owner's, stored encrypted, and kept whole")
                .contains(new Status(Progress.COMPLETED, "UNLOCK 12345678901234567"));
    }

    @ParameterizedTest(name = "{0} -> no status")
    @CsvSource({"getimeiorder-unknown-status.json", "garbage.html", "empty.txt", "placeimeiorder-success.json"})
    void statusIsEmptyWhenTheAnswerSaysNothingUsable(String recorded) {
        server.answer(recorded);

        assertThat(client.status("xml", REFERENCE)).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> refused, with the supplier's message")
    @CsvSource({"getimeiorder-error.json", "authentication-failed.json"})
    void anErrorAnswerToTheStatusQueryIsARefusal(String recorded) {
        server.answer(recorded);

        assertThat(client.status("xml", REFERENCE)).hasValueSatisfying(status -> {
            assertThat(status.progress()).isEqualTo(Progress.REFUSED);
            assertThat(status.detail()).isNotBlank();
        });
    }

    @Test
    void statusIsEmptyOnServerError() {
        server.answer(503, FakeDhruServer.recording("getimeiorder-completed.json"));

        assertThat(client.status("xml", REFERENCE)).isEmpty();
    }

    // --- transport failures --------------------------------------------------------------------------------------

    @Test
    void answerAfterTheReadTimeoutIsUnknownForPlacementAndEmptyForStatus() {
        server.answer("placeimeiorder-success.json").delayed(Duration.ofMillis(1500));

        long started = System.nanoTime();
        Placement placement = place("impatient");
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertThat(placement).isInstanceOf(Unknown.class);
        assertThat(((Unknown) placement).reason()).contains("no answer within");
        assertThat(waited).isLessThan(Duration.ofMillis(1200));

        server.answer("getimeiorder-completed.json").delayed(Duration.ofMillis(1500));
        assertThat(client.status("impatient", REFERENCE)).isEmpty();
    }

    @Test
    void closedConnectionIsUnknownAndThePlacementIsNotRepeated() {
        server.dropConnections();

        Placement placement = place("xml");

        assertThat(placement).isInstanceOf(Unknown.class);
        assertThat(server.received()).hasSize(1);
        assertThat(client.status("xml", REFERENCE)).isEmpty();
    }

    @Test
    void refusedConnectionMeansNothingWasPlaced() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        suppliers.put("down", supplier("http://127.0.0.1:" + closedPort, ParameterFormat.XML, Duration.ofSeconds(1)));

        Placement placement = place("down");

        assertThat(placement).isInstanceOf(Refused.class);
        assertThat(((Refused) placement).message()).startsWith("supplier unreachable: ");
        assertThat(client.status("down", REFERENCE)).isEmpty();
    }

    // --- configuration -------------------------------------------------------------------------------------------

    @Test
    void baseUrlPlaceholdersAreResolvedAtCallTime() {
        suppliers.put("later", supplier("http://127.0.0.1:${late.port}", ParameterFormat.XML, Duration.ofSeconds(5)));
        server.answer("placeimeiorder-success.json");

        // before the port is known nothing can have been sent: refused, so it is retried
        assertThat(place("later")).isInstanceOf(Refused.class);
        assertThat(client.status("later", REFERENCE)).isEmpty();
        assertThat(server.received()).isEmpty();

        environment.setProperty("late.port", String.valueOf(server.port()));
        assertThat(place("later")).isEqualTo(new Accepted("1398452"));
    }

    @Test
    void unknownSupplierIsAnIllegalArgument() {
        assertThatThrownBy(() -> place("nobody")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nobody");
        assertThatThrownBy(() -> client.status("nobody", REFERENCE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.received()).isEmpty();
    }

    @Test
    void logsNameSupplierActionAndOutcomeButNoImeiKeyOrCode(CapturedOutput output) {
        server.answer("placeimeiorder-success.json");
        place("xml");
        server.answer("placeimeiorder-error.json");
        place("xml");
        server.answer("getimeiorder-completed.json");
        client.status("xml", REFERENCE);
        server.answer("garbage.html");
        client.status("xml", REFERENCE);

        assertThat(output.getAll()).contains("supplier xml placeimeiorder: accepted", "supplier xml placeimeiorder: refused")
                                   .doesNotContain(IMEI, API_KEY, "73920482", "19283746");
    }

    @Test
    void suppliersBindFromConfigurationWithDefaultsAndHideTheKey() {
        new ApplicationContextRunner()
                .withUserConfiguration(DhruFusionClient.class)
                .withPropertyValues(
                        "ledger.suppliers.acme.base-url=http://localhost:${local.server.port}/simulator/dhru",
                        "ledger.suppliers.acme.username=shop",
                        "ledger.suppliers.acme.api-key=" + API_KEY,
                        "ledger.suppliers.gsm-hub.base-url=http://127.0.0.1:9",
                        "ledger.suppliers.gsm-hub.parameter-format=JSON",
                        "ledger.suppliers.gsm-hub.read-timeout=45s")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(DhruFusionClient.class);
                    DhruSuppliers bound = context.getBean(DhruSuppliers.class);
                    assertThat(bound).containsOnlyKeys("acme", "gsm-hub");
                    assertThat(bound.settings("acme")).isEqualTo(new Supplier(
                            "http://localhost:${local.server.port}/simulator/dhru", "shop", API_KEY,
                            ParameterFormat.XML, Duration.ofSeconds(5), Duration.ofSeconds(20)));
                    assertThat(bound.settings("gsm-hub").parameterFormat()).isEqualTo(ParameterFormat.JSON);
                    assertThat(bound.settings("gsm-hub").readTimeout()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(bound.toString()).doesNotContain(API_KEY);
                });
    }

    private Placement place(String supplier) {
        return client.place(supplier, new Submission("1001", IMEI, null, null, null));
    }
}
