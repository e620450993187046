package shop.ledger.reliability;

import shop.ledger.reliability.Api.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One customer of the shop and the client's own record of what the ledger acknowledged to it: the deposits,
 * orders, refund cases and withdrawals answered 2xx. That record, never the ledger's, is what the checks trust.
 */
final class Customer {

    private static final AtomicLong IMEIS = new AtomicLong(System.nanoTime() % 1_000_000_000L);

    record PlacedOrder(String orderId, Shop.Service service, String imei) {
    }

    final String username;
    final String customerId;
    final String walletId;
    final String token;
    final Totp authenticator;
    final Map<String, Long> deposits = new ConcurrentHashMap<>();
    final Map<String, PlacedOrder> orders = new LinkedHashMap<>();
    final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    final Map<String, String> refundCases = new ConcurrentHashMap<>();
    final Set<String> approvedCases = ConcurrentHashMap.newKeySet();
    final Set<String> ordersWithCase = ConcurrentHashMap.newKeySet();
    final Map<String, Long> withdrawals = new ConcurrentHashMap<>();
    private int casesOpened;

    private Customer(String username, String customerId, String walletId, String token, Totp authenticator) {
        this.username = username;
        this.customerId = customerId;
        this.walletId = walletId;
        this.token = token;
        this.authenticator = authenticator;
    }

    /** Registers, logs in and switches the second factor on (withdrawals need it). */
    static Customer register(Api api, String username) {
        String password = "correct horse battery staple";
        Response registered = api.command("POST", "/api/auth/register", null,
                Map.of("username", username, "email", username + "@example.com", "password", password));
        if (registered.status() != 201) {
            throw new AssertionError("registration of " + username + " refused: " + registered.body());
        }
        String token = api.token(username, password);
        Response enrolment = api.command("POST", "/api/me/2fa", token, Map.of());
        if (enrolment.status() != 200) {
            throw new AssertionError("2FA enrolment refused: " + enrolment.body());
        }
        Totp authenticator = new Totp(enrolment.text("secret"));
        Response confirmed = api.command("POST", "/api/me/2fa/confirm", token, Map.of("otp", authenticator.nextCode()));
        if (confirmed.status() != 204) {
            throw new AssertionError("2FA confirmation refused: " + confirmed.body());
        }
        return new Customer(username, registered.text("customerId"), registered.text("walletId"), token, authenticator);
    }

    // --- operations: each retried with its Idempotency-Key until the ledger answers definitely ---------------------

    void deposit(Api api, String staffToken, long amount) {
        Response answer = api.command("POST", "/api/admin/wallets/" + walletId + "/deposits", staffToken,
                Map.of("amount", amount, "currency", "USD", "providerReference", "psp-" + UUID.randomUUID()));
        if (concurrentChange(answer)) {
            return; // refused: nothing changed
        }
        if (answer.status() != 201) {
            throw new AssertionError("a deposit with a new provider reference must be accepted: " + answer.body());
        }
        deposits.put(answer.text("depositId"), amount);
    }

    void placeOrder(Api api, Shop.Service service) {
        String imei = newImei();
        Response answer = api.command("POST", "/api/orders", token, Map.of("serviceId", service.serviceId(), "imei", imei));
        if (answer.status() == 201) {
            synchronized (orders) {
                orders.put(answer.text("orderId"), new PlacedOrder(answer.text("orderId"), service, imei));
            }
        } else if (!answer.problemType().endsWith("/insufficient-funds") && !concurrentChange(answer)) {
            throw new AssertionError("order refused unexpectedly: " + answer.status() + " " + answer.body());
        }
    }

    void cancelLatestOrder(Api api) {
        PlacedOrder latest;
        synchronized (orders) {
            latest = orders.values().stream().reduce((first, second) -> second).orElse(null);
        }
        if (latest == null) {
            return;
        }
        Response answer = api.command("POST", "/api/orders/" + latest.orderId() + "/cancel", token, Map.of());
        if (answer.status() == 200) {
            cancelled.add(latest.orderId());
        } else if (answer.status() != 409) {
            throw new AssertionError("cancel answered " + answer.status() + " " + answer.body());
        }
    }

    /** On a slow order past its estimate: the 742 request, then the supplier's decision as staff record it. */
    void requestRefund(Api api, String staffToken) {
        if (casesOpened >= 3) {
            return; // the daily limit (R9)
        }
        PlacedOrder candidate;
        synchronized (orders) {
            candidate = orders.values().stream()
                              .filter(order -> order.service().slow() && !ordersWithCase.contains(order.orderId()))
                              .findFirst().orElse(null);
        }
        if (candidate == null) {
            return;
        }
        Response order = api.read("/api/orders/" + candidate.orderId(), token);
        if (order.status() != 200 || !order.json().path("overdue").asBoolean()) {
            return;
        }
        casesOpened++;
        ordersWithCase.add(candidate.orderId());
        String openKey = UUID.randomUUID().toString();
        Response opened = api.command("POST", "/api/orders/" + candidate.orderId() + "/verification-requests", token,
                Map.of(), openKey, Map::of);
        if (opened.status() != 201) {
            return; // e.g. the supplier completed it meanwhile: refused, nothing changed
        }
        String caseId = opened.text("refundCaseId");
        refundCases.put(caseId, candidate.orderId());
        String outcome = ThreadLocalRandom.current().nextBoolean() ? "APPROVED" : "REJECTED";
        Response decided = api.command("POST", "/api/admin/refund-cases/" + caseId + "/decision", staffToken,
                Map.of("outcome", outcome, "note", "supplier's answer"));
        if (decided.status() == 200 && outcome.equals("APPROVED")) {
            approvedCases.add(caseId);
        } else if (decided.status() != 200 && decided.status() != 409) {
            throw new AssertionError("decision on refund case " + caseId + " (order " + candidate.orderId()
                                     + ", opened with Idempotency-Key " + openKey + ") answered " + decided.status() + " "
                                     + decided.body());
        }
    }

    void withdraw(Api api, long amount) {
        if (!authenticator.codeAvailable()) {
            return;
        }
        Response answer = api.command("POST", "/api/me/withdrawals", token,
                Map.of("amount", amount, "currency", "USD", "method", "BANK_TRANSFER",
                        "destination", "DE89370400440532013000"),
                UUID.randomUUID().toString(), () -> Map.of("X-OTP", authenticator.nextCode()));
        if (answer.status() == 201) {
            withdrawals.put(answer.text("withdrawalId"), amount);
        } else if (!answer.problemType().endsWith("/insufficient-funds") && !answer.problemType().endsWith("/invalid-otp")
                   && !concurrentChange(answer)) {
            throw new AssertionError("withdrawal answered " + answer.status() + " " + answer.body());
        }
    }

    /** 409 conflict: another instance changed the same wallet first; the request changed nothing. */
    private static boolean concurrentChange(Response answer) {
        return answer.status() == 409 && answer.problemType().endsWith("/conflict");
    }

    List<PlacedOrder> orders() {
        synchronized (orders) {
            return new ArrayList<>(orders.values());
        }
    }

    long acknowledgedDeposits() {
        return deposits.values().stream().mapToLong(Long::longValue).sum();
    }

    /** A unique 15-digit IMEI with a valid Luhn check digit. */
    static String newImei() {
        String body = "35" + String.format("%012d", IMEIS.incrementAndGet() % 1_000_000_000_000L);
        int sum = 0;
        for (int i = 0; i < body.length(); i++) {
            int digit = body.charAt(body.length() - 1 - i) - '0';
            if (i % 2 == 0) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return body + ((10 - sum % 10) % 10);
    }
}
