package shop.ledger.standalone.query;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.withdrawal.ReconciliationProjection;
import shop.ledger.query.withdrawal.WithdrawalProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.query.WithdrawalEventsFixture.Withdrawal;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.query.CatalogueQueryTest.assertProblem;
import static shop.ledger.standalone.query.OrderQueryTest.unique;

/**
 * GET /api/withdrawals/{id}, GET /api/me/withdrawals, the finance list and CSV export, and the reconciliation
 * runs, from withdrawal and reconciliation events (API.md, Withdrawals; R10, R11).
 */
@ReadSideTest
class WithdrawalQueryTest {

    @LocalServerPort
    int port;
    @Autowired
    EventStore eventStore;
    @Autowired
    KeyVault vault;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    WithdrawalProjection projection;
    @Autowired
    ReconciliationProjection reconciliations;
    @Autowired
    ProjectionOperations operations;

    ApiClient api;
    String admin;
    WithdrawalEventsFixture fixture;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        fixture = new WithdrawalEventsFixture(eventStore, vault);
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A day of its own, years back, so the period filters see only this test's withdrawals. */
    static LocalDate aDayOfItsOwn() {
        return LocalDate.of(2001, 1, 1).plusDays(ThreadLocalRandom.current().nextInt(7_000));
    }

    static Instant at(LocalDate day, int hour) {
        return day.atTime(hour, 0).toInstant(ZoneOffset.UTC);
    }

    Withdrawal withdrawal(Customer customer, Instant requestedAt, long amount) {
        return fixture.withdrawal(customer.customerId(), customer.walletId(), requestedAt).requested(amount, "USD");
    }

    /**
     * The withdrawal as the caller sees it after every event appended so far: one read that names the store's head
     * (read your own writes), which already shows it with {@code status}.
     */
    Response awaitWithdrawal(Withdrawal withdrawal, String token, String status) {
        Response response = afterHead("/api/withdrawals/" + withdrawal.withdrawalId, token);
        assertThat(response.text("status")).isEqualTo(status);
        return response;
    }

    Response awaitReconciled(Withdrawal withdrawal, String token) {
        Response response = afterHead("/api/withdrawals/" + withdrawal.withdrawalId, token);
        assertThat(response.json().path("reconciled").asBoolean()).isTrue();
        return response;
    }

    /** A 200 read that reflects every event appended so far (the fixture writes to the event store, not over HTTP). */
    Response afterHead(String path, String token) {
        Response response = api.getAfter(OrderEventsFixture.head(jdbc), path, token);
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        return response;
    }

