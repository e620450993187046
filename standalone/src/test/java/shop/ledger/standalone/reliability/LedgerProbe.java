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
        this.admin = api.adminToken();
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

    Customer fundedCustomer(String prefix, long cents) {
        Customer customer = api.register(unique(prefix));
        Response deposit = api.deposit(admin, customer.walletId(), cents, unique("psp"));
        assertThat(deposit.status()).as(deposit.raw().body()).isEqualTo(201);
        awaitWallet(customer, cents, 0);
        return customer;
    }

    Response order(Customer customer, UUID service, String imei) {
        return api.post("/api/orders", customer.token(), ApiClient.json(Map.of("serviceId", service, "imei", imei)));
    }

    String orderStatus(Customer customer, String orderId) {
        return api.get("/api/orders/" + orderId, customer.token()).text("status");
    }

    JsonNode wallet(Customer customer) {
        return api.get("/api/me/wallet", customer.token()).json();
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
            Response verify = api.get("/api/audit/verify", admin);
            report[0] = verify.json();
            String shown = verify.raw().body();
            assertThat(verify.status()).as(shown).isEqualTo(200);
            assertThat(report[0].path("ok").asBoolean()).as(shown.length() > 3000 ? shown.substring(0, 3000) : shown).isTrue();
        });
        return report[0];
    }
}
