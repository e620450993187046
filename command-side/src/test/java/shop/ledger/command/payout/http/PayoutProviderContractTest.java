package shop.ledger.command.payout.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;
import shop.ledger.api.common.Money;
import shop.ledger.command.payout.PayoutPort;
import shop.ledger.command.payout.PayoutPort.Payout;
import shop.ledger.command.payout.PayoutPort.PayoutRefused;
import shop.ledger.command.payout.PayoutPort.PayoutRequest;
import shop.ledger.command.payout.PayoutPort.PayoutState;
import shop.ledger.command.payout.http.FakePayoutServer.Recorded;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The payout provider adapter against recorded answers of the protocol, served over HTTP on the loopback
 * interface: the exact requests, and how every kind of answer (or its absence) maps onto {@link PayoutPort}.
 */
@ExtendWith(OutputCaptureExtension.class)
class PayoutProviderContractTest {

    static final String API_KEY = "pk_live_shop-account-0f1e2d3c4b5a";
    static final String REFERENCE = "6f1c2b8e-4d0a-4c55-9a57-0c3e7d2b9f10";
    static final String DESTINATION = "DE89 3704 0044 0532 0130 00";
    static final PayoutRequest REQUEST = new PayoutRequest(REFERENCE, Money.of(1250, "USD"), "BANK_TRANSFER", DESTINATION);

    FakePayoutServer server;
    MockEnvironment environment;
    HttpPayoutProvider provider;

