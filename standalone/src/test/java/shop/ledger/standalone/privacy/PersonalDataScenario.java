package shop.ledger.standalone.privacy;

import shop.ledger.api.common.Imei;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.identity.Authenticator;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A customer's whole life through the public API, with personal data and secrets that occur nowhere else:
 * registration with an email, 2FA enrolment, a login with a code, a top-up, an order that becomes overdue and gets
 * a refund case, an order the supplier rejects quoting the IMEI (as real suppliers do), a paid withdrawal, and a
 * withdrawal the provider refuses quoting the destination. Every supplier and payout step runs against the
 * simulators over HTTP. Callers look the simulators' records up by reference, never by IMEI in a URL.
 */
final class PersonalDataScenario {

    static final UUID QUICK = UUID.nameUUIDFromBytes("test:privacy-quick-check".getBytes());
    static final long DEPOSIT = 20_000;
    static final long PRICE = 500;

    /** What one customer left behind; every string here must never appear in clear outside the simulators. */
    record Person(String username, String email, String password, String totpSecret, Customer customer,
                  Authenticator app, String imei, String rejectedImei, String destination, String failedDestination,
                  String orderId, String rejectedOrderId, String refundCaseId, String withdrawalId,
                  String failedWithdrawalId, List<String> codes, List<String> tokens, Codes otp) {

        /** A login with password and a current code (waits for the next step when the recent ones are spent). */
        String loginWithCode(ApiClient api) {
            Response login = api.post("/api/auth/token", null,
                    ApiClient.json(Map.of("username", username, "password", password, "otp", otp.next())));
            assertThat(login.status()).as(login.raw().body()).isEqualTo(200);
            tokens.add(login.text("accessToken"));
            return login.text("accessToken");
        }

        /** The personal data (R11) of this person. */
        List<String> personalData() {
            return List.of(email, imei, rejectedImei, destination, failedDestination);
        }

        /** Secrets that must not occur anywhere, not even encrypted-looking: passwords, TOTP secret, codes, tokens. */
        List<String> secrets() {
            List<String> secrets = new ArrayList<>(List.of(password, totpSecret));
            secrets.addAll(tokens);
            return secrets;
        }
    }

    private final ApiClient api;
    private final String admin;

    PersonalDataScenario(ApiClient api, String admin) {
        this.api = api;
        this.admin = admin;
        Response defined = api.put("/api/admin/services/" + QUICK, admin, ApiClient.json(Map.of(
                "code", "T-PRIVACY", "name", "Quick check (privacy tests)", "kind", "IMEI",
                "price", Map.of("amount", PRICE, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT0S", "max", "PT1S"),
                "requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false),
                "active", true, "supplier", Map.of("supplier", "simulator", "supplierServiceId", "1003"))));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
    }

    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    static String imei() {
        StringBuilder digits = new StringBuilder("86");
        while (digits.length() < 14) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (Imei.isValid(digits.toString() + check)) {
                return digits.toString() + check;
            }
        }
        throw new IllegalStateException();
    }

