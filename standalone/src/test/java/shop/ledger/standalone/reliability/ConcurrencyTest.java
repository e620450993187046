package shop.ledger.standalone.reliability;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Actor;
import shop.ledger.api.order.OrderCommands.CompleteOrder;
import shop.ledger.api.order.OrderCommands.RejectOrder;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import shop.ledger.standalone.seed.CatalogueSeed;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.axonframework.messaging.GenericMessage.asMessage;

/**
 * Concurrency (issue 8): hundreds of parallel reservations against one wallet never overdraw it, and parallel
 * cancel / complete / reject / refund decisions on one order resolve to exactly one outcome with exactly one
 * money movement. Real HTTP requests from parallel threads; the supplier's completion and rejection, which no
 * HTTP endpoint offers, as the Axon commands the fulfilment saga sends.
 * <p>
 * {@code -Dreliability.long=true} runs more rounds and more races.
 */
@StandaloneTest
class ConcurrencyTest {

    private static final Logger log = LoggerFactory.getLogger(ConcurrencyTest.class);
    static final UUID UNLOCK = CatalogueSeed.serviceId("1001");
    static final long UNLOCK_PRICE = 2499;
    /** A service fulfilled by the simulator that is overdue one second after submission, so a case can be opened. */
    static final UUID QUICK = UUID.nameUUIDFromBytes("reliability:race-check".getBytes());
    static final long QUICK_PRICE = 700;
    static final long FEE = 300;
    static final Map<String, Object> FIGURES = new ConcurrentHashMap<>();

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CommandGateway commands;

    LedgerProbe probe;
    ApiClient api;
    JsonNode verificationServiceBefore;

    @BeforeEach
    void setUp() {
        probe = new LedgerProbe(port, jdbc);
        api = probe.api;
    }

    @AfterEach
    void restoreTheVerificationService() {
        if (verificationServiceBefore != null) {
            define(CatalogueSeed.serviceId("742"), verificationServiceBefore);
            verificationServiceBefore = null;
        }
    }