    @Test
    void theOwnerSeesTheirWithdrawalAnotherCustomerGets404AndStaffSeeEveryOne() {
        Customer alice = api.register(unique("alice"));
        Customer bob = api.register(unique("bob"));
        Instant requestedAt = now().minus(1, ChronoUnit.HOURS);
        Withdrawal withdrawal = withdrawal(alice, requestedAt, 12_550).submitted("po_" + UUID.randomUUID()).paid()
                                                                      .publish();

        Response response = awaitWithdrawal(withdrawal, alice.token(), "PAID");
        JsonNode view = response.json();
        assertThat(view.path("withdrawalId").asText()).isEqualTo(withdrawal.withdrawalId.toString());
        assertThat(view.path("amount").path("amount").asLong()).isEqualTo(12_550);
        assertThat(view.path("amount").path("currency").asText()).isEqualTo("USD");
        assertThat(Instant.parse(view.path("requestedAt").asText())).isEqualTo(requestedAt);
        assertThat(view.path("payoutReference").asText()).isEqualTo(withdrawal.payoutReference);
        assertThat(Instant.parse(view.path("paidAt").asText())).isEqualTo(withdrawal.at(2));
        assertThat(view.path("failureReason").isNull()).isTrue();
        assertThat(view.path("reconciled").asBoolean()).isFalse();
        assertThat(view.path("customerId").asText()).isEqualTo(alice.customerId().toString());
        // the destination is nowhere: neither in clear nor encrypted (R11)
        assertThat(response.raw().body()).doesNotContain(WithdrawalEventsFixture.DESTINATION, "0532",
                withdrawal.encryptedDestination).doesNotContainIgnoringCase("destination");
        assertThat(ids(api.get("/api/me/withdrawals", alice.token()))).contains(withdrawal.withdrawalId.toString());

        // another customer cannot tell it exists
        assertProblem(api.get("/api/withdrawals/" + withdrawal.withdrawalId, bob.token()), 404, "not-found");
        assertThat(ids(api.get("/api/me/withdrawals?limit=500", bob.token()))).isEmpty();
        assertProblem(api.get("/api/withdrawals/" + UUID.randomUUID(), alice.token()), 404, "not-found");
        assertProblem(api.get("/api/withdrawals/not-a-uuid", alice.token()), 404, "not-found");
        assertProblem(api.get("/api/withdrawals/" + withdrawal.withdrawalId, null), 401, "unauthorized");
        assertProblem(api.get("/api/me/withdrawals", null), 401, "unauthorized");

        // every staff role reads it by id, the same as its owner
        for (String token : List.of(admin, staff("FINANCE"), staff("AUDITOR"), staff("ADMIN"))) {
            Response seen = api.get("/api/withdrawals/" + withdrawal.withdrawalId, token);
            assertThat(seen.status()).isEqualTo(200);
            assertThat(seen.raw().body()).isEqualTo(response.raw().body());
        }
    }

    @Test
    void theStatusFollowsTheWithdrawalsEvents() {
        Customer carol = api.register(unique("carol"));
        Instant requestedAt = now().minus(2, ChronoUnit.HOURS);
        Withdrawal withdrawal = withdrawal(carol, requestedAt, 5_000).publish();
        JsonNode requested = awaitWithdrawal(withdrawal, carol.token(), "REQUESTED").json();
        for (String absent : List.of("payoutReference", "paidAt", "failureReason")) {
            assertThat(requested.path(absent).isNull()).as(absent).isTrue();
        }

        withdrawal.submitted("po_carol_1").publish();
        JsonNode submitted = awaitWithdrawal(withdrawal, carol.token(), "PAYOUT_SUBMITTED").json();
        assertThat(submitted.path("payoutReference").asText()).isEqualTo("po_carol_1");
        assertThat(submitted.path("paidAt").isNull()).isTrue();

        withdrawal.failed("account closed at the receiving bank").publish();
        JsonNode failed = awaitWithdrawal(withdrawal, carol.token(), "FAILED").json();
        assertThat(failed.path("failureReason").asText()).isEqualTo("account closed at the receiving bank");
        assertThat(failed.path("payoutReference").asText()).isEqualTo("po_carol_1");
        assertThat(failed.path("paidAt").isNull()).isTrue();

        // reconciled keeps the status the payout gave it
        withdrawal.reconciled(UUID.randomUUID()).publish();
        JsonNode reconciled = awaitReconciled(withdrawal, carol.token()).json();
        assertThat(reconciled.path("status").asText()).isEqualTo("FAILED");
        assertThat(reconciled.path("failureReason").asText()).isEqualTo("account closed at the receiving bank");
    }

