package shop.ledger.reliability;

import shop.ledger.reliability.Api.Response;
import shop.ledger.reliability.Customer.PlacedOrder;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After the faults: lets every saga finish (staff resolve the orders that need attention by asking the supplier,
 * as the runbook says), then holds the ledger to the clients' own record: nothing acknowledged lost, nothing
 * applied twice, money moved exactly once per order and withdrawal, outside parties agree, and the auditors'
 * verification (read models equal a replay of the events) is ok.
 */
final class LedgerChecks {

    private static final Set<String> ORDER_ENDS = Set.of("COMPLETED", "REJECTED", "CANCELLED");
    private static final Set<String> WITHDRAWAL_ENDS = Set.of("PAID", "FAILED");
    /**
     * How long the sagas get to finish after the load. The long mode leaves a backlog of thousands of events (the
     * first long kill run: orders still being polled, on time, when 90 s were up).
     */
    private static final Duration SETTLE = Duration.ofSeconds(Rig.LONG ? 300 : 90);

    private final Api api;
    private final String staffToken;
    private final List<Customer> customers;
    private final FakeDhruSupplier supplier;
    private final FakePayoutProvider payouts;
    private final DurablePostgres postgres;

    LedgerChecks(Api api, String staffToken, List<Customer> customers, FakeDhruSupplier supplier,
                 FakePayoutProvider payouts, DurablePostgres postgres) {
        this.postgres = postgres;
        this.api = api;
        this.staffToken = staffToken;
        this.customers = customers;
        this.supplier = supplier;
        this.payouts = payouts;
    }

    void settleAndCheck() throws InterruptedException {
        Map<String, String> orderStatus = settleOrders();
        Map<String, String> withdrawalStatus = settleWithdrawals();
        checkUntilConsistent(orderStatus, withdrawalStatus);
        checkOutsideParties(orderStatus, withdrawalStatus);
        verifyAudit();
    }