    /** An IBAN-like destination that occurs nowhere else. */
    static String destination() {
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < 18; i++) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        return "DE" + digits.substring(0, 2) + " " + digits.substring(2, 6) + " " + digits.substring(6, 10) + " "
                + digits.substring(10, 14) + " " + digits.substring(14, 18) + " 77";
    }

    Person live(String name) {
        String username = unique(name);
        // a '+' makes the URL-encoded form differ from the plain one
        String email = unique(name + ".private+") + "@example.org";
        String password = "pw " + UUID.randomUUID();
        List<String> tokens = new ArrayList<>();
        List<String> codes = new ArrayList<>();

        Response registered = api.post("/api/auth/register", null,
                ApiClient.json(Map.of("username", username, "email", email, "password", password)));
        assertThat(registered.status()).as(registered.raw().body()).isEqualTo(201);
        String firstToken = api.token(username, password);
        tokens.add(firstToken);
        Customer customer = new Customer(UUID.fromString(registered.text("customerId")),
                UUID.fromString(registered.text("walletId")), firstToken, registered.position());
        // the account view is a projection: a read after the registration's position shows it
        assertThat(api.getAfter(customer.position(), "/api/me", firstToken).text("email")).isEqualTo(email);

        String secret = api.post("/api/me/2fa", firstToken, "").text("secret");
        assertThat(secret).isNotBlank();
        Authenticator app = new Authenticator(secret);
        Codes otp = new Codes(app, codes);
        assertThat(api.post("/api/me/2fa/confirm", firstToken, ApiClient.json(Map.of("otp", otp.next()))).status())
                .isEqualTo(204);
        String token = firstToken;
        // people type their email into the username field: a failed login must not store or log it either
        assertThat(api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", email, "password", password))).status()).isEqualTo(401);

        Response deposit = api.deposit(admin, customer.walletId(), DEPOSIT, unique("psp-"));
        assertThat(deposit.status()).isEqualTo(201);
        assertThat(api.getAfter(deposit.position(), "/api/me/wallet", token).json().path("available").asLong())
                .isEqualTo(DEPOSIT);

        String imei = imei();
        String orderId = placeInProcess(customer, imei);
        await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // past its one-second estimate
        Response opened = api.post("/api/orders/" + orderId + "/verification-requests", token, "{}");
        assertThat(opened.status()).as(opened.raw().body()).isEqualTo(201);

        String rejectedImei = imei();
        String rejectedOrderId = placeInProcess(customer, rejectedImei);
        Response rejected = api.post("/simulator/dhru/control/orders/" + supplierReference(rejectedImei), admin,
                ApiClient.json(Map.of("status", 3, "code", "IMEI " + rejectedImei + " is blacklisted, no refund possible")));
        assertThat(rejected.status()).as(rejected.raw().body()).isBetween(200, 299);
        awaitOrder(customer, rejectedOrderId, "REJECTED");

        String destination = destination();
        String withdrawalId = withdraw(customer, otp, 3_000, destination);
        awaitWithdrawal(customer, withdrawalId, "PAYOUT_SUBMITTED");
        decide(withdrawalId, "PAID", null);
        awaitWithdrawal(customer, withdrawalId, "PAID");

        String failedDestination = destination();
        String failedWithdrawalId = withdraw(customer, otp, 1_000, failedDestination);
        awaitWithdrawal(customer, failedWithdrawalId, "PAYOUT_SUBMITTED");
        decide(failedWithdrawalId, "FAILED", "beneficiary account " + failedDestination + " is closed");
        awaitWithdrawal(customer, failedWithdrawalId, "FAILED");

        // settled: the overdue order (and the verification fee, if any) held, the paid withdrawal gone
        awaitAvailable(customer, DEPOSIT - PRICE - verificationFee() - 3_000);
        return new Person(username, email, password, secret, customer, app, imei, rejectedImei, destination,
                failedDestination, orderId, rejectedOrderId, opened.text("refundCaseId"), withdrawalId,
                failedWithdrawalId, codes, tokens, otp);
    }

    private long verificationFee() {
        for (JsonNode service : api.get("/api/services", null).json().path("items")) {
            if ("742".equals(service.path("code").asText())) {
                return service.path("price").path("amount").asLong();
            }
        }
        return 0;
    }

    private String placeInProcess(Customer customer, String imei) {
        Response placed = api.post("/api/orders", customer.token(), ApiClient.json(Map.of("serviceId", QUICK, "imei", imei)));
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        String orderId = placed.text("orderId");
        awaitOrder(customer, orderId, "IN_PROCESS");
        return orderId;
    }

    private String withdraw(Customer customer, Codes otp, long amount, String destination) {
        String code = otp.next();
        Response requested = api.post("/api/me/withdrawals", customer.token(), ApiClient.json(Map.of("amount", amount,
                "currency", "USD", "method", "BANK_TRANSFER", "destination", destination)), Map.of("X-OTP", code));
        assertThat(requested.status()).as(requested.raw().body()).isEqualTo(201);
        return requested.text("withdrawalId");
    }

    /**
     * What the customer's authenticator gives: each code for a later step than the last one used (the ledger takes
     * a step once), within the step either side of now; waits for the clock when three steps are spent. The previous
     * step only while the current one has a few seconds left: else the step could turn while the request travels
     * and take the code out of the ledger's window.
     */
    static final class Codes {
        private final Authenticator app;
        private final List<String> used;
        private long lastStep = Long.MIN_VALUE;

        Codes(Authenticator app, List<String> used) {
            this.app = app;
            this.used = used;
        }

        String next() {
            long secondsLeftInStep = 30 - Instant.now().getEpochSecond() % 30;
            long step = Math.max(lastStep + 1, Authenticator.stepNow() - (secondsLeftInStep > 3 ? 1 : 0));
            await().atMost(Duration.ofSeconds(35)).pollInterval(Duration.ofMillis(200))
                   .until(() -> step <= Authenticator.stepNow() + 1);
            lastStep = step;
            String code = app.code(step);
            used.add(code);
            return code;
        }
    }

    private String supplierReference(String imei) {
        JsonNode items = api.get("/simulator/dhru/control/orders", admin).json().path("items");
        for (JsonNode item : items) {
            if (imei.equals(item.path("imei").asText())) {
                return item.path("referenceId").asText();
            }
        }
        throw new AssertionError("the simulator holds no order for this IMEI");
    }

    private void decide(String withdrawalId, String status, String reason) {
        Map<String, String> decision = reason == null ? Map.of("status", status) : Map.of("status", status, "reason", reason);
        Response decided = api.post("/simulator/payouts/control/payouts/" + withdrawalId, admin, ApiClient.json(decision));
        assertThat(decided.status()).as(decided.raw().body()).isEqualTo(200);
    }

    void awaitOrder(Customer customer, String orderId, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                status.equals(api.get("/api/orders/" + orderId, customer.token()).text("status")));
    }

    void awaitWithdrawal(Customer customer, String withdrawalId, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                status.equals(api.get("/api/withdrawals/" + withdrawalId, customer.token()).text("status")));
    }

    void awaitAvailable(Customer customer, long available) {
        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/api/me/wallet", customer.token()).json().path("available").asLong() == available);
    }
}