    @Test
    void aCustomersWithdrawalsArePagedNewestFirstAndFilteredByStatus() {
        Customer dave = api.register(unique("dave"));
        Customer erin = api.register(unique("erin"));
        Instant base = now().minus(3, ChronoUnit.HOURS);
        Withdrawal first = withdrawal(dave, base, 1_000).submitted("po_d1").paid().publish();
        Withdrawal second = withdrawal(dave, base.plusSeconds(1), 2_000).submitted("po_d2").failed("refused").publish();
        Withdrawal third = withdrawal(dave, base.plusSeconds(2), 3_000).publish();
        Withdrawal erins = withdrawal(erin, base.plusSeconds(3), 4_000).publish();
        awaitWithdrawal(first, dave.token(), "PAID");
        awaitWithdrawal(second, dave.token(), "FAILED");
        awaitWithdrawal(third, dave.token(), "REQUESTED");
        awaitWithdrawal(erins, erin.token(), "REQUESTED");

        Response page1 = api.get("/api/me/withdrawals?limit=2", dave.token());
        assertThat(ids(page1)).containsExactly(third.withdrawalId.toString(), second.withdrawalId.toString());
        String cursor = page1.text("nextCursor");
        assertThat(cursor).isNotBlank();
        Response page2 = api.get("/api/me/withdrawals?limit=2&cursor=" + cursor, dave.token());
        assertThat(ids(page2)).containsExactly(first.withdrawalId.toString());
        assertThat(page2.json().path("nextCursor").isNull()).isTrue();

        assertThat(ids(api.get("/api/me/withdrawals?status=PAID", dave.token())))
                .containsExactly(first.withdrawalId.toString());
        assertThat(ids(api.get("/api/me/withdrawals?status=FAILED", dave.token())))
                .containsExactly(second.withdrawalId.toString());
        assertThat(ids(api.get("/api/me/withdrawals?status=PAYOUT_SUBMITTED", dave.token()))).isEmpty();
        assertThat(ids(api.get("/api/me/withdrawals", erin.token()))).containsExactly(erins.withdrawalId.toString());

        assertProblem(api.get("/api/me/withdrawals?status=PENDING", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/me/withdrawals?limit=0", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/me/withdrawals?limit=501", dave.token()), 400, "validation-failed");
        assertProblem(api.get("/api/me/withdrawals?cursor=garbage", dave.token()), 400, "validation-failed");
    }