    @BeforeEach
    void setUp() {
        server = new FakePayoutServer();
        environment = new MockEnvironment().withProperty("fake.port", String.valueOf(server.port()));
        provider = provider("http://127.0.0.1:${fake.port}/provider/", Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    HttpPayoutProvider provider(String baseUrl, Duration readTimeout) {
        return new HttpPayoutProvider(new PayoutProviderProperties(baseUrl, API_KEY, Duration.ofSeconds(2), readTimeout),
                environment);
    }

    static String recorded(String answer) {
        return answer.formatted(REFERENCE);
    }

    // --- what is sent ------------------------------------------------------------------------------------------

    @Test
    void submitPostsTheAmountMethodAndDestinationWithTheReferenceAsIdempotencyKey() {
        server.answer(201, recorded(Recorded.CREATED_PENDING));

        provider.submit(REQUEST);

        FakePayoutServer.Received call = server.last();
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/provider/api/payouts");
        assertThat(call.query()).isNull();
        assertThat(call.headers()).containsEntry("authorization", "Bearer " + API_KEY)
                                  .containsEntry("idempotency-key", REFERENCE)
                                  .containsEntry("content-type", "application/json")
                                  .containsEntry("accept", "application/json");
        assertThat(call.body()).isEqualTo("{\"amount\":1250,\"currency\":\"USD\",\"method\":\"BANK_TRANSFER\","
                                          + "\"destination\":\"DE89 3704 0044 0532 0130 00\"}");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void submittingAgainSendsTheSameKeyAndBody() {
        server.answer(201, recorded(Recorded.CREATED_PENDING));
        provider.submit(REQUEST);
        server.answer(200, recorded(Recorded.CREATED_PENDING));
        provider.submit(REQUEST);

        assertThat(server.received()).hasSize(2);
        assertThat(server.received().get(1)).isEqualTo(server.received().get(0));
    }

    @Test
    void statusGetsThePayoutByOurReference() {
        server.answer(200, recorded(Recorded.PAID));

        provider.status(REFERENCE);

        FakePayoutServer.Received call = server.last();
        assertThat(call.method()).isEqualTo("GET");
        assertThat(call.path()).isEqualTo("/provider/api/payouts");
        assertThat(call.query()).isEqualTo("reference=" + REFERENCE);
        assertThat(call.headers()).containsEntry("authorization", "Bearer " + API_KEY)
                                  .containsEntry("accept", "application/json")
                                  .doesNotContainKey("idempotency-key");
        assertThat(call.body()).isEmpty();
    }

    @Test
    void statusEncodesTheReference() {
        server.answer(404, Recorded.PROBLEM_NOT_FOUND);

        provider.status("w 1&x=2");

        assertThat(server.last().query()).isEqualTo("reference=w+1%26x%3D2");
    }

    // --- how answers map -----------------------------------------------------------------------------------------

    @Test
    void pendingPaidAndFailedMapOntoThePort() {
        server.answer(201, recorded(Recorded.CREATED_PENDING));
        assertThat(provider.submit(REQUEST)).contains(new Payout("po_7Hq2XkV9mB3nR5tW", PayoutState.PENDING, null));

        server.answer(200, recorded(Recorded.PAID));
        assertThat(provider.submit(REQUEST)).contains(new Payout("po_7Hq2XkV9mB3nR5tW", PayoutState.PAID, null));
        assertThat(provider.status(REFERENCE)).contains(new Payout("po_7Hq2XkV9mB3nR5tW", PayoutState.PAID, null));

        server.answer(200, recorded(Recorded.FAILED));
        assertThat(provider.submit(REQUEST)).contains(new Payout("po_Zc81LqP0sYd4Ue6A", PayoutState.FAILED, "Account closed (AC04)"));
        assertThat(provider.status(REFERENCE)).contains(new Payout("po_Zc81LqP0sYd4Ue6A", PayoutState.FAILED, "Account closed (AC04)"));

        server.answer(200, recorded(Recorded.CREATED_PENDING));
        assertThat(provider.status(REFERENCE)).map(Payout::state).contains(PayoutState.PENDING);
    }

    @Test
    void failedWithoutAReasonGetsAGenericOne() {
        server.answer(200, Recorded.FAILED_WITHOUT_REASON);

        assertThat(provider.status(REFERENCE))
                .contains(new Payout("po_Zc81LqP0sYd4Ue6B", PayoutState.FAILED, HttpPayoutProvider.DEFAULT_FAILURE_REASON));
    }

    @Test
    void numericReferencesAndLowerCaseStatusesAreRead() {
        server.answer(200, Recorded.LENIENT_PAID);

        assertThat(provider.submit(REQUEST)).contains(new Payout("884213", PayoutState.PAID, null));
    }

    @Test
    void aReasonQuotingTheDestinationIsRedacted() {
        server.answer(201, "{\"payoutReference\":\"po_1\",\"status\":\"FAILED\",\"reason\":\"IBAN " + DESTINATION
                           + " / DE89370400440532013000 is closed\"}");

        assertThat(provider.submit(REQUEST)).map(Payout::reason)
                                            .contains("IBAN [destination] / [destination] is closed");
    }

    @ParameterizedTest(name = "{0} -> empty")
    @ValueSource(strings = {"GARBAGE", "TRUNCATED", "EMPTY", "WITHOUT_PAYOUT_REFERENCE", "UNKNOWN_STATUS", "ARRAY",
            "ANOTHER_REFERENCE", "NULL"})
    void unreadableAnswersAreEmpty(String kind) {
        String body = switch (kind) {
            case "GARBAGE" -> Recorded.GARBAGE;
            case "TRUNCATED" -> Recorded.TRUNCATED;
            case "EMPTY" -> "";
            case "WITHOUT_PAYOUT_REFERENCE" -> recorded(Recorded.WITHOUT_PAYOUT_REFERENCE);
            case "UNKNOWN_STATUS" -> recorded(Recorded.UNKNOWN_STATUS);
            case "ARRAY" -> Recorded.ARRAY;
            case "ANOTHER_REFERENCE" -> Recorded.PAID.formatted("9b0e5d1a-0000-4000-8000-000000000000");
            case "NULL" -> "null";
            default -> throw new IllegalArgumentException(kind);
        };
        server.answer(200, body);
        assertThat(provider.submit(REQUEST)).isEmpty();

        server.answer(201, body);
        assertThat(provider.submit(REQUEST)).isEmpty();
        assertThat(provider.status(REFERENCE)).isEmpty();
    }

    @ParameterizedTest(name = "HTTP {0} -> empty")
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreEmptyEvenWithAPayoutInTheBody(int status) {
        server.answer(status, recorded(Recorded.PAID));

        assertThat(provider.submit(REQUEST)).isEmpty();
        assertThat(provider.status(REFERENCE)).isEmpty();
    }

    @Test
    void clientErrorsAreRefusalsAndNeverAFailedPayout() {
        server.answer(401, Recorded.PROBLEM_UNAUTHORIZED);
        assertThatThrownBy(() -> provider.submit(REQUEST)).isInstanceOfSatisfying(PayoutRefused.class,
                refused -> assertThat(refused.httpStatus()).isEqualTo(401));
        assertThatThrownBy(() -> provider.status(REFERENCE)).isInstanceOf(PayoutRefused.class)
                                                           .hasMessageContaining("api-key");

        server.answer(422, Recorded.PROBLEM_KEY_REUSED);
        assertThatThrownBy(() -> provider.submit(REQUEST)).isInstanceOf(PayoutRefused.class);

        // a redirect, a rate limit or a request timeout is no refusal of the request itself: ask again later
        server.answer(302, "");
        assertThat(provider.submit(REQUEST)).isEmpty();
        server.answer(429, "");
        assertThat(provider.submit(REQUEST)).isEmpty();
    }

    @Test
    void unknownReferenceIsEmpty(CapturedOutput output) {
        server.answer(404, Recorded.PROBLEM_NOT_FOUND);

        assertThat(provider.status(REFERENCE)).isEmpty();
        assertThat(output.getAll()).contains("payout " + REFERENCE + " status: the provider holds no payout");
    }

    // --- transport failures --------------------------------------------------------------------------------------

    @Test
    void answerAfterTheReadTimeoutIsEmpty() {
        HttpPayoutProvider impatient = provider(server.baseUrl(), Duration.ofMillis(300));
        server.answer(201, recorded(Recorded.CREATED_PENDING)).delayed(Duration.ofMillis(1500));

        long started = System.nanoTime();
        Optional<Payout> payout = impatient.submit(REQUEST);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertThat(payout).isEmpty();
        assertThat(waited).isLessThan(Duration.ofMillis(1200));
        assertThat(impatient.status(REFERENCE)).isEmpty();
    }

    @Test
    void closedConnectionIsEmptyAndNotRepeated() {
        server.dropConnections();

        assertThat(provider.submit(REQUEST)).isEmpty();
        assertThat(server.received()).hasSize(1);
        assertThat(provider.status(REFERENCE)).isEmpty();
    }

    @Test
    void refusedConnectionIsEmpty() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HttpPayoutProvider down = provider("http://127.0.0.1:" + closedPort, Duration.ofSeconds(1));

        assertThat(down.submit(REQUEST)).isEmpty();
        assertThat(down.status(REFERENCE)).isEmpty();
    }

    // --- configuration -------------------------------------------------------------------------------------------

    @Test
    void baseUrlPlaceholdersAreResolvedAtCallTime() {
        HttpPayoutProvider later = provider("http://127.0.0.1:${late.port}", Duration.ofSeconds(5));
        server.answer(201, recorded(Recorded.CREATED_PENDING));

        assertThat(later.submit(REQUEST)).isEmpty();
        assertThat(later.status(REFERENCE)).isEmpty();
        assertThat(server.received()).isEmpty();

        environment.setProperty("late.port", String.valueOf(server.port()));
        assertThat(later.submit(REQUEST)).map(Payout::state).contains(PayoutState.PENDING);
        assertThat(server.last().path()).isEqualTo("/api/payouts");
    }

    @Test
    void unconfiguredProviderAnswersEmptyAndSaysSoOnce(CapturedOutput output) {
        HttpPayoutProvider none = new HttpPayoutProvider(new PayoutProviderProperties(" ", null, null, null), environment);

        assertThat(none.submit(REQUEST)).isEmpty();
        assertThat(none.status(REFERENCE)).isEmpty();
        assertThat(none.submit(REQUEST)).isEmpty();

        assertThat(server.received()).isEmpty();
        String logged = output.getAll();
        assertThat(logged.split("no payout provider configured \\(ledger\\.payouts\\.base-url\\)", -1)).hasSize(2);
    }

    @Test
    void aRequestNeedsAReferenceAndAnAmount() {
        assertThatThrownBy(() -> provider.submit(new PayoutRequest(" ", Money.of(1, "USD"), "BANK_TRANSFER", DESTINATION)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> provider.submit(new PayoutRequest(REFERENCE, null, "BANK_TRANSFER", DESTINATION)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> provider.status(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.received()).isEmpty();
    }

    @Test
    void logsNeverShowTheDestinationTheKeyOrTheReason(CapturedOutput output) {
        server.answer(201, recorded(Recorded.CREATED_PENDING));
        provider.submit(REQUEST);
        server.answer(200, "{\"payoutReference\":\"po_1\",\"status\":\"FAILED\",\"reason\":\"Account closed (AC04) for "
                           + DESTINATION + "\"}");
        provider.submit(REQUEST);
        server.answer(422, Recorded.PROBLEM_KEY_REUSED);
        assertThatThrownBy(() -> provider.submit(REQUEST)).isInstanceOf(PayoutRefused.class);
        server.answer(200, Recorded.GARBAGE);
        provider.submit(REQUEST);
        server.answer(401, Recorded.PROBLEM_UNAUTHORIZED);
        assertThatThrownBy(() -> provider.status(REFERENCE)).isInstanceOf(PayoutRefused.class);

        assertThat(output.getAll()).contains("payout " + REFERENCE + " submit: PENDING (provider reference po_7Hq2XkV9mB3nR5tW)",
                                           "payout " + REFERENCE + " submit: FAILED",
                                           "check ledger.payouts.api-key")
                                   .doesNotContain(DESTINATION, "DE89370400440532013000", API_KEY, "AC04");
    }

    @Test
    void propertiesBindFromConfigurationWithDefaultsAndHideTheKey() {
        new ApplicationContextRunner()
                .withUserConfiguration(HttpPayoutProvider.class)
                .withPropertyValues(
                        "ledger.payouts.base-url=http://localhost:${local.server.port}/simulator/payouts",
                        "ledger.payouts.api-key=" + API_KEY)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(PayoutPort.class);
                    PayoutProviderProperties bound = context.getBean(PayoutProviderProperties.class);
                    assertThat(bound).isEqualTo(new PayoutProviderProperties(
                            "http://localhost:${local.server.port}/simulator/payouts", API_KEY,
                            Duration.ofSeconds(5), Duration.ofSeconds(20)));
                    assertThat(bound.toString()).doesNotContain(API_KEY);
                });
        new ApplicationContextRunner()
                .withUserConfiguration(HttpPayoutProvider.class)
                .withPropertyValues("ledger.payouts.base-url=https://payouts.example", "ledger.payouts.read-timeout=45s")
                .run(context -> assertThat(context.getBean(PayoutProviderProperties.class).readTimeout())
                        .isEqualTo(Duration.ofSeconds(45)));
    }

    @Test
    void withoutConfigurationTheBeanStillExists() {
        new ApplicationContextRunner()
                .withUserConfiguration(HttpPayoutProvider.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(PayoutPort.class);
                    assertThat(context.getBean(PayoutProviderProperties.class).configured()).isFalse();
                    assertThat(context.getBean(PayoutPort.class).status(REFERENCE)).isEmpty();
                });
    }

    @Test
    void theRequestBodyIsJsonWithExactlyTheFourFields() {
        server.answer(201, recorded(Recorded.CREATED_PENDING));
        provider.submit(new PayoutRequest(REFERENCE, Money.of(99, "EUR"), "CARD", "4111 \"1111\" 1111 1111"));

        var body = JsonMapper.builder().build().readTree(server.last().body());
        assertThat(body.propertyNames()).containsExactly("amount", "currency", "method", "destination");
        assertThat(body.path("amount").isIntegralNumber()).isTrue();
        assertThat(body.path("destination").asString()).isEqualTo("4111 \"1111\" 1111 1111");
    }
}
