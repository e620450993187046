package shop.ledger.standalone.reliability;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import shop.ledger.standalone.seed.CatalogueSeed;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request whose COMMIT fails is never acknowledged, and its retry with the same Idempotency-Key runs afresh.
 * The failure is made by PostgreSQL itself at commit time: a deferred constraint trigger on the request's
 * stored answer fires inside COMMIT and either raises an error or terminates the request's own backend (the
 * connection lost during COMMIT, as when the database goes away). RELIABILITY.md: the 201 for a COMMIT that failed.
 */
@StandaloneTest
class CommitFailureTest {

    static final UUID QUICK = UUID.nameUUIDFromBytes("test:commit-failure-quick".getBytes());
    static final long PRICE = 500;
    static final long FEE = 300;

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        // fulfilled by the simulator (its service 1003) and overdue a second after submission
        Response defined = api.put("/api/admin/services/" + QUICK, admin, ApiClient.json(Map.of(
                "code", "T-COMMIT", "name", "Quick check (commit failure tests)", "kind", "IMEI",
                "price", Map.of("amount", PRICE, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "PT0S", "max", "PT1S"),
                "requires", Map.of("imei", true, "model", false, "network", false, "serialNumber", false),
                "active", true, "supplier", Map.of("supplier", "simulator", "supplierServiceId", "1003"))));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
        verificationFee(FEE);
    }

    @AfterEach
    void tearDown() {
        disarm();
        verificationFee(0);
    }

    /** The database refuses the COMMIT (a serialization failure raised at commit time): nothing is stored. */
    @Test
    void aCommitRefusedByTheDatabaseIsNotAcknowledged() {
        arm("RAISE EXCEPTION 'commit refused for the test' USING ERRCODE = '40001'");
        theRequestIsAcknowledgedOnlyOnceCommitted("commit-refused-");
    }

    /** The connection dies during COMMIT (its backend terminated, SQLSTATE 57P01): the outcome is unknown. */
    @Test
    void aConnectionLostDuringCommitIsNotAcknowledged() {
        arm("PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5)");
        theRequestIsAcknowledgedOnlyOnceCommitted("connection-lost-");
    }

    private void theRequestIsAcknowledgedOnlyOnceCommitted(String keyPrefix) {
        Customer customer = api.register("commit-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(api.deposit(admin, customer.walletId(), 2_000, "psp-" + UUID.randomUUID()).status()).isEqualTo(201);
        String orderId = overdueOrder(customer);
        awaitWallet(customer, 2_000 - PRICE, PRICE);
        String key = keyPrefix + UUID.randomUUID();

        Response failed = requestVerification(customer, orderId, key);
        assertThat(failed.status()).as("answer when the commit fails: %s", failed.raw().body()).isEqualTo(503);
        assertThat(failed.contentType()).isEqualTo("application/problem+json");
        assertThat(failed.text("type")).endsWith("/problems/service-unavailable");
        assertThat(jdbc.sql("SELECT count(*) FROM open_refund_case WHERE order_id = ?").param(UUID.fromString(orderId))
                       .query(Long.class).single()).as("nothing of the failed request is stored").isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM idempotency_record WHERE idem_key = ?").param(key)
                       .query(Long.class).single()).as("no answer is stored for its key").isZero();

        disarm();
        Response retried = requestVerification(customer, orderId, key);
        assertThat(retried.status()).as("the retry with the same key runs afresh: %s", retried.raw().body()).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).isNull();
        String caseId = retried.text("refundCaseId");
        assertThat(jdbc.sql("SELECT count(*) FROM domainevententry WHERE aggregateidentifier = ?").param(caseId)
                       .query(Long.class).single()).as("the acknowledged case is in the event store").isEqualTo(1);
        // the acknowledged retry's position covers its fee's hold: the first read after it shows it
        assertWalletAfter(retried.position(), customer, 2_000 - PRICE - FEE, PRICE + FEE);

        Response decided = api.post("/api/admin/refund-cases/" + caseId + "/decision", admin,
                ApiClient.json(Map.of("outcome", "APPROVED", "note", "the supplier cancelled it")));
        assertThat(decided.status()).as(decided.raw().body()).isEqualTo(200);
        assertWalletAfter(decided.position(), customer, 2_000, 0);
    }

    /** A deferred constraint trigger: it runs inside COMMIT, for this test's keys only (the database is shared). */
    private void arm(String failure) {
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.idem_key LIKE 'commit-refused-%' OR NEW.idem_key LIKE 'connection-lost-%' THEN
                        FAILURE;
                    END IF;
                    RETURN NEW;
                END $$""".replace("FAILURE", failure)).update();
        jdbc.sql("""
                CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT OR UPDATE ON idempotency_record
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit()""").update();
    }

    private void disarm() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_fail_at_commit ON idempotency_record").update();
        jdbc.sql("DROP FUNCTION IF EXISTS test_fail_at_commit()").update();
    }

    private Response requestVerification(Customer customer, String orderId, String key) {
        return api.post("/api/orders/" + orderId + "/verification-requests", customer.token(), "{}",
                Map.of("Idempotency-Key", key));
    }

    private void verificationFee(long cents) {
        Response defined = api.put("/api/admin/services/" + CatalogueSeed.serviceId("742"), admin, ApiClient.json(Map.of(
                "code", "742", "name", "Order Check / Verification & Refund Request", "kind", "VERIFICATION",
                "price", Map.of("amount", cents, "currency", "USD"),
                "deliveryEstimate", Map.of("min", "P1D", "max", "P7D"),
                "requires", Map.of("imei", false, "model", false, "network", false, "serialNumber", false),
                "active", true)));
        assertThat(defined.status()).as(defined.raw().body()).isEqualTo(200);
    }

    private String overdueOrder(Customer customer) {
        Response placed = api.post("/api/orders", customer.token(),
                ApiClient.json(Map.of("serviceId", QUICK, "imei", imei())));
        assertThat(placed.status()).as(placed.raw().body()).isEqualTo(201);
        String orderId = placed.text("orderId");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "IN_PROCESS".equals(api.get("/api/orders/" + orderId, customer.token()).text("status")));
        await().pollDelay(Duration.ofMillis(1100)).until(() -> true); // past its one-second estimate
        return orderId;
    }

    /** The wallet as read after {@code position}, once: no retry. */
    private void assertWalletAfter(long position, Customer customer, long available, long held) {
        JsonNode wallet = api.getAfter(position, "/api/me/wallet", customer.token()).json();
        assertThat(wallet.path("available").asLong()).isEqualTo(available);
        assertThat(wallet.path("held").asLong()).isEqualTo(held);
    }

    private void awaitWallet(Customer customer, long available, long held) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode wallet = api.get("/api/me/wallet", customer.token()).json();
            assertThat(wallet.path("available").asLong()).isEqualTo(available);
            assertThat(wallet.path("held").asLong()).isEqualTo(held);
        });
    }

    /** A unique 15-digit IMEI with a valid Luhn check digit. */
    private static String imei() {
        String body = "35" + String.format("%012d", Math.floorMod(UUID.randomUUID().getMostSignificantBits(), 1_000_000_000_000L));
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