    @AfterAll
    static void report() throws IOException {
        StringBuilder text = new StringBuilder("concurrency (long=" + LedgerProbe.LONG + ")\n");
        new java.util.TreeMap<>(FIGURES).forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
        Path report = Path.of("target", "reliability", "concurrency.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, text);
        log.info("{}", text);
    }

    // --- hundreds of reservations against one wallet ----------------------------------------------------------

    @Test
    void parallelReservationsNeverOverdrawOneWallet() throws Exception {
        int rounds = LedgerProbe.LONG ? 3 : 1;
        int requests = LedgerProbe.LONG ? 400 : 200;
        int debits = 20;
        long debit = 500;
        long acceptedTotal = 0;
        long refusedTotal = 0;
        for (int round = 0; round < rounds; round++) {
            // room for about a third of the orders and some of the debits: most requests must be refused
            long balance = UNLOCK_PRICE * (requests / 3) + debit * (debits / 2) + 123;
            Customer customer = probe.fundedCustomer("crowd", balance);
            ExecutorService pool = Executors.newFixedThreadPool(24);
            CyclicBarrier start = new CyclicBarrier(24);
            List<Future<Response>> orders = new ArrayList<>();
            List<String> imeis = new ArrayList<>();
            List<Future<Response>> adjustments = new ArrayList<>();
            try {
                for (int i = 0; i < requests; i++) {
                    String imei = LedgerProbe.imei();
                    imeis.add(imei);
                    orders.add(pool.submit(startingTogether(start, i, () -> probe.order(customer, UNLOCK, imei))));
                    if (i % (requests / debits) == 0) {
                        adjustments.add(pool.submit(() -> probe.post("/api/admin/wallets/" + customer.walletId() + "/adjustments",
                                probe.admin, ApiClient.json(Map.of("amount", -debit, "currency", "USD",
                                        "reason", "reliability: a staff debit racing the orders")))));
                    }
                }
                List<String> created = new ArrayList<>();
                Map<String, String> imeiOf = new LinkedHashMap<>();
                int busy = 0;
                for (int i = 0; i < orders.size(); i++) {
                    Response response = orders.get(i).get(3, TimeUnit.MINUTES);
                    if (response.status() == 201) {
                        created.add(response.text("orderId"));
                        imeiOf.put(response.text("orderId"), imeis.get(i));
                    } else if (response.status() == 503) {
                        busy += serviceUnavailable(response);
                    } else {
                        assertThat(response.status()).as(response.raw().body()).isEqualTo(409);
                        assertThat(response.text("type")).isIn("/problems/insufficient-funds", "/problems/conflict");
                    }
                }
                int debited = 0;
                for (Future<Response> answer : adjustments) {
                    Response response = answer.get(3, TimeUnit.MINUTES);
                    if (response.status() == 201) {
                        debited++;
                    } else if (response.status() == 503) {
                        busy += serviceUnavailable(response);
                    } else {
                        assertThat(response.status()).as(response.raw().body()).isEqualTo(409);
                        assertThat(response.text("type")).isEqualTo("/problems/insufficient-funds");
                    }
                }
                FIGURES.merge("reservations: answered 503 (no connection free; nothing changed)", busy, (a, b) -> (int) a + (int) b);
                long reserved = created.size() * UNLOCK_PRICE;
                long spent = reserved + debited * debit;
                assertThat(spent).as("accepted never exceed the balance").isLessThanOrEqualTo(balance);
                if (busy == 0) {
                    assertThat(balance - spent).as("refused only for want of funds, not from a lost race")
                                               .isLessThan(UNLOCK_PRICE + debit);
                }
                probe.awaitWallet(customer, balance - spent, reserved);
                acceptedTotal += created.size() + debited;
                refusedTotal += requests + adjustments.size() - created.size() - debited;
                FIGURES.merge("reservations: requests", requests + adjustments.size(), (a, b) -> (int) a + (int) b);

                settleAtTheSupplier(customer, created, imeiOf, balance - debited * debit);
            } finally {
                pool.shutdownNow();
            }
        }
        FIGURES.put("reservations: accepted", acceptedTotal);
        FIGURES.put("reservations: refused (insufficient funds)", refusedTotal);
        FIGURES.put("reservations: rounds", rounds);
        probe.awaitAuditOk();
    }

    /** Every connection busy for the pool's timeout: a 503 problem that changed nothing, which a client retries. */
    private static int serviceUnavailable(Response response) {
        assertThat(response.contentType()).as(response.raw().body()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/service-unavailable");
        return 1;
    }

    private static <T> Callable<T> startingTogether(CyclicBarrier start, int index, Callable<T> work) {
        return () -> {
            if (index < start.getParties()) {
                start.await(30, TimeUnit.SECONDS); // the first wave leaves at once
            }
            return work.call();
        };
    }

    /**
     * Ends every accepted order at the supplier (every other one rejected), so nothing is left being polled, and
     * checks the end: each order captured or released exactly once, nothing held, the balance exact.
     */
    private void settleAtTheSupplier(Customer customer, List<String> orderIds, Map<String, String> imeiOf,
                                     long afterDebits) throws Exception {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String orderId : orderIds) {
                assertThat(probe.orderStatus(customer, orderId)).as(orderId).isIn("IN_PROCESS", "NEEDS_ATTENTION");
            }
        });
        for (String orderId : orderIds) {
            awaitInProcess(customer, orderId, imeiOf.get(orderId));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Map<String, Integer> decided = new ConcurrentHashMap<>();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < orderIds.size(); i++) {
                String orderId = orderIds.get(i);
                int status = i % 2 == 0 ? 4 : 3;
                decided.put(orderId, status);
                work.add(pool.submit(() -> {
                    String reference = api.get("/simulator/dhru/control/orders?imei=" + imeiOf.get(orderId), probe.admin)
                                          .json().path("items").path(0).path("referenceId").asText();
                    Response told = api.post("/simulator/dhru/control/orders/" + reference, probe.admin,
                            ApiClient.json(Map.of("status", status, "code", status == 4 ? "NCK: 0000" : "rejected in a test")));
                    assertThat(told.status()).isBetween(200, 299);
                    return null;
                }));
            }
            for (Future<?> done : work) {
                done.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String orderId : orderIds) {
                assertThat(probe.orderStatus(customer, orderId)).as(orderId).isIn("COMPLETED", "REJECTED");
            }
        });
        Map<String, List<String>> money = probe.moneyEventsByReservation();
        long captured = 0;
        for (String orderId : orderIds) {
            boolean completed = decided.get(orderId) == 4;
            assertThat(probe.orderStatus(customer, orderId)).isEqualTo(completed ? "COMPLETED" : "REJECTED");
            assertThat(money.get(orderId)).as(orderId).containsExactly("FundsReserved",
                    completed ? "ReservationCaptured" : "ReservationReleased");
            captured += completed ? UNLOCK_PRICE : 0;
        }
        probe.awaitWallet(customer, afterDebits - captured, 0);
    }

    // --- races on one order ---------------------------------------------------------------------------------------

    @Test
    void parallelCancelCompleteRejectAndRefundDecisionsOnOneOrderHaveExactlyOneOutcome() throws Exception {
        defineRaceServices();
        int races = LedgerProbe.LONG ? 40 : 10;
        ExecutorService runners = Executors.newFixedThreadPool(4);
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < races; i++) {
                int race = i;
                done.add(runners.submit(() -> {
                    if (race % 2 == 0) {
                        cancelRacesForwarding(outcomes);
                    } else {
                        everyoneDecidesAtOnce(outcomes);
                    }
                    return null;
                }));
            }
            for (Future<?> race : done) {
                race.get(5, TimeUnit.MINUTES);
            }
        } finally {
            runners.shutdownNow();
        }
        Map<String, Integer> counted = new java.util.TreeMap<>();
        outcomes.forEach((outcome, count) -> counted.put(outcome, count.get()));
        FIGURES.put("races: run", races);
        FIGURES.put("races: outcomes", counted);
        probe.awaitAuditOk();
    }

    /**
     * The customer cancels three times at once while the saga forwards the order: either the cancel wins (released
     * once, the supplier never sees it) or the forwarding does (every cancel 409, placed once, still held).
     */
    private void cancelRacesForwarding(Map<String, AtomicInteger> outcomes) throws Exception {
        Customer customer = probe.fundedCustomer("canceller", 5_000);
        String imei = LedgerProbe.imei();
        Response placed = probe.order(customer, QUICK, imei);
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        String orderId = placed.text("orderId");
        List<Response> cancels = inParallel(List.of(
                () -> probe.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}"),
                () -> probe.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}"),
                () -> probe.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}")));
        long won = cancels.stream().filter(r -> r.status() == 200).count();
        for (Response cancel : cancels) {
            assertThat(cancel.status()).as(cancel.raw().body()).isIn(200, 409);
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                List.of("CANCELLED", "IN_PROCESS", "NEEDS_ATTENTION").contains(probe.orderStatus(customer, orderId)));
        String status = probe.orderStatus(customer, orderId);
        JsonNode atSupplier = api.get("/simulator/dhru/control/orders?imei=" + imei, probe.admin).json().path("items");
        List<String> money = probe.moneyEventsByReservation().get(orderId);
        if (won > 0) {
            // the same cancel twice is no second movement: the later ones answer 200 again or 409 on the way
            assertThat(status).isEqualTo("CANCELLED");
            assertThat(money).containsExactly("FundsReserved", "ReservationReleased");
            assertThat(atSupplier).as("a cancelled order is never forwarded").isEmpty();
            probe.awaitWallet(customer, 5_000, 0);
            count(outcomes, "cancel vs forwarding: cancelled");
        } else {
            assertThat(cancels).allSatisfy(r -> assertThat(r.text("type")).isEqualTo("/problems/order-in-process"));
            assertThat(money).containsExactly("FundsReserved");
            assertThat(atSupplier.size()).as("forwarded once").isEqualTo(1);
            awaitInProcess(customer, orderId, imei);
            send(new CompleteOrder(UUID.fromString(orderId), "NCK: race"));
            await().atMost(Duration.ofSeconds(10)).until(() -> "COMPLETED".equals(probe.orderStatus(customer, orderId)));
            probe.awaitWallet(customer, 5_000 - QUICK_PRICE, 0);
            count(outcomes, "cancel vs forwarding: forwarded");
        }
    }

    /**
     * An overdue order with an open refund case; at once: the supplier completes it, the supplier rejects it, staff
     * record an approval, staff record a rejection, the customer cancels. Exactly one of them decides the order and
     * moves its money once; the case and its fee follow that outcome.
     */
    private void everyoneDecidesAtOnce(Map<String, AtomicInteger> outcomes) throws Exception {
        long deposit = 5_000;
        Customer customer = probe.fundedCustomer("racer", deposit);
        String imei = LedgerProbe.imei();
        Response placed = probe.order(customer, QUICK, imei);
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        String orderId = placed.text("orderId");
        awaitInProcess(customer, orderId, imei);
        await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // past its one-second estimate
        Response opened = probe.post("/api/orders/" + orderId + "/verification-requests", customer.token(), "{}");
        assertThat(opened.status()).as(opened.raw().body()).isEqualTo(201);
        String caseId = opened.text("refundCaseId");
        UUID order = UUID.fromString(orderId);

        List<Object> answers = inParallel(List.of(
                () -> send(new CompleteOrder(order, "NCK: race")),
                () -> send(new RejectOrder(order, "rejected by the supplier in a race")),
                () -> probe.post("/api/admin/refund-cases/" + caseId + "/decision", probe.admin,
                        ApiClient.json(Map.of("outcome", "APPROVED", "note", "supplier cancelled"))),
                () -> probe.post("/api/admin/refund-cases/" + caseId + "/decision", probe.admin,
                        ApiClient.json(Map.of("outcome", "REJECTED", "note", "supplier refused"))),
                () -> probe.post("/api/orders/" + orderId + "/cancel", customer.token(), "{}")));
        Response approval = (Response) answers.get(2);
        Response rejection = (Response) answers.get(3);
        Response cancel = (Response) answers.get(4);
        assertThat(cancel.status()).as("no cancel once in process").isEqualTo(409);
        assertThat(approval.status()).as(approval.raw().body()).isIn(200, 409);
        assertThat(rejection.status()).as(rejection.raw().body()).isIn(200, 409);
        assertThat(approval.status() == 200 && rejection.status() == 200).as("one decision recorded, never two").isFalse();

        await().atMost(Duration.ofSeconds(20)).until(() ->
                List.of("COMPLETED", "REJECTED", "CANCELLED").contains(probe.orderStatus(customer, orderId))
                && List.of("APPROVED", "REJECTED", "CLOSED").contains(caseStatus(customer, caseId)));
        String status = probe.orderStatus(customer, orderId);
        String caseStatus = caseStatus(customer, caseId);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.moneyEventsByReservation().getOrDefault(caseId, List.of()).size() == 2);
        Map<String, List<String>> money = probe.moneyEventsByReservation();
        List<String> orderMoney = money.get(orderId);
        List<String> feeMoney = money.get(caseId);
        assertThat(orderMoney).as("the order's money moved exactly once").hasSize(2).startsWith("FundsReserved");
        assertThat(feeMoney).as("the fee's money moved exactly once").hasSize(2).startsWith("FundsReserved");
        switch (status) {
            case "COMPLETED" -> {
                assertThat(orderMoney.get(1)).isEqualTo("ReservationCaptured");
                assertThat(approval.status()).as("no approval of a completed order").isEqualTo(409);
                assertThat(caseStatus).isIn("CLOSED", "REJECTED");
            }
            case "CANCELLED" -> {
                assertThat(orderMoney.get(1)).isEqualTo("ReservationReleased");
                assertThat(approval.status()).isEqualTo(200);
                assertThat(caseStatus).isEqualTo("APPROVED");
            }
            default -> {
                assertThat(orderMoney.get(1)).isEqualTo("ReservationReleased");
                assertThat(approval.status()).as("no approval of a rejected order").isEqualTo(409);
                assertThat(caseStatus).isIn("CLOSED", "REJECTED");
            }
        }
        boolean feeReturned = caseStatus.equals("APPROVED");
        assertThat(feeMoney.get(1)).isEqualTo(feeReturned ? "ReservationReleased" : "ReservationCaptured");
        long kept = (status.equals("COMPLETED") ? QUICK_PRICE : 0) + (feeReturned ? 0 : FEE);
        probe.awaitWallet(customer, deposit - kept, 0);
        count(outcomes, "five-way race: order " + status + ", case " + caseStatus);
    }

    /**
     * IN_PROCESS once forwarded. On a machine this busy the supplier's answer can miss the read timeout: the order
     * then (rightly) needs attention, and staff resolve it with the reference the supplier holds.
     */
    private void awaitInProcess(Customer customer, String orderId, String imei) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                List.of("IN_PROCESS", "NEEDS_ATTENTION").contains(probe.orderStatus(customer, orderId)));
        if ("NEEDS_ATTENTION".equals(probe.orderStatus(customer, orderId))) {
            JsonNode atSupplier = api.get("/simulator/dhru/control/orders?imei=" + imei, probe.admin).json().path("items");
            assertThat(atSupplier.size()).isEqualTo(1);
            assertThat(probe.post("/api/admin/orders/" + orderId + "/resolution", probe.admin,
                    ApiClient.json(Map.of("supplierReference", atSupplier.path(0).path("referenceId").asText()))).status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> "IN_PROCESS".equals(probe.orderStatus(customer, orderId)));
        }
    }

    private String caseStatus(Customer customer, String caseId) {
        return probe.get("/api/refund-cases/" + caseId, customer.token()).text("status");
    }

    private Object send(Object command) {
        commands.sendAndWait(asMessage(command).andMetaData(Map.of(Actor.ACTOR, Actor.process("order-fulfilment"))));
        return "sent";
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> inParallel(List<Callable<? extends T>> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(work.size());
        CyclicBarrier start = new CyclicBarrier(work.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<? extends T> one : work) {
                futures.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    try {
                        return one.call();
                    } catch (RuntimeException refused) {
                        return (T) refused; // a command refused by the aggregate is one of the race's outcomes
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(2, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void count(Map<String, AtomicInteger> outcomes, String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    private void defineRaceServices() {
        Response defined = retryingPut("/api/admin/services/" + QUICK, probe.admin, ApiClient.json(Map.of(
                "code", "T-RACE", "name", "Race check (reliability tests)", "kind", "IMEI",
                "price", Map.of("amount", QUICK_PRICE, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT0S", "max", "PT1S"),
                "requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false),
                "active", true, "supplier", Map.of("supplier", "simulator", "supplierServiceId", "1003"))));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
        for (JsonNode service : probe.get("/api/services", null).json().path("items")) {
            if ("742".equals(service.path("code").asText())) {
                verificationServiceBefore = service;
            }
        }
        Map<String, Object> withFee = new LinkedHashMap<>();
        withFee.put("code", "742");
        withFee.put("name", verificationServiceBefore.path("name").asText());
        withFee.put("kind", "VERIFICATION");
        withFee.put("price", Map.of("amount", FEE, "currency", "USD"));
        withFee.put("deliveryEstimate", Map.of("min", "P1D", "max", "P7D"));
        withFee.put("requires", Map.of("imei", false, "model", false, "network", false, "serialNumber", false));
        withFee.put("active", true);
        Response fee = retryingPut("/api/admin/services/" + CatalogueSeed.serviceId("742"), probe.admin, ApiClient.json(withFee));
        assertThat(fee.status()).as(fee.raw().body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            for (JsonNode service : probe.get("/api/services", null).json().path("items")) {
                if ("742".equals(service.path("code").asText())) {
                    return service.path("price").path("amount").asLong() == FEE;
                }
            }
            return false;
        });
    }

    private Response retryingPut(String path, String token, String body) {
        return LedgerProbe.retryingWhileBusy(() -> api.put(path, token, body));
    }

    private void define(UUID serviceId, JsonNode service) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (String field : List.of("code", "name", "kind", "price", "deliveryEstimate", "requires", "active")) {
            body.put(field, service.get(field));
        }
        Response restored = retryingPut("/api/admin/services/" + serviceId, probe.admin, ApiClient.json(body));
        assertThat(restored.status()).as(restored.raw().body()).isEqualTo(200);
    }
}
