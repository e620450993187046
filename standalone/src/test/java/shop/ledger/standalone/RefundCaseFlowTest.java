package shop.ledger.standalone;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.seed.CatalogueSeed;
import tools.jackson.databind.JsonNode;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.WalletApiTest.assertProblem;
import static shop.ledger.standalone.WalletApiTest.unique;

/**
 * The 742 verification and refund request end to end (R5, R6, R7, R9): an order of a service whose
 * estimate is one second becomes overdue at once, so a case can be opened for real.
 */
@StandaloneTest
class RefundCaseFlowTest {

    static final UUID QUICK = UUID.nameUUIDFromBytes("test:quick-check".getBytes());
    static final long QUICK_PRICE = 500;

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
        // a service fulfilled by the simulator (its service 1003) that is overdue a second after submission
        Response defined = api.put("/api/admin/services/" + QUICK, admin, ApiClient.json(Map.of(
                "code", "T-QUICK", "name", "Quick check (tests)", "kind", "IMEI",
                "price", Map.of("amount", QUICK_PRICE, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT0S", "max", "PT1S"),
                "requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false),
                "active", true, "supplier", Map.of("supplier", "simulator", "supplierServiceId", "1003"))));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
        verificationFee(0);
    }

    void verificationFee(long cents) {
        Response defined = api.put("/api/admin/services/" + CatalogueSeed.serviceId("742"), admin, ApiClient.json(Map.of(
                "code", "742", "name", "Order Check / Verification & Refund Request", "kind", "VERIFICATION",
                "price", Map.of("amount", cents, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "P1D", "max", "P7D"),
                "requires", Map.of("imei", false, "model", false, "network", false, "serialNumber", false),
                "active", true)));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
    }

    /** An order placed, with its placement's X-Ledger-Position (the price is held in that transaction). */
    record Placed(String orderId, String imei, long position) {
    }

    Customer customer(long cents) {
        Customer customer = api.register(unique("claimant"));
        Response deposit = api.deposit(admin, customer.walletId(), cents, unique("psp"));
        // a deposit of 0 is refused and stores nothing: then the registration is the wallet's last write
        assertWalletAfter(deposit.status() == 201 ? deposit.position() : customer.position(), customer, cents, 0);
        return customer;
    }

