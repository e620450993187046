package shop.ledger.standalone.query;

import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderResolvedByStaff;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.query.order.OrderProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.query.OrderEventsFixture.History;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static shop.ledger.standalone.query.CatalogueQueryTest.assertProblem;
import static shop.ledger.standalone.query.OrderEventsFixture.IMEI;

/** GET /api/orders/{id} and GET /api/orders from the order events (API.md, Orders; R3, R5, R11, R13). */
@ReadSideTest
class OrderQueryTest {

    static final String MASKED = "***********" + IMEI.substring(11);

    @LocalServerPort
    int port;
    @Autowired
    EventStore eventStore;
    @Autowired
    KeyVault vault;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    OrderProjection projection;

    ApiClient api;
    String admin;
    OrderEventsFixture fixture;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        fixture = new OrderEventsFixture(eventStore, vault);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The order as the caller sees it after its first {@code events} events: one read that names the last one's
     * position (read your own writes), which already shows all of them.
     */
    Response awaitOrder(History order, String token, int events) {
        long position = OrderEventsFixture.position(jdbc, order.events.get(events - 1));
        Response response = api.getAfter(position, "/api/orders/" + order.orderId, token);
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        assertThat(response.json().path("timeline")).hasSize(events);
        return response;
    }

    @Test
    void theOwnerSeesTheWholeOrderAnotherCustomerGets404AndStaffSeeItMasked() {
        Customer alice = api.register(unique("alice"));
        Customer bob = api.register(unique("bob"));
        Instant estimatedBy = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        History order = fixture.order(alice.customerId()).placed(alice.walletId(), "iPhone network unlock", 1500);
        order.then(new OrderSubmissionStarted(order.orderId, 1))
             .then(new OrderSubmitted(order.orderId, 1, "SUP-1", order.at(0).plusSeconds(90), estimatedBy));
        order.then(new OrderCompleted(order.orderId, order.encrypt("UNLOCK-CODE-42"), order.at(2).plusSeconds(90)))
             .publish();

        JsonNode view = awaitOrder(order, alice.token(), 4).json();
        assertThat(view.path("orderId").asText()).isEqualTo(order.orderId.toString());
        assertThat(view.path("serviceName").asText()).isEqualTo("iPhone network unlock");
        assertThat(view.path("serviceId").asText()).hasSize(36);
        assertThat(view.path("imei").asText()).isEqualTo(IMEI);
        assertThat(view.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(view.path("price").path("amount").asLong()).isEqualTo(1500);
        assertThat(view.path("price").path("currency").asText()).isEqualTo("USD");
        assertThat(Instant.parse(view.path("placedAt").asText())).isEqualTo(order.at(0));
        assertThat(Instant.parse(view.path("submittedAt").asText())).isEqualTo(order.at(0).plusSeconds(90));
        assertThat(Instant.parse(view.path("estimatedBy").asText())).isEqualTo(estimatedBy);
        assertThat(Instant.parse(view.path("completedAt").asText())).isEqualTo(order.at(2).plusSeconds(90));
        assertThat(view.path("overdue").asBoolean()).isFalse();
        assertThat(view.path("result").asText()).isEqualTo("UNLOCK-CODE-42");
        assertThat(view.path("rejectionReason").isNull()).isTrue();
        JsonNode timeline = view.path("timeline");
        assertThat(statuses(timeline)).containsExactly("PENDING", "PENDING", "IN_PROCESS", "COMPLETED");
        for (int i = 0; i < 4; i++) {
            assertThat(Instant.parse(timeline.get(i).path("at").asText())).isEqualTo(order.at(i));
            assertThat(timeline.get(i).path("note").asText()).isNotBlank();
        }
        assertThat(view.toString()).doesNotContain("SUP-1");

        // another customer cannot tell the order exists
        assertProblem(api.get("/api/orders/" + order.orderId, bob.token()), 404, "not-found");
        assertProblem(api.get("/api/orders/" + UUID.randomUUID(), alice.token()), 404, "not-found");
        assertProblem(api.get("/api/orders/not-a-uuid", alice.token()), 404, "not-found");
        assertThat(ids(api.get("/api/orders", bob.token()))).doesNotContain(order.orderId.toString());
        assertProblem(api.get("/api/orders/" + order.orderId, null), 401, "unauthorized");

        // staff see every order, the IMEI masked but its last four digits, and never the result (R13)
        String auditor = staff("AUDITOR");
        for (String token : List.of(admin, auditor)) {
            JsonNode staffView = api.get("/api/orders/" + order.orderId, token).json();
            assertThat(staffView.path("status").asText()).isEqualTo("COMPLETED");
            assertThat(staffView.path("imei").asText()).isEqualTo(MASKED);
            assertThat(staffView.path("result").asText()).isEqualTo("[protected]");
            assertThat(staffView.toString()).doesNotContain(IMEI).doesNotContain("UNLOCK-CODE-42");
        }
        Response staffList = api.get("/api/orders?limit=500", auditor);
        assertThat(ids(staffList)).contains(order.orderId.toString());
        assertThat(staffList.raw().body()).doesNotContain(IMEI);
    }

    @Test
    void staffFilterOverdueOrdersComputedFromTheClock() {
        Customer carol = api.register(unique("carol"));
        History late = fixture.order(carol.customerId()).placed(carol.walletId(), "FRP removal", 900);
        late.then(new OrderSubmitted(late.orderId, 1, "SUP-2", late.at(0), Instant.now().minus(1, ChronoUnit.HOURS)))
            .publish();
        History onTime = fixture.order(carol.customerId()).placed(carol.walletId(), "FRP removal", 900);
        onTime.then(new OrderSubmitted(onTime.orderId, 1, "SUP-3", onTime.at(0), Instant.now().plus(1, ChronoUnit.DAYS)))
              .publish();
        History pending = fixture.order(carol.customerId()).placed(carol.walletId(), "FRP removal", 900).publish();

        assertThat(awaitOrder(late, carol.token(), 2).json().path("overdue").asBoolean()).isTrue();
        assertThat(awaitOrder(onTime, carol.token(), 2).json().path("overdue").asBoolean()).isFalse();
        assertThat(awaitOrder(pending, carol.token(), 1).json().path("overdue").asBoolean()).isFalse();

        List<String> overdue = ids(api.get("/api/orders?overdue=true&limit=500", admin));
        assertThat(overdue).contains(late.orderId.toString())
                           .doesNotContain(onTime.orderId.toString(), pending.orderId.toString());
        List<String> notOverdue = ids(api.get("/api/orders?overdue=false&status=IN_PROCESS&limit=500", admin));
        assertThat(notOverdue).contains(onTime.orderId.toString()).doesNotContain(late.orderId.toString());
        for (JsonNode item : api.get("/api/orders?overdue=true&limit=500", admin).json().path("items")) {
            assertThat(item.path("status").asText()).isEqualTo("IN_PROCESS");
            assertThat(item.path("overdue").asBoolean()).isTrue();
        }
        assertProblem(api.get("/api/orders?overdue=true", carol.token()), 403, "forbidden");
    }

    @Test
    void aCustomersOrdersArePagedNewestFirstAndFilteredByStatus() {
        Customer dave = api.register(unique("dave"));
        History first = fixture.order(dave.customerId()).placed(dave.walletId(), "Check", 100).publish();
        History second = fixture.order(dave.customerId()).placed(dave.walletId(), "Check", 200);
        second.then(new OrderSubmissionStarted(second.orderId, 1))
              .then(new OrderSubmissionFailed(second.orderId, 1, "no credit", false))
              .then(new OrderRejected(second.orderId, "the supplier refused the order", Instant.now()))
              .publish();
        History third = fixture.order(dave.customerId()).placed(dave.walletId(), "Check", 300);
        third.then(new OrderCancelled(third.orderId, "cancelled by the customer", Instant.now())).publish();
        awaitOrder(third, dave.token(), 2);
        awaitOrder(second, dave.token(), 4);

        Response page1 = api.get("/api/orders?limit=2", dave.token());
        assertThat(ids(page1)).containsExactly(third.orderId.toString(), second.orderId.toString());
        String cursor = page1.text("nextCursor");
        assertThat(cursor).isNotBlank();
        Response page2 = api.get("/api/orders?limit=2&cursor=" + cursor, dave.token());
        assertThat(ids(page2)).containsExactly(first.orderId.toString());
        assertThat(page2.json().path("nextCursor").isNull()).isTrue();
        assertThat(page2.json().path("items").get(0).path("imei").asText()).isEqualTo(IMEI);

        Response rejected = api.get("/api/orders?status=REJECTED", dave.token());
        assertThat(ids(rejected)).containsExactly(second.orderId.toString());
        JsonNode order = rejected.json().path("items").get(0);
        assertThat(order.path("rejectionReason").asText()).isEqualTo("the supplier refused the order");
        assertThat(statuses(order.path("timeline"))).containsExactly("PENDING", "PENDING", "PENDING", "REJECTED");
        assertThat(order.toString()).doesNotContain("no credit");
        assertThat(ids(api.get("/api/orders?status=CANCELLED", dave.token()))).containsExactly(third.orderId.toString());
        assertThat(ids(api.get("/api/orders?status=COMPLETED", dave.token()))).isEmpty();

        assertProblem(api.get("/api/orders?status=LOST", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/orders?limit=0", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/orders?cursor=garbage", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/orders", null), 401, "unauthorized");
    }

    @Test
    void aLostAnswerNeedsAttentionUntilStaffResolveIt() {
        Customer erin = api.register(unique("erin"));
        History order = fixture.order(erin.customerId()).placed(erin.walletId(), "Carrier check", 400);
        order.then(new OrderSubmissionStarted(order.orderId, 1))
             .then(new OrderNeedsAttention(order.orderId, 1, "read timeout"))
             .publish();
        assertThat(awaitOrder(order, erin.token(), 3).json().path("status").asText()).isEqualTo("NEEDS_ATTENTION");

        // later events of the same order, appended separately as the aggregate would
        UUID staffId = UUID.randomUUID();
        Instant estimatedBy = Instant.now().plus(2, ChronoUnit.DAYS);
        order.then(new OrderResolvedByStaff(order.orderId, staffId, "found at the supplier"))
             .then(new OrderSubmitted(order.orderId, 1, "SUP-9", Instant.now(), estimatedBy));
        eventStore.publish(order.events.subList(3, 5));

        JsonNode view = awaitOrder(order, erin.token(), 5).json();
        assertThat(view.path("status").asText()).isEqualTo("IN_PROCESS");
        assertThat(statuses(view.path("timeline")))
                .containsExactly("PENDING", "PENDING", "NEEDS_ATTENTION", "NEEDS_ATTENTION", "IN_PROCESS");
        assertThat(view.path("result").isNull()).isTrue();
        assertThat(view.path("completedAt").isNull()).isTrue();
    }

    @Test
    void aRedeliveredEventChangesNothing() {
        Customer frank = api.register(unique("frank"));
        History order = fixture.order(frank.customerId()).placed(frank.walletId(), "Unlock", 700);
        order.then(new OrderSubmitted(order.orderId, 1, "SUP-4", order.at(0), Instant.now().plus(1, ChronoUnit.DAYS)))
             .then(new OrderCompleted(order.orderId, order.encrypt("CODE"), Instant.now()))
             .publish();
        String before = awaitOrder(order, frank.token(), 3).raw().body();

        // every event again, the oldest first and then out of order: no status goes back, no entry doubles
        for (int i : new int[]{0, 1, 2, 1, 0}) {
            OrderEventsFixture.redeliver(projection, jdbc, order.events.get(i));
        }
        assertThat(api.get("/api/orders/" + order.orderId, frank.token()).raw().body()).isEqualTo(before);
        assertThat(jdbc.sql("SELECT count(*) FROM order_timeline WHERE order_id = ?").param(order.orderId)
                       .query(Long.class).single()).isEqualTo(3);
    }

    @Test
    void erasingTheCustomersKeyMakesTheImeiAndResultReadErasedForEveryone() {
        Customer gina = api.register(unique("gina"));
        History order = fixture.order(gina.customerId()).placed(gina.walletId(), "Unlock", 800);
        order.then(new OrderSubmitted(order.orderId, 1, "SUP-5", order.at(0), Instant.now().plus(1, ChronoUnit.DAYS)))
             .then(new OrderCompleted(order.orderId, order.encrypt("SECRET-CODE"), Instant.now()))
             .publish();
        assertThat(awaitOrder(order, gina.token(), 3).json().path("imei").asText()).isEqualTo(IMEI);

        vault.erase(gina.customerId());

        JsonNode owner = api.get("/api/orders/" + order.orderId, gina.token()).json();
        assertThat(owner.path("imei").asText()).isEqualTo(KeyVault.ERASED);
        assertThat(owner.path("result").asText()).isEqualTo(KeyVault.ERASED);
        assertThat(owner.path("price").path("amount").asLong()).as("amounts stay").isEqualTo(800);
        assertThat(api.get("/api/orders/" + order.orderId, admin).json().path("imei").asText()).isEqualTo(KeyVault.ERASED);
        assertThat(api.get("/api/orders", gina.token()).json().path("items").get(0).path("imei").asText())
                .isEqualTo(KeyVault.ERASED);
    }

    @Test
    void theReadApiIsInTheOpenApiDocument() {
        JsonNode paths = api.get("/v3/api-docs", null).json().path("paths");
        for (String path : List.of("/api/services", "/api/admin/services", "/api/admin/services/{serviceId}",
                "/api/orders", "/api/orders/{orderId}", "/api/me/events")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(paths.path("/api/me/events").path("get").path("responses").toString()).contains("text/event-stream");
    }

    private String staff(String role) {
        String username = unique(role.toLowerCase());
        Response created = api.post("/api/admin/staff", admin, ApiClient.json(Map.of("username", username,
                "email", username + "@shop.example", "password", ApiClient.PASSWORD, "roles", new String[]{role})));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        return api.token(username, ApiClient.PASSWORD);
    }

    static List<String> ids(Response list) {
        assertThat(list.status()).as(list.raw().body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        list.json().path("items").forEach(item -> ids.add(item.path("orderId").asText()));
        return ids;
    }

    static List<String> statuses(JsonNode timeline) {
        List<String> statuses = new ArrayList<>();
        timeline.forEach(entry -> statuses.add(entry.path("status").asText()));
        return statuses;
    }
}