    /** Every order to its end; NEEDS_ATTENTION is resolved from what the supplier really holds. */
    private Map<String, String> settleOrders() throws InterruptedException {
        Map<String, String> status = new HashMap<>();
        Set<String> resolved = new HashSet<>();
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            boolean open = false;
            for (Customer customer : customers) {
                for (PlacedOrder order : customer.orders()) {
                    if (ORDER_ENDS.contains(status.getOrDefault(order.orderId(), ""))) {
                        continue;
                    }
                    Response view = api.read("/api/orders/" + order.orderId(), customer.token);
                    // 404: not projected yet (reads are eventually consistent); it must show up before the deadline
                    String current = view.status() == 404 ? "NOT_VISIBLE" : view.text("status");
                    assertThat(view.status()).as("order %s: %s", order.orderId(), view.body()).isIn(200, 404);
                    status.put(order.orderId(), current);
                    if ("NEEDS_ATTENTION".equals(current) && resolved.add(order.orderId())) {
                        resolve(order);
                    }
                    open |= !ORDER_ENDS.contains(current);
                }
            }
            if (!open) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                List<String> stuck = status.entrySet().stream().filter(e -> !ORDER_ENDS.contains(e.getValue()))
                                           .map(Map.Entry::getKey).toList();
                throw new AssertionError("orders still open: " + stuck + Diagnostics.dump(postgres, stuck));
            }
            Thread.sleep(500);
        }
    }

    /** What staff do for an order whose submission answer was lost: look it up at the supplier. */
    private void resolve(PlacedOrder order) {
        api.stats().needsAttention.incrementAndGet();
        List<FakeDhruSupplier.Order> atSupplier = supplier.ordersFor(order.imei());
        assertThat(atSupplier).as("the supplier holds order %s at most once", order.orderId()).hasSizeLessThanOrEqualTo(1);
        Map<String, Object> resolution = atSupplier.isEmpty()
                ? Map.of("reject", true, "reason", "not found at the supplier")
                : Map.of("supplierReference", atSupplier.get(0).referenceId());
        Response answer = api.command("POST", "/api/admin/orders/" + order.orderId() + "/resolution", staffToken, resolution);
        assertThat(answer.status()).as("resolution of %s: %s", order.orderId(), answer.body()).isEqualTo(200);
    }

    private Map<String, String> settleWithdrawals() throws InterruptedException {
        Map<String, String> status = new HashMap<>();
        long deadline = System.nanoTime() + SETTLE.plusSeconds(30).toNanos();
        while (true) {
            boolean open = false;
            for (Customer customer : customers) {
                for (String withdrawalId : customer.withdrawals.keySet()) {
                    if (WITHDRAWAL_ENDS.contains(status.getOrDefault(withdrawalId, ""))) {
                        continue;
                    }
                    Response view = api.read("/api/withdrawals/" + withdrawalId, customer.token);
                    assertThat(view.status()).as("withdrawal %s: %s", withdrawalId, view.body()).isIn(200, 404);
                    String current = view.status() == 404 ? "NOT_VISIBLE" : view.text("status");
                    status.put(withdrawalId, current);
                    open |= !WITHDRAWAL_ENDS.contains(current);
                }
            }
            if (!open) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                List<String> stuck = status.entrySet().stream().filter(e -> !WITHDRAWAL_ENDS.contains(e.getValue()))
                                           .map(Map.Entry::getKey).toList();
                throw new AssertionError("withdrawals still open: " + stuck + Diagnostics.dump(postgres, stuck));
            }
            Thread.sleep(500);
        }
    }

    /** Read models are eventually consistent: the ledger gets a little while to show the settled state. */
    private void checkUntilConsistent(Map<String, String> orderStatus, Map<String, String> withdrawalStatus)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                for (Customer customer : customers) {
                    checkCustomer(customer, orderStatus, withdrawalStatus);
                }
                long allOrders = customers.stream().mapToLong(c -> c.orders().size()).sum();
                assertThat(api.readAll("/api/orders", staffToken))
                        .as("the ledger holds exactly the orders it acknowledged").hasSize((int) allOrders);
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(500);
            }
        }
    }

    private void checkCustomer(Customer customer, Map<String, String> orderStatus, Map<String, String> withdrawalStatus) {
        String who = customer.username;
        List<JsonNode> lines = api.readAll("/api/me/wallet/transactions", customer.token);

        Map<String, Long> depositLines = lines.stream().filter(line -> line.path("kind").asString().equals("DEPOSIT"))
                                              .collect(Collectors.toMap(line -> line.path("depositId").asString(),
                                                      line -> line.path("amount").asLong(), (a, b) -> {
                                                          throw new AssertionError(who + ": a deposit credited twice");
                                                      }));
        assertThat(depositLines).as("%s: exactly the acknowledged deposits, each once", who).isEqualTo(customer.deposits);

        Set<String> ledgerOrders = api.readAll("/api/orders", customer.token).stream()
                                      .map(order -> order.path("orderId").asString()).collect(Collectors.toSet());
        Set<String> acknowledgedOrders = customer.orders().stream().map(PlacedOrder::orderId).collect(Collectors.toSet());
        assertThat(ledgerOrders).as("%s: exactly the acknowledged orders", who).isEqualTo(acknowledgedOrders);

        long expectedAvailable = customer.acknowledgedDeposits();
        for (PlacedOrder order : customer.orders()) {
            String status = orderStatus.get(order.orderId());
            long reserves = count(lines, "RESERVE", "orderId", order.orderId());
            long captures = count(lines, "CAPTURE", "orderId", order.orderId());
            long releases = count(lines, "RELEASE", "orderId", order.orderId());
            assertThat(reserves).as("%s: order %s reserved once", who, order.orderId()).isEqualTo(1);
            if (status.equals("COMPLETED")) {
                assertThat(captures).as("%s: completed order %s captured once", who, order.orderId()).isEqualTo(1);
                assertThat(releases).as("%s: completed order %s never released", who, order.orderId()).isZero();
                expectedAvailable -= order.service().price();
            } else {
                assertThat(releases).as("%s: %s order %s released once", who, status, order.orderId()).isEqualTo(1);
                assertThat(captures).as("%s: %s order %s never captured", who, status, order.orderId()).isZero();
            }
            if (customer.cancelled.contains(order.orderId())) {
                assertThat(status).as("%s: acknowledged cancel of %s", who, order.orderId()).isEqualTo("CANCELLED");
            }
        }
        for (Map.Entry<String, String> refundCase : customer.refundCases.entrySet()) {
            if (customer.approvedCases.contains(refundCase.getKey())) {
                assertThat(orderStatus.get(refundCase.getValue()))
                        .as("%s: an approved refund cancels order %s", who, refundCase.getValue()).isEqualTo("CANCELLED");
            }
        }

        Set<String> ledgerWithdrawals = api.readAll("/api/me/withdrawals", customer.token).stream()
                                           .map(w -> w.path("withdrawalId").asString()).collect(Collectors.toSet());
        assertThat(ledgerWithdrawals).as("%s: exactly the acknowledged withdrawals", who)
                                     .isEqualTo(customer.withdrawals.keySet());
        for (Map.Entry<String, Long> withdrawal : customer.withdrawals.entrySet()) {
            String id = withdrawal.getKey();
            assertThat(count(lines, "RESERVE", "withdrawalId", id)).as("%s: withdrawal %s held once", who, id).isEqualTo(1);
            if (withdrawalStatus.get(id).equals("PAID")) {
                assertThat(count(lines, "CAPTURE", "withdrawalId", id)).as("%s: paid %s captured once", who, id).isEqualTo(1);
                assertThat(count(lines, "RELEASE", "withdrawalId", id)).isZero();
                expectedAvailable -= withdrawal.getValue();
            } else {
                assertThat(count(lines, "RELEASE", "withdrawalId", id)).as("%s: failed %s released once", who, id).isEqualTo(1);
                assertThat(count(lines, "CAPTURE", "withdrawalId", id)).isZero();
            }
        }

        JsonNode wallet = api.read("/api/me/wallet", customer.token).json();
        assertThat(wallet.path("held").asLong()).as("%s: nothing held once everything settled", who).isZero();
        assertThat(wallet.path("available").asLong())
                .as("%s: available = acknowledged deposits - completed orders - paid withdrawals", who)
                .isEqualTo(expectedAvailable);
        JsonNode audited = api.read("/api/audit/wallets/" + customer.walletId + "/balance?asOf=" + java.time.Instant.now(), staffToken).json();
        assertThat(audited.path("available").asLong()).as("%s: the event store agrees", who).isEqualTo(expectedAvailable);
    }

    /** The supplier and the payout provider are the outside witnesses: one placement per order, one payout each. */
    private void checkOutsideParties(Map<String, String> orderStatus, Map<String, String> withdrawalStatus) {
        for (Customer customer : customers) {
            for (PlacedOrder order : customer.orders()) {
                List<FakeDhruSupplier.Order> atSupplier = supplier.ordersFor(order.imei());
                assertThat(atSupplier).as("order %s placed at the supplier at most once", order.orderId())
                                      .hasSizeLessThanOrEqualTo(1);
                String status = orderStatus.get(order.orderId());
                if (status.equals("COMPLETED")) {
                    assertThat(atSupplier).as("completed order %s exists at the supplier", order.orderId()).hasSize(1);
                    assertThat(atSupplier.get(0).finalStatus()).as("the supplier completed %s", order.orderId()).isEqualTo(4);
                }
            }
            for (Map.Entry<String, Long> withdrawal : customer.withdrawals.entrySet()) {
                FakePayoutProvider.Payout payout = payouts.payout(withdrawal.getKey()).orElse(null);
                String status = withdrawalStatus.get(withdrawal.getKey());
                assertThat(payout).as("withdrawal %s has its one payout at the provider", withdrawal.getKey()).isNotNull();
                assertThat(payout.amount()).isEqualTo(withdrawal.getValue());
                assertThat(payout.finalStatus()).as("the provider's outcome of %s", withdrawal.getKey()).isEqualTo(status);
            }
        }
    }

    private void verifyAudit() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Response verify;
        do {
            verify = api.read("/api/audit/verify", staffToken);
            if (verify.status() == 200 && verify.json().path("ok").asBoolean()) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("audit verify not ok: " + verify.body());
    }

    private static long count(List<JsonNode> lines, String kind, String field, String id) {
        return lines.stream().filter(line -> line.path("kind").asString().equals(kind)
                                             && line.path(field).asString().equals(id)).count();
    }
}
