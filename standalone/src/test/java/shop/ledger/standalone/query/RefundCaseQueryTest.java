package shop.ledger.standalone.query;

import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.order.OrderProjection;
import shop.ledger.query.refund.RefundCaseProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.query.OrderEventsFixture.History;
import shop.ledger.standalone.query.OrderEventsFixture.RefundCase;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.query.CatalogueQueryTest.assertProblem;
import static shop.ledger.standalone.query.OrderQueryTest.statuses;
import static shop.ledger.standalone.query.OrderQueryTest.unique;

/**
 * GET /api/refund-cases/{id}, GET /api/refund-cases and the staff queue from the refund-case events, and the
 * cases in their order's timeline (API.md, Refund cases; R5, R6, R13).
 */
@ReadSideTest
class RefundCaseQueryTest {

    @LocalServerPort
    int port;
    @Autowired
    EventStore eventStore;
    @Autowired
    KeyVault vault;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    RefundCaseProjection projection;
    @Autowired
    OrderProjection orderProjection;
    @Autowired
    ProjectionOperations operations;

    ApiClient api;
    String admin;
    OrderEventsFixture fixture;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        fixture = new OrderEventsFixture(eventStore, vault);
    }

    static Instant inDays(int days) {
        return Instant.now().plus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
    }

    /** An order of the customer's, IN_PROCESS past its estimate: what a verification request is for (R5). */
    History overdueOrder(Customer customer) {
        History order = fixture.order(customer.customerId()).placed(customer.walletId(), "iPhone network unlock", 1500);
        return order.then(new OrderSubmitted(order.orderId, 1, "SUP-1", order.at(0).plusSeconds(30), inDays(-1)))
                    .publish();
    }

    /**
     * The case as the caller sees it after every event appended so far: one read that names the store's head
     * (read your own writes), which already shows it with {@code status}.
     */
    Response awaitCase(RefundCase refundCase, String token, String status) {
        Response response = api.getAfter(OrderEventsFixture.head(jdbc), "/api/refund-cases/" + refundCase.refundCaseId,
                token);
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        assertThat(response.text("status")).isEqualTo(status);
        return response;
    }

    /** The order after every event appended so far (its own and its cases'), read once: {@code entries} entries. */
    Response awaitTimeline(History order, String token, int entries) {
        Response response = api.getAfter(OrderEventsFixture.head(jdbc), "/api/orders/" + order.orderId, token);
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        assertThat(response.json().path("timeline")).hasSize(entries);
        return response;
    }

    @Test
    void theOwnerSeesTheirCaseAnotherCustomerGets404AndStaffSeeEveryCase() {
        Customer alice = api.register(unique("alice"));
        Customer bob = api.register(unique("bob"));
        History order = overdueOrder(alice);
        Instant due = inDays(5);
        RefundCase refundCase = order.refundCase(due).publish();

        JsonNode view = awaitCase(refundCase, alice.token(), "OPEN").json();
        assertThat(view.path("refundCaseId").asText()).isEqualTo(refundCase.refundCaseId.toString());
        assertThat(view.path("orderId").asText()).isEqualTo(order.orderId.toString());
        assertThat(Instant.parse(view.path("openedAt").asText())).isEqualTo(refundCase.at(0));
        assertThat(Instant.parse(view.path("decisionDueBy").asText())).isEqualTo(due);
        for (String absent : List.of("decidedAt", "outcome", "note")) {
            assertThat(view.path(absent).isNull()).as(absent).isTrue();
        }
        assertThat(ids(api.get("/api/refund-cases", alice.token()))).contains(refundCase.refundCaseId.toString());

        // another customer cannot tell the case exists
        assertProblem(api.get("/api/refund-cases/" + refundCase.refundCaseId, bob.token()), 404, "not-found");
        assertThat(ids(api.get("/api/refund-cases?limit=500", bob.token()))).isEmpty();
        assertProblem(api.get("/api/refund-cases/" + UUID.randomUUID(), alice.token()), 404, "not-found");
        assertProblem(api.get("/api/refund-cases/not-a-uuid", alice.token()), 404, "not-found");
        assertProblem(api.get("/api/refund-cases/" + refundCase.refundCaseId, null), 401, "unauthorized");

        // every staff role sees every case
        for (String token : List.of(admin, staff("FINANCE"), staff("AUDITOR"))) {
            Response staffView = api.get("/api/refund-cases/" + refundCase.refundCaseId, token);
            assertThat(staffView.status()).isEqualTo(200);
            assertThat(staffView.json()).isEqualTo(view);
            assertThat(ids(api.get("/api/refund-cases?limit=500", token))).contains(refundCase.refundCaseId.toString());
        }
    }

    @Test
    void aCaseGoesFromOpenToItsDecisionToEscalatedAndThenDecidedOrToClosed() {
        Customer carol = api.register(unique("carol"));

        // no decision in time: escalated to staff, and the supplier's later decision is still final (R6)
        RefundCase late = overdueOrder(carol).refundCase(inDays(7)).publish();
        awaitCase(late, carol.token(), "OPEN");
        late.escalated().publish();
        JsonNode escalated = awaitCase(late, carol.token(), "ESCALATED").json();
        assertThat(escalated.path("decidedAt").isNull()).isTrue();
        assertThat(escalated.path("outcome").isNull()).isTrue();
        assertThat(ids(api.get("/api/refund-cases?status=ESCALATED", carol.token())))
                .containsExactly(late.refundCaseId.toString());
        late.decided(Outcome.APPROVED, "the supplier could not deliver").publish();
        JsonNode approved = awaitCase(late, carol.token(), "APPROVED").json();
        assertThat(approved.path("outcome").asText()).isEqualTo("APPROVED");
        assertThat(Instant.parse(approved.path("decidedAt").asText())).isEqualTo(late.at(2));
        assertThat(approved.path("note").asText()).isEqualTo("the supplier could not deliver");
        assertThat(ids(api.get("/api/refund-cases?status=ESCALATED", carol.token()))).isEmpty();

        RefundCase rejected = overdueOrder(carol).refundCase(inDays(7));
        rejected.decided(Outcome.REJECTED, "delivered to the carrier, still in process").publish();
        JsonNode rejectedView = awaitCase(rejected, carol.token(), "REJECTED").json();
        assertThat(rejectedView.path("outcome").asText()).isEqualTo("REJECTED");
        assertThat(Instant.parse(rejectedView.path("decidedAt").asText())).isEqualTo(rejected.at(1));
        assertThat(rejectedView.path("note").asText()).isEqualTo("delivered to the carrier, still in process");

        RefundCase closed = overdueOrder(carol).refundCase(inDays(7));
        closed.closed("the order completed while the case was open").publish();
        JsonNode closedView = awaitCase(closed, carol.token(), "CLOSED").json();
        assertThat(closedView.path("note").asText()).isEqualTo("the order completed while the case was open");
        assertThat(closedView.path("outcome").isNull()).isTrue();
        assertThat(closedView.path("decidedAt").isNull()).isTrue();

        assertThat(ids(api.get("/api/refund-cases?status=APPROVED", carol.token())))
                .containsExactly(late.refundCaseId.toString());
        assertThat(ids(api.get("/api/refund-cases?status=REJECTED", carol.token())))
                .containsExactly(rejected.refundCaseId.toString());
        assertThat(ids(api.get("/api/refund-cases?status=CLOSED", carol.token())))
                .containsExactly(closed.refundCaseId.toString());
        assertThat(ids(api.get("/api/refund-cases?status=OPEN", carol.token()))).isEmpty();
    }

    @Test
    void theStaffQueueHoldsTheWaitingCasesEarliestDueFirst() {
        Customer dave = api.register(unique("dave"));
        Customer erin = api.register(unique("erin"));
        RefundCase dueLater = overdueOrder(dave).refundCase(inDays(2)).publish();
        RefundCase escalated = overdueOrder(erin).refundCase(inDays(-2)).escalated().publish();
        RefundCase overdue = overdueOrder(dave).refundCase(inDays(-3)).publish();
        RefundCase decided = overdueOrder(erin).refundCase(inDays(-4)).decided(Outcome.REJECTED, "in process").publish();
        RefundCase decidedAfterEscalation = overdueOrder(dave).refundCase(inDays(-5)).escalated()
                                                              .decided(Outcome.APPROVED, "not deliverable").publish();
        RefundCase closed = overdueOrder(erin).refundCase(inDays(-6)).closed("the order completed").publish();
        awaitCase(closed, erin.token(), "CLOSED");
        awaitCase(decidedAfterEscalation, dave.token(), "APPROVED");
        awaitCase(decided, erin.token(), "REJECTED");
        awaitCase(overdue, dave.token(), "OPEN");
        awaitCase(escalated, erin.token(), "ESCALATED");
        awaitCase(dueLater, dave.token(), "OPEN");

        Response queue = api.get("/api/admin/refund-cases/queue?limit=500", admin);
        List<String> mine = new ArrayList<>(ids(queue));
        List<String> ours = List.of(overdue.refundCaseId.toString(), escalated.refundCaseId.toString(),
                dueLater.refundCaseId.toString());
        mine.retainAll(ours);
        assertThat(mine).as("waiting cases, earliest due first").containsExactlyElementsOf(ours);
        assertThat(ids(queue)).doesNotContain(decided.refundCaseId.toString(),
                decidedAfterEscalation.refundCaseId.toString(), closed.refundCaseId.toString());
        assertThat(queue.json().path("nextCursor").isNull()).isTrue();

        Instant previous = Instant.MIN;
        for (JsonNode item : queue.json().path("items")) {
            Instant due = Instant.parse(item.path("decisionDueBy").asText());
            assertThat(due).isAfterOrEqualTo(previous);
            previous = due;
            assertThat(item.path("status").asText()).isIn("OPEN", "ESCALATED");
            assertThat(item.path("overdueForDecision").asBoolean()).isEqualTo(Instant.now().isAfter(due));
        }
        JsonNode first = item(queue, overdue);
        assertThat(first.path("overdueForDecision").asBoolean()).isTrue();
        assertThat(first.path("status").asText()).isEqualTo("OPEN");
        assertThat(first.path("orderId").asText()).isEqualTo(overdue.order.orderId.toString());
        assertThat(first.path("customerId").asText()).isEqualTo(dave.customerId().toString());
        assertThat(Instant.parse(first.path("openedAt").asText())).isEqualTo(overdue.at(0));
        assertThat(item(queue, escalated).path("overdueForDecision").asBoolean()).isTrue();
        assertThat(item(queue, escalated).path("status").asText()).isEqualTo("ESCALATED");
        assertThat(item(queue, dueLater).path("overdueForDecision").asBoolean()).isFalse();

        // the limit takes the head of the same order
        Response head = api.get("/api/admin/refund-cases/queue?limit=2", admin);
        assertThat(ids(head)).containsExactlyElementsOf(ids(queue).subList(0, 2));

        assertProblem(api.get("/api/admin/refund-cases/queue", dave.token()), 403, "forbidden");
        assertProblem(api.get("/api/admin/refund-cases/queue", staff("FINANCE")), 403, "forbidden");
        assertProblem(api.get("/api/admin/refund-cases/queue", null), 401, "unauthorized");
        assertProblem(api.get("/api/admin/refund-cases/queue?limit=0", admin), 400, "validation-failed");
        assertProblem(api.get("/api/admin/refund-cases/queue?limit=501", admin), 400, "validation-failed");
    }

    @Test
    void aCustomersCasesArePagedNewestFirstAndFilteredByStatus() {
        Customer frank = api.register(unique("frank"));
        Customer gina = api.register(unique("gina"));
        RefundCase first = overdueOrder(frank).refundCase(inDays(7)).publish();
        RefundCase second = overdueOrder(frank).refundCase(inDays(7)).decided(Outcome.REJECTED, "in process").publish();
        RefundCase third = overdueOrder(frank).refundCase(inDays(7)).publish();
        RefundCase ginas = overdueOrder(gina).refundCase(inDays(7)).publish();
        awaitCase(first, frank.token(), "OPEN");
        awaitCase(second, frank.token(), "REJECTED");
        awaitCase(third, frank.token(), "OPEN");
        awaitCase(ginas, gina.token(), "OPEN");

        Response page1 = api.get("/api/refund-cases?limit=2", frank.token());
        assertThat(ids(page1)).containsExactly(third.refundCaseId.toString(), second.refundCaseId.toString());
        String cursor = page1.text("nextCursor");
        assertThat(cursor).isNotBlank();
        Response page2 = api.get("/api/refund-cases?limit=2&cursor=" + cursor, frank.token());
        assertThat(ids(page2)).containsExactly(first.refundCaseId.toString());
        assertThat(page2.json().path("nextCursor").isNull()).isTrue();

        assertThat(ids(api.get("/api/refund-cases?status=OPEN", frank.token())))
                .containsExactly(third.refundCaseId.toString(), first.refundCaseId.toString());
        assertThat(ids(api.get("/api/refund-cases?status=REJECTED", frank.token())))
                .containsExactly(second.refundCaseId.toString());

        // staff page through everyone's cases, newest first
        List<String> all = ids(api.get("/api/refund-cases?limit=500", admin));
        assertThat(all).containsSubsequence(ginas.refundCaseId.toString(), third.refundCaseId.toString(),
                second.refundCaseId.toString(), first.refundCaseId.toString());
        Response staffPage = api.get("/api/refund-cases?limit=1", admin);
        assertThat(ids(staffPage)).containsExactly(all.get(0));
        assertThat(ids(api.get("/api/refund-cases?limit=1&cursor=" + staffPage.text("nextCursor"), admin)))
                .containsExactly(all.get(1));

        assertProblem(api.get("/api/refund-cases?status=PENDING", frank.token()), 400, "validation-failed");
        assertProblem(api.get("/api/refund-cases?status=open", frank.token()), 400, "validation-failed");
        assertProblem(api.get("/api/refund-cases?limit=0", frank.token()), 400, "validation-failed");
        assertProblem(api.get("/api/refund-cases?cursor=garbage", frank.token()), 400, "validation-failed");
        assertProblem(api.get("/api/refund-cases", null), 401, "unauthorized");
    }

    @Test
    void theOrdersTimelineShowsItsCasesWhileItsStatusFollowsItsOwnEvents() {
        Customer hugo = api.register(unique("hugo"));
        History order = overdueOrder(hugo);
        awaitTimeline(order, hugo.token(), 2);

        // a first case: escalated, then rejected by the supplier; the order keeps processing
        RefundCase rejected = order.refundCase(inDays(7)).publish();
        rejected.escalated().publish();
        rejected.decided(Outcome.REJECTED, "still in process at the carrier").publish();
        JsonNode view = awaitTimeline(order, hugo.token(), 5).json();
        assertThat(view.path("status").asText()).isEqualTo("IN_PROCESS");
        assertThat(statuses(view.path("timeline")))
                .containsExactly("PENDING", "IN_PROCESS", "IN_PROCESS", "IN_PROCESS", "IN_PROCESS");
        assertThat(notes(view.path("timeline")).subList(2, 5)).satisfiesExactly(
                note -> assertThat(note).contains("opened", rejected.refundCaseId.toString()),
                note -> assertThat(note).contains("escalated"),
                note -> assertThat(note).contains("rejected", "still in process at the carrier"));

        // a second case approved: the order is cancelled by its own event, and the timeline shows both in order
        RefundCase approved = order.refundCase(inDays(7)).publish();
        approved.decided(Outcome.APPROVED, "not deliverable").publish();
        order.then(new OrderCancelled(order.orderId, "refund approved by the supplier (case "
                + approved.refundCaseId + ")", Instant.now())).publish();
        view = awaitTimeline(order, hugo.token(), 8).json();
        assertThat(view.path("status").asText()).isEqualTo("CANCELLED");
        JsonNode timeline = view.path("timeline");
        assertThat(statuses(timeline)).containsExactly("PENDING", "IN_PROCESS", "IN_PROCESS", "IN_PROCESS",
                "IN_PROCESS", "IN_PROCESS", "IN_PROCESS", "CANCELLED");
        assertThat(notes(timeline).get(6)).contains("approved");
        List<Instant> expected = List.of(order.at(0), order.at(1), rejected.at(0), rejected.at(1), rejected.at(2),
                approved.at(0), approved.at(1), order.at(2));
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Instant.parse(timeline.get(i).path("at").asText())).as("entry " + i).isEqualTo(expected.get(i));
        }

        // an order that completes while its case is open: the case closes, the order stays COMPLETED
        History completed = overdueOrder(hugo);
        RefundCase closed = completed.refundCase(inDays(7)).publish();
        completed.then(new OrderCompleted(completed.orderId, completed.encrypt("CODE"), Instant.now())).publish();
        closed.closed("the order completed while the case was open").publish();
        JsonNode completedView = awaitTimeline(completed, hugo.token(), 5).json();
        assertThat(completedView.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(statuses(completedView.path("timeline")))
                .containsExactly("PENDING", "IN_PROCESS", "IN_PROCESS", "COMPLETED", "COMPLETED");
        assertThat(notes(completedView.path("timeline")).get(4)).contains("closed", "the order completed");

        // staff see the same entries
        assertThat(api.get("/api/orders/" + order.orderId, admin).json().path("timeline")).isEqualTo(timeline);
    }

    @Test
    void aRedeliveredEventChangesNothing() {
        Customer ivan = api.register(unique("ivan"));
        History order = overdueOrder(ivan);
        RefundCase refundCase = order.refundCase(inDays(7)).escalated().decided(Outcome.APPROVED, "refund").publish();
        order.then(new OrderCancelled(order.orderId, "refund approved by the supplier", Instant.now())).publish();
        String caseBefore = awaitCase(refundCase, ivan.token(), "APPROVED").raw().body();
        String orderBefore = awaitTimeline(order, ivan.token(), 6).raw().body();

        // every event again, the oldest first and then out of order: no status goes back, no entry doubles
        for (int i : new int[]{0, 1, 2, 1, 0}) {
            OrderEventsFixture.redeliver(projection, jdbc, refundCase.events.get(i));
            OrderEventsFixture.redeliver(orderProjection, jdbc, refundCase.events.get(i));
        }
        assertThat(api.get("/api/refund-cases/" + refundCase.refundCaseId, ivan.token()).raw().body())
                .isEqualTo(caseBefore);
        assertThat(api.get("/api/orders/" + order.orderId, ivan.token()).raw().body()).isEqualTo(orderBefore);
        assertThat(jdbc.sql("SELECT count(*) FROM order_timeline WHERE order_id = ?").param(order.orderId)
                       .query(Long.class).single()).isEqualTo(6);
    }

    /** Both read models rebuilt from the events (the rebuild beside the live tables) read exactly as before. */
    @Test
    void aReplayRebuildsTheCasesAndTheTimelines() {
        Customer jane = api.register(unique("jane"));
        History order = overdueOrder(jane);
        RefundCase refundCase = order.refundCase(inDays(-1)).escalated().decided(Outcome.REJECTED, "in process").publish();
        RefundCase open = overdueOrder(jane).refundCase(inDays(3)).publish();
        String caseBefore = awaitCase(refundCase, jane.token(), "REJECTED").raw().body();
        String openBefore = awaitCase(open, jane.token(), "OPEN").raw().body();
        String listBefore = api.get("/api/refund-cases?limit=500", admin).raw().body();
        String orderBefore = awaitTimeline(order, jane.token(), 5).raw().body();

        Rebuilds.rebuild(operations, List.of(RefundCaseProjection.PROCESSING_GROUP, OrderProjection.PROCESSING_GROUP));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(api.get("/api/refund-cases/" + refundCase.refundCaseId, jane.token()).raw().body())
                    .isEqualTo(caseBefore);
            assertThat(api.get("/api/refund-cases/" + open.refundCaseId, jane.token()).raw().body()).isEqualTo(openBefore);
            assertThat(api.get("/api/refund-cases?limit=500", admin).raw().body()).isEqualTo(listBefore);
            assertThat(api.get("/api/orders/" + order.orderId, jane.token()).raw().body()).isEqualTo(orderBefore);
        });
    }

    @Test
    void theReadApiIsInTheOpenApiDocument() {
        JsonNode paths = api.get("/v3/api-docs", null).json().path("paths");
        for (String path : List.of("/api/refund-cases", "/api/refund-cases/{refundCaseId}",
                "/api/admin/refund-cases/queue")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
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
        list.json().path("items").forEach(item -> ids.add(item.path("refundCaseId").asText()));
        return ids;
    }

    static JsonNode item(Response list, RefundCase refundCase) {
        for (JsonNode item : list.json().path("items")) {
            if (item.path("refundCaseId").asText().equals(refundCase.refundCaseId.toString())) {
                return item;
            }
        }
        throw new AssertionError("not in the list: " + refundCase.refundCaseId);
    }

    static List<String> notes(JsonNode timeline) {
        List<String> notes = new ArrayList<>();
        timeline.forEach(entry -> notes.add(entry.path("note").asText()));
        return notes;
    }
}