    @Test
    void financeListsEveryonesWithdrawalsByStatusAndPeriod() {
        Customer frank = api.register(unique("frank"));
        Customer gina = api.register(unique("gina"));
        LocalDate day = aDayOfItsOwn();
        Withdrawal early = withdrawal(frank, at(day, 0), 1_000).submitted("po_f1").paid().publish();
        Withdrawal midday = withdrawal(gina, at(day, 12), 2_000).submitted("po_g1").publish();
        Withdrawal late = withdrawal(frank, at(day, 23).plusSeconds(3599), 3_000).publish();
        Withdrawal nextDay = withdrawal(gina, at(day.plusDays(1), 0), 4_000).publish();
        Withdrawal dayBefore = withdrawal(gina, at(day, 0).minusMillis(1), 5_000).publish();
        awaitWithdrawal(early, frank.token(), "PAID");
        awaitWithdrawal(midday, gina.token(), "PAYOUT_SUBMITTED");
        awaitWithdrawal(late, frank.token(), "REQUESTED");
        awaitWithdrawal(nextDay, gina.token(), "REQUESTED");
        awaitWithdrawal(dayBefore, gina.token(), "REQUESTED");
        String finance = staff("FINANCE");

        // a date as 'to' includes that whole day; newest first
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + day + "&to=" + day, finance)))
                .containsExactly(late.withdrawalId.toString(), midday.withdrawalId.toString(),
                        early.withdrawalId.toString());
        // instants: from inclusive, to exclusive
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + at(day, 0) + "&to=" + at(day, 12), finance)))
                .containsExactly(early.withdrawalId.toString());
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + at(day, 12) + "&to=" + at(day.plusDays(1), 0)
                + "&status=REQUESTED", finance))).containsExactly(late.withdrawalId.toString());
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + day + "&to=" + day.plusDays(1)
                + "&status=REQUESTED", finance))).containsExactly(nextDay.withdrawalId.toString(),
                late.withdrawalId.toString());
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + day + "&to=" + day + "&status=PAID", finance)))
                .containsExactly(early.withdrawalId.toString());
        assertThat(ids(api.get("/api/finance/withdrawals?from=" + day.minusDays(1) + "&to=" + day.minusDays(1), finance)))
                .containsExactly(dayBefore.withdrawalId.toString());

        // paged like every list
        Response page1 = api.get("/api/finance/withdrawals?from=" + day + "&to=" + day.plusDays(1) + "&limit=3", finance);
        assertThat(ids(page1)).containsExactly(nextDay.withdrawalId.toString(), late.withdrawalId.toString(),
                midday.withdrawalId.toString());
        Response page2 = api.get("/api/finance/withdrawals?from=" + day + "&to=" + day.plusDays(1) + "&limit=3&cursor="
                + page1.text("nextCursor"), finance);
        assertThat(ids(page2)).containsExactly(early.withdrawalId.toString());
        assertThat(page2.json().path("nextCursor").isNull()).isTrue();

        JsonNode item = page1.json().path("items").get(2);
        assertThat(item.path("customerId").asText()).isEqualTo(gina.customerId().toString());
        assertThat(item.path("amount").path("amount").asLong()).isEqualTo(2_000);
        assertThat(item.path("payoutReference").asText()).isEqualTo("po_g1");

        // FINANCE only; the administrator has every staff role
        assertThat(api.get("/api/finance/withdrawals?limit=1", admin).status()).isEqualTo(200);
        assertProblem(api.get("/api/finance/withdrawals", frank.token()), 403, "forbidden");
        assertProblem(api.get("/api/finance/withdrawals", staff("AUDITOR")), 403, "forbidden");
        assertProblem(api.get("/api/finance/withdrawals", staff("ADMIN")), 403, "forbidden");
        assertProblem(api.get("/api/finance/withdrawals", null), 401, "unauthorized");

        assertProblem(api.get("/api/finance/withdrawals?from=yesterday", finance), 400, "validation-failed");
        assertProblem(api.get("/api/finance/withdrawals?from=" + day.plusDays(1) + "&to=" + day.minusDays(1), finance),
                400, "validation-failed");
        assertProblem(api.get("/api/finance/withdrawals?status=paid", finance), 400, "validation-failed");
        assertProblem(api.get("/api/finance/withdrawals?format=pdf", finance), 400, "validation-failed");
        assertProblem(api.get("/api/finance/withdrawals?limit=501", finance), 400, "validation-failed");
    }

    @Test
    void financeExportsAWholePeriodAsCsvWithoutPaging() throws Exception {
        Customer hugo = api.register(unique("hugo"));
        LocalDate day = aDayOfItsOwn();
        List<Withdrawal> many = new ArrayList<>();
        for (int i = 0; i < 520; i++) {
            many.add(withdrawal(hugo, at(day, 1).plusSeconds(i), 100 + i));
        }
        Withdrawal paid = withdrawal(hugo, at(day, 10), 12_550).submitted("po_h,\"1\"").paid().reconciled(UUID.randomUUID());
        Withdrawal formula = withdrawal(hugo, at(day, 11), 5).submitted("=HYPERLINK(\"http://evil\")");
        Withdrawal other = withdrawal(hugo, at(day.plusDays(1), 1), 7);
        many.add(paid);
        many.add(formula);
        many.add(other);
        List<DomainEventMessage<?>> events = new ArrayList<>();
        many.forEach(withdrawal -> events.addAll(withdrawal.events));
        eventStore.publish(events);
        awaitReconciled(paid, hugo.token());
        awaitWithdrawal(formula, hugo.token(), "PAYOUT_SUBMITTED");
        awaitWithdrawal(many.get(0), hugo.token(), "REQUESTED");
        awaitWithdrawal(other, hugo.token(), "REQUESTED");
        String finance = staff("FINANCE");

        HttpResponse<String> byAccept = csv("/api/finance/withdrawals?from=" + day + "&to=" + day, finance, "text/csv");
        assertThat(byAccept.statusCode()).isEqualTo(200);
        assertThat(byAccept.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
        assertThat(byAccept.headers().firstValue("content-disposition").orElseThrow()).contains("attachment");
        List<String> lines = List.of(byAccept.body().split("\r\n", -1));
        assertThat(lines.get(0))
                .isEqualTo("withdrawal_id,customer_id,amount,currency,status,requested_at,payout_reference,paid_at,reconciled");
        assertThat(lines.get(lines.size() - 1)).isEmpty(); // every line ends in CRLF
        assertThat(lines).hasSize(1 + 522 + 1);
        // newest first, as the list
        assertThat(lines.get(1)).isEqualTo(formula.withdrawalId + "," + hugo.customerId() + ",0.05,USD,PAYOUT_SUBMITTED,"
                + at(day, 11) + ",\"'=HYPERLINK(\"\"http://evil\"\")\",,false");
        assertThat(lines.get(2)).isEqualTo(paid.withdrawalId + "," + hugo.customerId() + ",125.50,USD,PAID,"
                + at(day, 10) + ",\"po_h,\"\"1\"\"\"," + paid.at(2) + ",true");
        assertThat(lines.get(3)).isEqualTo(many.get(519).withdrawalId + "," + hugo.customerId() + ",6.19,USD,REQUESTED,"
                + at(day, 1).plusSeconds(519) + ",,,false");
        assertThat(lines.get(522)).startsWith(many.get(0).withdrawalId + "," + hugo.customerId() + ",1.00,USD,");
        assertThat(byAccept.body()).doesNotContain(other.withdrawalId.toString());

        // the same by parameter, whatever the Accept header says
        HttpResponse<String> byParameter = csv("/api/finance/withdrawals?format=csv&from=" + day + "&to=" + day,
                finance, "application/json");
        assertThat(byParameter.statusCode()).isEqualTo(200);
        assertThat(byParameter.body()).isEqualTo(byAccept.body());

        // filters apply
        List<String> paidOnly = List.of(csv("/api/finance/withdrawals?format=csv&status=PAID&from=" + day + "&to=" + day,
                finance, "text/csv").body().split("\r\n"));
        assertThat(paidOnly).hasSize(2);
        assertThat(paidOnly.get(1)).startsWith(paid.withdrawalId.toString());

        // refused like the list, as problem+json
        HttpResponse<String> forbidden = csv("/api/finance/withdrawals?format=csv", hugo.token(), "text/csv");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        HttpResponse<String> invalid = csv("/api/finance/withdrawals?from=garbage", finance, "text/csv");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.headers().firstValue("content-type").orElseThrow()).startsWith("application/problem+json");
    }

    @Test
    void financeReadsAReconciliationRunWhole() {
        Customer ivan = api.register(unique("ivan"));
        Withdrawal matched = withdrawal(ivan, now().minusSeconds(600), 1_000).submitted("po_i1").paid();
        Withdrawal mismatched = withdrawal(ivan, now().minusSeconds(500), 2_000).submitted("po_i2").paid();
        Withdrawal missing = withdrawal(ivan, now().minusSeconds(400), 3_000).submitted("po_i3");
        UUID reconciliationId = UUID.randomUUID();
        matched.reconciled(reconciliationId);
        for (Withdrawal withdrawal : List.of(matched, mismatched, missing)) {
            withdrawal.publish();
        }
        Instant completedAt = now();
        ReconciliationCompleted run = new ReconciliationCompleted(reconciliationId, "CSV",
                "match by payout reference; amount, currency and status must agree", 3,
                List.of(matched.withdrawalId), List.of("po_unknown"), List.of(missing.withdrawalId),
                List.of(WithdrawalEventsFixture.mismatch("po_i2", mismatched.withdrawalId, "amount", "19.99 USD",
                        "20.00 USD")),
                "staff:" + UUID.randomUUID(), completedAt);
        fixture.reconciliation(run);
        String finance = staff("FINANCE");

        Response response = afterHead("/api/finance/reconciliations/" + reconciliationId, finance);
        JsonNode view = response.json();
        assertThat(view.path("reconciliationId").asText()).isEqualTo(reconciliationId.toString());
        assertThat(view.path("format").asText()).isEqualTo("CSV");
        assertThat(view.path("rules").asText()).startsWith("match by payout reference");
        assertThat(view.path("statementLines").asInt()).isEqualTo(3);
        assertThat(view.path("matched").asInt()).isEqualTo(1);
        assertThat(view.path("unmatchedStatementLines").asInt()).isEqualTo(1);
        assertThat(view.path("unmatchedWithdrawals").asInt()).isEqualTo(1);
        assertThat(texts(view.path("matchedWithdrawals"))).containsExactly(matched.withdrawalId.toString());
        assertThat(texts(view.path("unmatchedStatementReferences"))).containsExactly("po_unknown");
        assertThat(texts(view.path("unmatchedWithdrawalIds"))).containsExactly(missing.withdrawalId.toString());
        assertThat(view.path("mismatches")).hasSize(1);
        JsonNode mismatch = view.path("mismatches").get(0);
        assertThat(mismatch.path("payoutReference").asText()).isEqualTo("po_i2");
        assertThat(mismatch.path("withdrawalId").asText()).isEqualTo(mismatched.withdrawalId.toString());
        assertThat(mismatch.path("field").asText()).isEqualTo("amount");
        assertThat(mismatch.path("statement").asText()).isEqualTo("19.99 USD");
        assertThat(mismatch.path("ledger").asText()).isEqualTo("20.00 USD");
        assertThat(view.path("submittedBy").asText()).isEqualTo(run.submittedBy());
        assertThat(Instant.parse(view.path("completedAt").asText())).isEqualTo(completedAt);

        // the matched withdrawal reads reconciled; the others do not
        assertThat(awaitReconciled(matched, ivan.token()).json().path("status").asText()).isEqualTo("PAID");
        assertThat(api.get("/api/withdrawals/" + mismatched.withdrawalId, ivan.token()).json().path("reconciled")
                      .asBoolean()).isFalse();

        assertProblem(api.get("/api/finance/reconciliations/" + UUID.randomUUID(), finance), 404, "not-found");
        assertProblem(api.get("/api/finance/reconciliations/not-a-uuid", finance), 404, "not-found");
        assertProblem(api.get("/api/finance/reconciliations/" + reconciliationId, ivan.token()), 403, "forbidden");
        assertProblem(api.get("/api/finance/reconciliations/" + reconciliationId, staff("AUDITOR")), 403, "forbidden");
    }

    @Test
    void aRedeliveredEventChangesNothing() {
        Customer jane = api.register(unique("jane"));
        UUID reconciliationId = UUID.randomUUID();
        Withdrawal withdrawal = withdrawal(jane, now().minusSeconds(300), 7_700).submitted("po_j1").paid()
                                                                             .reconciled(reconciliationId).publish();
        DomainEventMessage<?> run = fixture.reconciliation(new ReconciliationCompleted(reconciliationId, "CAMT053",
                "by reference", 1, List.of(withdrawal.withdrawalId), List.of(), List.of(), List.of(), "staff:x", now()));
        String finance = staff("FINANCE");
        String before = awaitReconciled(withdrawal, jane.token()).raw().body();
        String runBefore = afterHead("/api/finance/reconciliations/" + reconciliationId, finance).raw().body();
        String listBefore = api.get("/api/me/withdrawals", jane.token()).raw().body();

        // every event again, the oldest first and then out of order: no status goes back, nothing doubles
        for (int i : new int[]{0, 1, 2, 3, 2, 1, 0}) {
            OrderEventsFixture.redeliver(projection, jdbc, withdrawal.events.get(i));
        }
        OrderEventsFixture.redeliver(reconciliations, jdbc, run);

        assertThat(api.get("/api/withdrawals/" + withdrawal.withdrawalId, jane.token()).raw().body()).isEqualTo(before);
        assertThat(api.get("/api/me/withdrawals", jane.token()).raw().body()).isEqualTo(listBefore);
        assertThat(api.get("/api/finance/reconciliations/" + reconciliationId, finance).raw().body()).isEqualTo(runBefore);
        assertThat(jdbc.sql("SELECT count(*) FROM reconciliation_view WHERE reconciliation_id = ?")
                       .param(reconciliationId).query(Long.class).single()).isEqualTo(1);
    }

    /** Both read models rebuilt from the events (the rebuild beside the live tables) read exactly as before. */
    @Test
    void aReplayRebuildsWithdrawalsAndReconciliations() {
        Customer kate = api.register(unique("kate"));
        UUID reconciliationId = UUID.randomUUID();
        Withdrawal paid = withdrawal(kate, now().minusSeconds(200), 1_234).submitted("po_k1").paid()
                                                                       .reconciled(reconciliationId).publish();
        Withdrawal failed = withdrawal(kate, now().minusSeconds(100), 4_321).submitted("po_k2").failed("refused")
                                                                         .publish();
        fixture.reconciliation(new ReconciliationCompleted(reconciliationId, "CSV", "by reference", 2,
                List.of(paid.withdrawalId), List.of(), List.of(), List.of(), "staff:y", now()));
        String finance = staff("FINANCE");
        String paidBefore = awaitReconciled(paid, kate.token()).raw().body();
        String failedBefore = awaitWithdrawal(failed, kate.token(), "FAILED").raw().body();
        String runBefore = afterHead("/api/finance/reconciliations/" + reconciliationId, finance).raw().body();
        String listBefore = api.get("/api/me/withdrawals", kate.token()).raw().body();

        Rebuilds.rebuild(operations, List.of(WithdrawalProjection.PROCESSING_GROUP, ReconciliationProjection.PROCESSING_GROUP));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(api.get("/api/withdrawals/" + paid.withdrawalId, kate.token()).raw().body()).isEqualTo(paidBefore);
            assertThat(api.get("/api/withdrawals/" + failed.withdrawalId, kate.token()).raw().body())
                    .isEqualTo(failedBefore);
            assertThat(api.get("/api/me/withdrawals", kate.token()).raw().body()).isEqualTo(listBefore);
            assertThat(api.get("/api/finance/reconciliations/" + reconciliationId, finance).raw().body())
                    .isEqualTo(runBefore);
        });
    }

    @Test
    void theReadModelHasNoPlaceForTheDestination() {
        List<String> columns = jdbc.sql("""
                                            SELECT column_name FROM information_schema.columns
                                            WHERE table_name IN ('withdrawal_view', 'reconciliation_view')""")
                                   .query(String.class).list();
        assertThat(columns).isNotEmpty().noneMatch(column -> column.contains("destination"));
    }

    @Test
    void theReadApiIsInTheOpenApiDocument() {
        JsonNode paths = api.get("/v3/api-docs", null).json().path("paths");
        for (String path : List.of("/api/withdrawals/{withdrawalId}", "/api/me/withdrawals",
                "/api/finance/withdrawals", "/api/finance/reconciliations/{reconciliationId}")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        JsonNode content = paths.path("/api/finance/withdrawals").path("get").path("responses").path("200")
                                .path("content");
        assertThat(content.has("text/csv")).as(content.toString()).isTrue();
        assertThat(content.path("*/*").path("schema").path("$ref").asText()).as(content.toString())
                                                                     .endsWith("PageWithdrawalResponse");
        assertThat(paths.path("/api/withdrawals/{withdrawalId}").toString()).doesNotContainIgnoringCase("destination");
    }

    private HttpResponse<String> csv(String path, String token, String accept) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                         .header("Authorization", "Bearer " + token)
                                         .header("Accept", accept)
                                         .timeout(Duration.ofSeconds(30))
                                         .GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
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
        list.json().path("items").forEach(item -> ids.add(item.path("withdrawalId").asText()));
        return ids;
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
