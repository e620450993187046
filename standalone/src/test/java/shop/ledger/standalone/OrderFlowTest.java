package shop.ledger.standalone;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.seed.CatalogueSeed;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.WalletApiTest.assertProblem;
import static shop.ledger.standalone.WalletApiTest.unique;

/**
 * Orders end to end: the API, the Order aggregate and the Wallet in one transaction, the fulfilment saga
 * with persisted deadlines, the DHRU Fusion client over HTTP and the simulator standing for the supplier.
 */
@StandaloneTest
class OrderFlowTest {

    static final UUID UNLOCK = CatalogueSeed.serviceId("1001");        // 24.99 USD
    static final UUID FRP = CatalogueSeed.serviceId("1004");           // needs the model
    static final long UNLOCK_PRICE = 2499;

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
        simulatorFaults("OK");
    }

    @AfterEach
    void tearDown() {
        simulatorFaults("OK");
    }

    /** A random IMEI with a valid Luhn check digit. */
    static String imei() {
        StringBuilder digits = new StringBuilder("35");
        while (digits.length() < 14) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (shop.ledger.api.common.Imei.isValid(digits + Integer.toString(check))) {
                return digits + Integer.toString(check);
            }
        }
        throw new IllegalStateException();
    }

    Customer fundedCustomer(long cents) {
        Customer customer = api.register(unique("buyer"));
        Response deposit = api.deposit(admin, customer.walletId(), cents, unique("psp"));
        assertThat(deposit.status()).isEqualTo(201);
        assertWalletAfter(deposit.position(), customer, cents, 0);
        return customer;
    }

    Response order(Customer customer, UUID service, String imei) {
        return api.post("/api/orders", customer.token(), ApiClient.json(Map.of("serviceId", service, "imei", imei)));
    }

    @Test
    void anOrderIsReservedForwardedCompletedAndCapturedOnce() {
        Customer customer = fundedCustomer(10_000);
        String imei = imei();
        Response placed = order(customer, UNLOCK, imei);
        assertThat(placed.status()).isEqualTo(201);
        assertThat(placed.text("status")).isEqualTo("PENDING");
        String orderId = placed.text("orderId");
        // placing reserves the price in the same transaction: the placement's position covers the hold
        assertWalletAfter(placed.position(), customer, 10_000 - UNLOCK_PRICE, UNLOCK_PRICE);

        // the supplier's acceptance is a later saga step: no write of this test names its position, so it is awaited
        JsonNode inProcess = awaitOrder(customer, orderId, "IN_PROCESS");
        assertThat(inProcess.path("imei").asText()).isEqualTo(imei);
        assertThat(inProcess.path("submittedAt").asText()).isNotBlank();

        String reference = simulatorReference(imei);
        assertThat(api.post("/simulator/dhru/control/orders/" + reference, admin,
                ApiClient.json(Map.of("status", 4, "code", "NCK: 8812-4471-0093"))).status()).isBetween(200, 299);

        JsonNode completed = awaitOrder(customer, orderId, "COMPLETED");
        assertThat(completed.path("result").asText()).isEqualTo("NCK: 8812-4471-0093");
        awaitWallet(customer, 10_000 - UNLOCK_PRICE, 0);
        assertThat(moneyEventsOf(orderId)).containsExactly("FundsReserved", "ReservationCaptured");
        // the saga's steps, from an event handler and from its poll deadline, are on the process's behalf
        assertThat(actorOf(orderId, "OrderPlaced")).isEqualTo("customer:" + customer.customerId());
        assertThat(actorOf(orderId, "OrderSubmissionStarted")).isEqualTo("process:order-fulfilment");
        assertThat(actorOf(orderId, "OrderCompleted")).isEqualTo("process:order-fulfilment");

        JsonNode staffView = api.get("/api/orders/" + orderId, admin).json();
        assertThat(staffView.path("imei").asText()).isEqualTo("***********" + imei.substring(11));
        assertThat(staffView.path("result").asText()).isNotEqualTo("NCK: 8812-4471-0093");
    }

    @Test
    void aSupplierRejectionReleasesTheReservation() {
        Customer customer = fundedCustomer(5_000);
        String imei = imei();
        String orderId = order(customer, UNLOCK, imei).text("orderId");
        awaitOrder(customer, orderId, "IN_PROCESS");
        api.post("/simulator/dhru/control/orders/" + simulatorReference(imei), admin,
                ApiClient.json(Map.of("status", 3, "code", "IMEI is blacklisted")));
        JsonNode rejected = awaitOrder(customer, orderId, "REJECTED");
        assertThat(rejected.path("rejectionReason").asText()).contains("blacklisted");
        awaitWallet(customer, 5_000, 0);
        assertThat(moneyEventsOf(orderId)).containsExactly("FundsReserved", "ReservationReleased");
    }

    @Test
    void anOrderInProcessCannotBeCancelled() {
        Customer customer = fundedCustomer(5_000);
        String orderId = order(customer, UNLOCK, imei()).text("orderId");
        awaitOrder(customer, orderId, "IN_PROCESS");
        Response refused = api.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}");
        assertProblem(refused, 409, "order-in-process");
        assertThat(refused.text("detail")).contains("verification-requests");
        Customer stranger = api.register(unique("stranger"));
        assertProblem(api.post("/api/orders/" + orderId + "/cancel", stranger.token(), "{}"), 404, "not-found");
        assertProblem(api.get("/api/orders/" + orderId, stranger.token()), 404, "not-found");
    }

    @Test
    void aPendingOrderIsCancelledAndReleased() {
        simulatorFaults("ERROR"); // the supplier refuses: the order waits PENDING for its next attempt
        Customer customer = fundedCustomer(5_000);
        String orderId = order(customer, UNLOCK, imei()).text("orderId");
        await().atMost(Duration.ofSeconds(5)).until(() -> moneyAndOrderEvents(orderId).contains("OrderSubmissionFailed"));
        Response cancelled = api.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}");
        assertThat(cancelled.status()).as(cancelled.raw().body()).isEqualTo(200);
        assertThat(cancelled.text("status")).isEqualTo("CANCELLED");
        // the cancellation releases the reservation in its own transaction (OrderMoney)
        assertThat(orderAfter(cancelled.position(), customer, orderId).path("status").asText()).isEqualTo("CANCELLED");
        assertWalletAfter(cancelled.position(), customer, 5_000, 0);
        assertThat(moneyEventsOf(orderId)).containsExactly("FundsReserved", "ReservationReleased");
    }

    @Test
    void aLostAnswerNeedsAttentionAndStaffResolveIt() {
        simulatorFaults("DROP_AFTER_ACCEPT");
        Customer customer = fundedCustomer(5_000);
        String imei = imei();
        String orderId = order(customer, UNLOCK, imei).text("orderId");
        awaitOrder(customer, orderId, "NEEDS_ATTENTION");
        simulatorFaults("OK");
        String reference = simulatorReference(imei);
        assertThat(moneyAndOrderEvents(orderId).stream().filter("OrderSubmissionStarted"::equals))
                .as("never retried blindly").hasSize(1);

        Response resolved = api.post("/api/admin/orders/" + orderId + "/resolution", admin,
                ApiClient.json(Map.of("supplierReference", reference)));
        assertThat(resolved.status()).as(resolved.raw().body()).isEqualTo(200);
        // the resolution itself records the order as submitted
        assertThat(orderAfter(resolved.position(), customer, orderId).path("status").asText()).isEqualTo("IN_PROCESS");
        api.post("/simulator/dhru/control/orders/" + reference, admin, ApiClient.json(Map.of("status", 4, "code", "DONE")));
        awaitOrder(customer, orderId, "COMPLETED");
        awaitWallet(customer, 5_000 - UNLOCK_PRICE, 0);
    }

    @Test
    void staffRejectAnOrderTheSupplierNeverGot() {
        simulatorFaults("TIMEOUT");
        Customer customer = fundedCustomer(5_000);
        String orderId = order(customer, UNLOCK, imei()).text("orderId");
        awaitOrder(customer, orderId, "NEEDS_ATTENTION");
        assertProblem(api.post("/api/admin/orders/" + orderId + "/resolution", admin, "{\"reject\":true}"), 400,
                "validation-failed");
        Response rejected = api.post("/api/admin/orders/" + orderId + "/resolution", admin,
                ApiClient.json(Map.of("reject", true, "reason", "not found at the supplier")));
        assertThat(rejected.status()).isEqualTo(200);
        // the rejection releases the reservation in its own transaction (OrderMoney)
        assertThat(orderAfter(rejected.position(), customer, orderId).path("status").asText()).isEqualTo("REJECTED");
        assertWalletAfter(rejected.position(), customer, 5_000, 0);
    }

    @Test
    void refusedOrdersMoveNoMoneyAndCreateNothing() {
        Customer customer = fundedCustomer(1_000);
        assertProblem(order(customer, UNLOCK, "490154203237519"), 400, "invalid-imei");
        assertProblem(order(customer, UNLOCK, "12345"), 400, "invalid-imei");
        assertProblem(order(customer, FRP, imei()), 400, "validation-failed");
        assertProblem(order(customer, UUID.randomUUID(), imei()), 400, "validation-failed");
        assertProblem(order(customer, CatalogueSeed.serviceId("742"), imei()), 400, "validation-failed");
        assertProblem(order(customer, UNLOCK, imei()), 409, "insufficient-funds");
        assertProblem(api.post("/api/orders", admin, ApiClient.json(Map.of("serviceId", UNLOCK, "imei", imei()))),
                403, "forbidden");
        assertThat(jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%OrderPlaced'")
                       .query(Long.class).single()).isEqualTo(placedOrders());
        // fundedCustomer read the deposit; a refusal stores nothing, so a plain read shows the same wallet
        JsonNode wallet = api.get("/api/me/wallet", customer.token()).json();
        assertThat(wallet.path("available").asLong()).isEqualTo(1_000);
        assertThat(wallet.path("held").asLong()).isZero();
    }

    @Test
    void theSameImeiAndServiceCannotBeOpenTwice() {
        Customer customer = fundedCustomer(10_000);
        String imei = imei();
        Response placed = order(customer, UNLOCK, imei);
        assertThat(placed.status()).isEqualTo(201);
        assertProblem(order(customer, UNLOCK, imei), 409, "duplicate-order");
        assertWalletAfter(placed.position(), customer, 10_000 - UNLOCK_PRICE, UNLOCK_PRICE);
    }

    @Test
    void parallelOrdersNeverOverdrawTheWallet() throws Exception {
        Customer customer = fundedCustomer(UNLOCK_PRICE * 5);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        long lastPlaced = 0;
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                answers.add(pool.submit(() -> order(customer, UNLOCK, imei())));
            }
            int created = 0;
            for (Future<Response> answer : answers) {
                Response response = answer.get();
                if (response.status() == 201) {
                    created++;
                    lastPlaced = Math.max(lastPlaced, response.position());
                } else {
                    assertThat(response.status()).as(response.raw().body()).isIn(409);
                    assertThat(response.text("type")).isIn("/problems/insufficient-funds", "/problems/conflict");
                }
            }
            assertThat(created).isEqualTo(5);
        } finally {
            pool.shutdownNow();
        }
        assertWalletAfter(lastPlaced, customer, 0, UNLOCK_PRICE * 5);
    }

    private long placedOrders() {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%OrderPlaced'")
                   .query(Long.class).single();
    }

    private void simulatorFaults(String placeMode) {
        Response response = api.post("/simulator/dhru/control/faults", admin,
                ApiClient.json(Map.of("placeMode", placeMode, "statusMode", "OK")));
        assertThat(response.status()).as(response.raw().body()).isBetween(200, 299);
    }

    private String simulatorReference(String imei) {
        String[] reference = new String[1];
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode received = api.get("/simulator/dhru/control/orders?imei=" + imei, admin).json();
            JsonNode first = received.isArray() ? received.path(0) : received.path("items").path(0);
            reference[0] = first.path("referenceId").asText(null);
            return reference[0] != null;
        });
        return reference[0];
    }

    private JsonNode awaitOrder(Customer customer, String orderId, String status) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = api.get("/api/orders/" + orderId, customer.token()).json();
            return status.equals(last[0].path("status").asText());
        });
        return last[0];
    }

    /** The order as read after {@code position}, once: the read model already reflects every write up to it. */
    private JsonNode orderAfter(long position, Customer customer, String orderId) {
        Response order = api.getAfter(position, "/api/orders/" + orderId, customer.token());
        assertThat(order.status()).as(order.raw().body()).isEqualTo(200);
        return order.json();
    }

    /** The wallet as read after {@code position}, once: no retry. */
    private void assertWalletAfter(long position, Customer customer, long available, long held) {
        JsonNode wallet = api.getAfter(position, "/api/me/wallet", customer.token()).json();
        assertThat(wallet.path("available").asLong()).as("available").isEqualTo(available);
        assertThat(wallet.path("held").asLong()).as("held").isEqualTo(held);
    }

    /** For a saga's later step (the supplier's answer), which no write of the test names a position for. */
    private void awaitWallet(Customer customer, long available, long held) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode wallet = api.get("/api/me/wallet", customer.token()).json();
            assertThat(wallet.path("available").asLong()).isEqualTo(available);
            assertThat(wallet.path("held").asLong()).isEqualTo(held);
        });
    }

    /** The money events of an order's reservation, in order: the proof that money moved exactly once. */
    private List<String> moneyEventsOf(String orderId) {
        return jdbc.sql("""
                            SELECT substring(payloadtype from '[A-Za-z]+$') FROM domainevententry
                            WHERE payloadtype LIKE '%WalletEvents%' AND convert_from(payload, 'UTF8') LIKE ?
                            ORDER BY globalindex""")
                   .param("%\"reservationId\":\"" + orderId + "\"%")
                   .query(String.class).list();
    }

    /** The actor in the metadata of the order's event of this type. */
    private String actorOf(String orderId, String eventType) {
        return jdbc.sql("""
                            SELECT convert_from(metadata, 'UTF8')::jsonb ->> 'actor' FROM domainevententry
                            WHERE aggregateidentifier = ? AND payloadtype LIKE ?""")
                   .params(orderId, "%$" + eventType)
                   .query(String.class).single();
    }

    private List<String> moneyAndOrderEvents(String orderId) {
        return jdbc.sql("""
                            SELECT substring(payloadtype from '[A-Za-z]+$') FROM domainevententry
                            WHERE aggregateidentifier = ? ORDER BY sequencenumber""")
                   .param(orderId).query(String.class).list();
    }
}
