package shop.ledger.standalone.hostile;

import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Imei;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.hostile.ApiContract.Who;
import shop.ledger.standalone.identity.Authenticator;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The people and things the hostile tests aim at, made through the public API: one account per role (staff
 * accounts with a single role each), a customer owning an order, a refund case and a withdrawal, and another
 * customer who tries to use them. Tokens are renewed before they expire, for the long mode.
 */
final class HostileFixture {

    static final String PASSWORD = ApiClient.PASSWORD;
    /** A service of the fixture's own, fulfilled by the simulator, overdue one second after submission. */
    static final UUID QUICK_SERVICE = UUID.nameUUIDFromBytes("hostile:quick".getBytes());
    /** The service the fuzzing replaces over and over (PUT), inactive so no customer ever sees it. */
    static final UUID FUZZ_SERVICE = UUID.nameUUIDFromBytes("hostile:fuzzed".getBytes());

    private final ApiClient api;
    private final JdbcClient jdbc;
    private final String tag = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private final Map<Who, String> usernames = new EnumMap<>(Who.class);
    private final Map<Who, String> tokens = new EnumMap<>(Who.class);
    private Instant tokensIssued = Instant.EPOCH;

    final Customer owner;
    final Customer other;
    final Customer fuzzer;
    final Authenticator ownerApp;
    final String orderId;
    final String fuzzerOrderId;
    final String refundCaseId;
    final String withdrawalId;
    final String reconciliationId;

    HostileFixture(ApiClient api, JdbcClient jdbc) {
        this.api = api;
        this.jdbc = jdbc;
        String admin = api.adminToken();
        for (Who role : List.of(Who.ADMIN, Who.FINANCE, Who.AUDITOR)) {
            String username = "h-" + role.name().toLowerCase() + "-" + tag;
            Response created = api.post("/api/admin/staff", admin, ApiClient.json(Map.of("username", username,
                    "email", username + "@example.com", "password", PASSWORD, "roles", List.of(role.name()))));
            assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
            usernames.put(role, username);
        }
        defineQuickService(admin);

        owner = api.register("h-owner-" + tag);
        other = api.register("h-other-" + tag);
        fuzzer = api.register("h-fuzzer-" + tag);
        usernames.put(Who.CUSTOMER, "h-fuzzer-" + tag);
        for (Customer customer : List.of(owner, fuzzer)) {
            assertThat(api.deposit(admin, customer.walletId(), 1_000_000, "h-psp-" + UUID.randomUUID()).status())
                    .isEqualTo(201);
        }
        awaitAvailable(owner, 1_000_000);
        awaitAvailable(fuzzer, 1_000_000);

        orderId = placeOrder(owner);
        fuzzerOrderId = placeOrder(fuzzer);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                "IN_PROCESS".equals(api.get("/api/orders/" + orderId, owner.token()).text("status")));
        await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // past its one-second estimate
        Response opened = api.post("/api/orders/" + orderId + "/verification-requests", owner.token(), "{}");
        assertThat(opened.status()).as(opened.raw().body()).isEqualTo(201);
        refundCaseId = opened.text("refundCaseId");

        ownerApp = new Authenticator(api.post("/api/me/2fa", owner.token(), "").text("secret"));
        assertThat(api.post("/api/me/2fa/confirm", owner.token(),
                ApiClient.json(Map.of("otp", ownerApp.code(Authenticator.stepNow())))).status()).isEqualTo(204);
        Response withdrawn = api.post("/api/me/withdrawals", owner.token(), ApiClient.json(Map.of("amount", 100,
                        "currency", "USD", "method", "BANK_TRANSFER", "destination", "DE89 3704 0044 0532 0130 00")),
                Map.of("X-OTP", ownerApp.code(Authenticator.stepNow() + 1)));
        assertThat(withdrawn.status()).as(withdrawn.raw().body()).isEqualTo(201);
        withdrawalId = withdrawn.text("withdrawalId");

        String finance = api.token(usernames.get(Who.FINANCE), PASSWORD);
        Response reconciled = api.post("/api/finance/reconciliations", finance,
                "payout_reference,amount,currency,status,booked_at\r\nh-unknown-" + tag + ",1.00,USD,PAID,2025-03-14\r\n",
                Map.of("Content-Type", "text/csv"));
        assertThat(reconciled.status()).as(reconciled.raw().body()).isEqualTo(201);
        reconciliationId = reconciled.text("reconciliationId");

        // every read model has caught up before the tests look
        await().atMost(Duration.ofSeconds(10)).until(() ->
                api.get("/api/withdrawals/" + withdrawalId, owner.token()).status() == 200
                && api.get("/api/refund-cases/" + refundCaseId, owner.token()).status() == 200
                && api.get("/api/orders/" + fuzzerOrderId, fuzzer.token()).status() == 200);
        renewTokens();
    }

    /** The token of a caller: the fuzzing customer for CUSTOMER, a single-role staff account for each staff role. */
    synchronized String token(Who who) {
        if (who == Who.ANONYMOUS) {
            return null;
        }
        if (Duration.between(tokensIssued, Instant.now()).compareTo(Duration.ofMinutes(5)) > 0) {
            renewTokens();
        }
        return tokens.get(who);
    }

    /** Renews every token; the fuzzing's failed logins are forgotten first, or they would throttle this. */
    synchronized void renewTokens() {
        forgetLoginFailures();
        usernames.forEach((who, username) -> tokens.put(who, api.token(username, PASSWORD)));
        tokensIssued = Instant.now();
    }

    void forgetLoginFailures() {
        jdbc.sql("DELETE FROM auth_failure").update();
    }

    String username(Who who) {
        return usernames.get(who);
    }

    /** A random IMEI with a valid Luhn check digit. */
    static String imei(Random random) {
        StringBuilder digits = new StringBuilder("35");
        while (digits.length() < 14) {
            digits.append(random.nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (Imei.isValid(digits + Integer.toString(check))) {
                return digits + Integer.toString(check);
            }
        }
        throw new IllegalStateException();
    }

    private String placeOrder(Customer customer) {
        Response placed = api.post("/api/orders", customer.token(),
                ApiClient.json(Map.of("serviceId", QUICK_SERVICE, "imei", imei(new Random()))));
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        return placed.text("orderId");
    }

    private void defineQuickService(String admin) {
        Response defined = api.put("/api/admin/services/" + QUICK_SERVICE, admin, ApiClient.json(Map.of(
                "code", "H-QUICK", "name", "Quick check (hostile tests)", "kind", "IMEI",
                "price", Map.of("amount", 100, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT0S", "max", "PT1S"),
                "requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false),
                "active", true, "supplier", Map.of("supplier", "simulator", "supplierServiceId", "1003"))));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/api/admin/services/" + QUICK_SERVICE, admin).status() == 200);
    }

    private void awaitAvailable(Customer customer, long cents) {
        Supplier<Long> available = () -> api.get("/api/me/wallet", customer.token()).json().path("available").asLong();
        await().atMost(Duration.ofSeconds(5)).until(() -> available.get() == cents);
    }
}