    Placed overdueOrder(Customer customer) {
        String imei = OrderFlowTest.imei();
        Response placed = api.post("/api/orders", customer.token(), ApiClient.json(Map.of("serviceId", QUICK, "imei", imei)));
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        String orderId = placed.text("orderId");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "IN_PROCESS".equals(api.get("/api/orders/" + orderId, customer.token()).text("status")));
        await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // past its one-second estimate
        return new Placed(orderId, imei, placed.position());
    }

    Response requestVerification(Customer customer, String orderId) {
        return api.post("/api/orders/" + orderId + "/verification-requests", customer.token(), "{}");
    }

    @Test
    void anApprovedCaseCancelsTheOrderAndRefundsItOnce() {
        Customer customer = customer(2_000);
        Placed order = overdueOrder(customer);
        assertWalletAfter(order.position(), customer, 2_000 - QUICK_PRICE, QUICK_PRICE);

        Response opened = requestVerification(customer, order.orderId());
        assertThat(opened.status()).as(opened.raw().body()).isEqualTo(201);
        assertThat(opened.text("status")).isEqualTo("OPEN");
        Instant due = Instant.parse(opened.text("decisionDueBy"));
        assertThat(due).isAfter(Instant.now().plus(Duration.ofDays(8))); // 7 working days cover a weekend at least
        String caseId = opened.text("refundCaseId");

        assertProblem(requestVerification(customer, order.orderId()), 409, "refund-case-open");
        assertProblem(api.post("/api/admin/refund-cases/" + caseId + "/decision", customer.token(),
                ApiClient.json(Map.of("outcome", "APPROVED"))), 403, "forbidden");

        Response decided = api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                ApiClient.json(Map.of("outcome", "APPROVED", "note", "supplier cancelled the order")));
        assertThat(decided.status()).as(decided.raw().body()).isEqualTo(200);
        // the approval cancels the order and releases its price in its own transaction
        assertThat(api.getAfter(decided.position(), "/api/orders/" + order.orderId(), customer.token()).text("status"))
                .isEqualTo("CANCELLED");
        assertWalletAfter(decided.position(), customer, 2_000, 0);

        assertThat(api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                ApiClient.json(Map.of("outcome", "APPROVED"))).status()).as("the same decision again changes nothing")
                                                                         .isEqualTo(200);
        assertProblem(api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                ApiClient.json(Map.of("outcome", "REJECTED"))), 409, "conflict");
        assertThat(eventsOf(order.orderId())).filteredOn("OrderCancelled"::equals).hasSize(1);
        assertThat(releasesOf(order.orderId())).isEqualTo(1);
    }

    @Test
    void aRejectedCaseLetsTheOrderGoOnAndTheFeeIsTaken() {
        verificationFee(100);
        try {
            Customer customer = customer(2_000);
            Placed order = overdueOrder(customer);
            Response opened = requestVerification(customer, order.orderId());
            String caseId = opened.text("refundCaseId");
            assertWalletAfter(opened.position(), customer, 2_000 - QUICK_PRICE - 100, QUICK_PRICE + 100);

            Response rejected = api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                    ApiClient.json(Map.of("outcome", "REJECTED", "note", "the supplier is still working on it")));
            assertThat(rejected.status()).isEqualTo(200);
            assertWalletAfter(rejected.position(), customer, 2_000 - QUICK_PRICE - 100, QUICK_PRICE);
            assertThat(api.get("/api/orders/" + order.orderId(), customer.token()).text("status")).isEqualTo("IN_PROCESS");

            completeAtSupplier(order.imei());
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    "COMPLETED".equals(api.get("/api/orders/" + order.orderId(), customer.token()).text("status")));
            awaitWallet(customer, 2_000 - QUICK_PRICE - 100, 0);
        } finally {
            verificationFee(0);
        }
    }

    @Test
    void aCaseClosesWhenTheOrderCompletesMeanwhile() {
        Customer customer = customer(2_000);
        Placed order = overdueOrder(customer);
        String caseId = requestVerification(customer, order.orderId()).text("refundCaseId");
        completeAtSupplier(order.imei());
        await().atMost(Duration.ofSeconds(10)).until(() -> eventsOf(caseId).contains("RefundCaseClosed"));
        awaitWallet(customer, 2_000 - QUICK_PRICE, 0);
        assertThat(requestVerification(customer, order.orderId()).status()).isEqualTo(409);
    }

    @Test
    void onlyAnOverdueOrderOfTheCallerGetsACase() {
        Customer customer = customer(5_000);
        String imei = OrderFlowTest.imei();
        String slowOrder = api.post("/api/orders", customer.token(),
                ApiClient.json(Map.of("serviceId", CatalogueSeed.serviceId("1001"), "imei", imei))).text("orderId");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "IN_PROCESS".equals(api.get("/api/orders/" + slowOrder, customer.token()).text("status")));
        assertProblem(requestVerification(customer, slowOrder), 409, "order-not-overdue");

        Customer stranger = customer(0);
        Placed overdue = overdueOrder(customer);
        assertProblem(requestVerification(stranger, overdue.orderId()), 404, "not-found");
        assertProblem(requestVerification(customer, UUID.randomUUID().toString()), 404, "not-found");
    }

    @Test
    void repeatedRequestsAreLimitedPerDay() {
        Customer customer = customer(10_000);
        List<Placed> orders = List.of(overdueOrder(customer), overdueOrder(customer), overdueOrder(customer),
                overdueOrder(customer));
        for (int i = 0; i < 3; i++) {
            assertThat(requestVerification(customer, orders.get(i).orderId()).status()).isEqualTo(201);
        }
        assertProblem(requestVerification(customer, orders.get(3).orderId()), 429, "too-many-requests");
        assertThat(jdbc.sql("SELECT count(*) FROM refund_request_log WHERE customer_id = ?")
                       .param(customer.customerId()).query(Long.class).single()).isEqualTo(3);
    }

    @Test
    void theDecisionDeadlineIsPersistedAndEscalatesWithoutRefunding() {
        Customer customer = customer(2_000);
        Placed order = overdueOrder(customer);
        Response opened = requestVerification(customer, order.orderId());
        String caseId = opened.text("refundCaseId");
        Instant due = Instant.parse(opened.text("decisionDueBy"));

        // the deadline is a row in PostgreSQL (it survives restarts), scheduled by the saga for the due
        // date; bring its time forward to now
        await().atMost(Duration.ofSeconds(5)).until(() -> jdbc.sql("""
                                 UPDATE scheduled_tasks SET execution_time = now()
                                 WHERE execution_time BETWEEN ? AND ? AND picked = false""")
                        .params(Timestamp.from(due.minusSeconds(2)), Timestamp.from(due.plusSeconds(2)))
                        .update() == 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> eventsOf(caseId).contains("RefundCaseEscalated"));
        assertThat(api.get("/api/orders/" + order.orderId(), customer.token()).text("status")).isEqualTo("IN_PROCESS");
        // the escalation moves no money: the wallet is as the opening left it
        assertWalletAfter(opened.position(), customer, 2_000 - QUICK_PRICE, QUICK_PRICE);

        // an escalated case is still decided by staff
        Response approved = api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                ApiClient.json(Map.of("outcome", "APPROVED", "note", "escalated and approved")));
        assertThat(approved.status()).isEqualTo(200);
        assertWalletAfter(approved.position(), customer, 2_000, 0);
    }

    private void completeAtSupplier(String imei) {
        JsonNode received = api.get("/simulator/dhru/control/orders?imei=" + imei, admin).json();
        String reference = received.path("items").path(0).path("referenceId").asText();
        assertThat(api.post("/simulator/dhru/control/orders/" + reference, admin,
                ApiClient.json(Map.of("status", 4, "code", "CLEAN"))).status()).isBetween(200, 299);
    }

    private List<String> eventsOf(String aggregateId) {
        return jdbc.sql("""
                            SELECT substring(payloadtype from '[A-Za-z]+$') FROM domainevententry
                            WHERE aggregateidentifier = ? ORDER BY sequencenumber""")
                   .param(aggregateId).query(String.class).list();
    }

    private long releasesOf(String reservationId) {
        return jdbc.sql("""
                            SELECT count(*) FROM domainevententry
                            WHERE payloadtype LIKE '%ReservationReleased' AND convert_from(payload, 'UTF8') LIKE ?""")
                   .param("%\"reservationId\":\"" + reservationId + "\"%").query(Long.class).single();
    }

    /** The wallet as read after {@code position}, once: no retry. */
    private void assertWalletAfter(long position, Customer customer, long available, long held) {
        JsonNode wallet = api.getAfter(position, "/api/me/wallet", customer.token()).json();
        assertThat(wallet.path("available").asLong()).as("available").isEqualTo(available);
        assertThat(wallet.path("held").asLong()).as("held").isEqualTo(held);
    }

    /** For a saga's later step (the supplier's answer closing a case), which no write of the test names. */
    private void awaitWallet(Customer customer, long available, long held) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode wallet = api.get("/api/me/wallet", customer.token()).json();
            assertThat(wallet.path("available").asLong()).isEqualTo(available);
            assertThat(wallet.path("held").asLong()).isEqualTo(held);
        });
    }
}
