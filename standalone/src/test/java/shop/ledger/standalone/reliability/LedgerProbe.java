package shop.ledger.standalone.reliability;

import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Imei;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the reliability tests look at: the API as customers and staff see it, and the event store as the auditor
 * sees it (every money movement of a reservation, in order).
 */
final class LedgerProbe {

    static final boolean LONG = Boolean.getBoolean("reliability.long");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final ApiClient api;
    final JdbcClient jdbc;
    final String admin;

    LedgerProbe(int port, JdbcClient jdbc) {
        this.api = new ApiClient(port);
        this.jdbc = jdbc;
        this.admin = retryingWhileBusy(() -> api.post("/api/auth/token", null, ApiClient.json(Map.of(
                "username", ApiClient.ADMIN, "password", ApiClient.ADMIN_PASSWORD)))).text("accessToken");
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A random IMEI with a valid Luhn check digit. */
    static String imei() {
        StringBuilder digits = new StringBuilder("35");
        while (digits.length() < 14) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (Imei.isValid(digits + Integer.toString(check))) {
                return digits + Integer.toString(check);
            }
        }
        throw new IllegalStateException();
    }

    /**
     * As a client does: a 503 (no database connection free within the pool's timeout, as happens on a machine this
     * busy) changed nothing, so the same request is sent again after a pause, with the same Idempotency-Key; so is a
     * 409 {@code request-in-progress} (the same key still running, API.md), like a lost answer.
     */
    static Response retryingWhileBusy(Supplier<Response> request) {
        Response response = request.get();
        for (int retry = 0; (response.status() == 503 || inProgress(response)) && retry < 20; retry++) {
            try {
                Thread.sleep(250L * (retry + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            response = request.get();
        }
        return response;
    }

    private static boolean inProgress(Response response) {
        return response.status() == 409 && response.raw().body().contains("/problems/request-in-progress");
    }

    Response post(String path, String token, String body) {
        return post(path, token, body, Map.of());
    }

    Response post(String path, String token, String body, Map<String, String> headers) {
        Map<String, String> withKey = new HashMap<>(headers);
        withKey.putIfAbsent("Idempotency-Key", UUID.randomUUID().toString());
        return retryingWhileBusy(() -> api.post(path, token, body, withKey));
    }

    Response get(String path, String token) {
        return retryingWhileBusy(() -> api.get(path, token));
    }

    Customer register(String prefix) {
        String username = unique(prefix);
        Response registered = post("/api/auth/register", null, ApiClient.json(Map.of("username", username,
                "email", username + "@example.com", "password", ApiClient.PASSWORD)));
        assertThat(registered.status()).as(registered.raw().body()).isEqualTo(201);
        Response token = post("/api/auth/token", null, ApiClient.json(Map.of("username", username,
                "password", ApiClient.PASSWORD)));
        assertThat(token.status()).as(token.raw().body()).isEqualTo(200);
        return new Customer(UUID.fromString(registered.text("customerId")), UUID.fromString(registered.text("walletId")),
                token.text("accessToken"), registered.position());
    }

    Customer fundedCustomer(String prefix, long cents) {
        Customer customer = register(prefix);
        Response deposit = post("/api/admin/wallets/" + customer.walletId() + "/deposits", admin,
                ApiClient.json(Map.of("amount", cents, "currency", "USD", "providerReference", unique("psp"))));
        assertThat(deposit.status()).as(deposit.raw().body()).isEqualTo(201);
        // the deposit is the wallet's only write: the first read after its position shows it, no polling
        JsonNode wallet = retryingWhileBusy(() -> api.getAfter(deposit.position(), "/api/me/wallet", customer.token())).json();
        assertThat(wallet.path("available").asLong()).as("available").isEqualTo(cents);
        assertThat(wallet.path("held").asLong()).as("held").isZero();
        return customer;
    }

    Response order(Customer customer, UUID service, String imei) {
        return post("/api/orders", customer.token(), ApiClient.json(Map.of("serviceId", service, "imei", imei)));
    }

    String orderStatus(Customer customer, String orderId) {
        return get("/api/orders/" + orderId, customer.token()).text("status");
    }

    JsonNode wallet(Customer customer) {
        return get("/api/me/wallet", customer.token()).json();
    }

    void awaitWallet(Customer customer, long available, long held) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode wallet = wallet(customer);
            assertThat(wallet.path("available").asLong()).as("available").isEqualTo(available);
            assertThat(wallet.path("held").asLong()).as("held").isEqualTo(held);
        });
    }

    /**
     * Every reservation's money events from the event store, oldest first, by reservation id (an order, a
     * withdrawal or a refund case): e.g. [FundsReserved, ReservationCaptured].
     */
    Map<String, List<String>> moneyEventsByReservation() {
        Map<String, List<String>> events = new HashMap<>();
        jdbc.sql("""
                     SELECT substring(payloadtype from '[A-Za-z]+$') AS type, convert_from(payload, 'UTF8') AS payload
                     FROM domainevententry WHERE payloadtype LIKE '%WalletEvents%' ORDER BY globalindex""")
            .query((rs, row) -> {
                JsonNode payload = JSON.readTree(rs.getString("payload"));
                String reservation = payload.path("reservationId").asText(null);
                if (reservation != null) {
                    events.computeIfAbsent(reservation, k -> new ArrayList<>()).add(rs.getString("type"));
                }
                return null;
            })
            .list();
        return events;
    }

    /** The types of an aggregate's own events, in order. */
    List<String> eventsOf(String aggregateId) {
        return jdbc.sql("""
                            SELECT substring(payloadtype from '[A-Za-z]+$') FROM domainevententry
                            WHERE aggregateidentifier = ? ORDER BY sequencenumber""")
                   .param(aggregateId).query(String.class).list();
    }

    /** {@code GET /api/audit/verify} until it is ok: right after traffic a projection may be milliseconds behind. */
    JsonNode awaitAuditOk() {
        JsonNode[] report = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Response verify = get("/api/audit/verify", admin);
            report[0] = verify.json();
            String shown = verify.raw().body();
            assertThat(verify.status()).as(shown).isEqualTo(200);
            assertThat(report[0].path("ok").asBoolean()).as(shown.length() > 3000 ? shown.substring(0, 3000) : shown).isTrue();
        });
        return report[0];
    }
}
