package shop.ledger.standalone.identity;

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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The second factor and the guessing throttle over HTTP: enrolment, confirmation, tokens that need a current
 * code, no replay, 429 with Retry-After, and the secret never stored in clear (R9, R10, R11).
 */
@StandaloneTest
class TwoFactorFlowTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        forgetFailures();
    }

    /** Every test client is 127.0.0.1: leave no failures behind for the other tests in this context. */
    @AfterEach
    void forgetFailures() {
        jdbc.sql("DELETE FROM auth_failure").update();
    }

    @Test
    void aCustomerEnrolsConfirmsAndThenNeedsAFreshCodeForEveryToken() {
        String username = unique("tess");
        Customer tess = api.register(username);

        Response enrolment = api.post("/api/me/2fa", tess.token(), "");
        assertThat(enrolment.status()).as(enrolment.raw().body()).isEqualTo(200);
        String secret = enrolment.text("secret");
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(enrolment.text("otpauthUri")).isEqualTo("otpauth://totp/IMEI%20Shop:" + username + "?secret="
                + secret + "&issuer=IMEI%20Shop&algorithm=SHA1&digits=6&period=30");
        Authenticator app = new Authenticator(secret);

        assertThat(api.token(username, ApiClient.PASSWORD)).as("pending until confirmed: no code needed").isNotBlank();
        assertProblem(confirm(tess.token(), app.wrongCode()), 403, "invalid-otp");
        assertProblem(confirm(tess.token(), ""), 400, "validation-failed");
        long confirmedStep = Authenticator.stepNow();
        Response confirmed = confirm(tess.token(), app.code(confirmedStep));
        assertThat(confirmed.status()).as(confirmed.raw().body()).isEqualTo(204);
        assertProblem(api.post("/api/me/2fa", tess.token(), ""), 409, "conflict");
        assertProblem(confirm(tess.token(), app.code(Authenticator.stepNow() + 1)), 409, "conflict");

        assertProblem(token(username, ApiClient.PASSWORD, null), 403, "otp-required");
        assertProblem(token(username, ApiClient.PASSWORD, " "), 403, "otp-required");
        assertProblem(token(username, "wrong password!", app.code(Authenticator.stepNow())), 401, "unauthorized");
        assertProblem(token(username, ApiClient.PASSWORD, app.code(confirmedStep)), 403, "invalid-otp");
        assertProblem(token(username, ApiClient.PASSWORD, app.wrongCode()), 403, "invalid-otp");

        // the confirmation spent its step; the next step's code is within the drift allowed
        String code = app.code(Math.max(Authenticator.stepNow(), confirmedStep) + 1);
        Response issued = token(username, ApiClient.PASSWORD, code);
        assertThat(issued.status()).as(issued.raw().body()).isEqualTo(200);
        assertThat(issued.text("tokenType")).isEqualTo("Bearer");
        assertProblem(token(username, ApiClient.PASSWORD, code), 403, "invalid-otp");

        String fresh = issued.text("accessToken");
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            Response me = api.get("/api/me", fresh);
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.json().path("twoFactorEnabled").asBoolean()).isTrue();
        });
    }

    @Test
    void staffAccountsHaveTheSecondFactorToo() {
        String username = unique("auditor");
        Response created = api.post("/api/admin/staff", api.adminToken(), ApiClient.json(Map.of("username", username,
                "email", username + "@example.com", "password", ApiClient.PASSWORD, "roles", List.of("AUDITOR"))));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        String staffToken = api.token(username, ApiClient.PASSWORD);
        Authenticator app = new Authenticator(api.post("/api/me/2fa", staffToken, "").text("secret"));
        assertThat(confirm(staffToken, app.code(Authenticator.stepNow())).status()).isEqualTo(204);
        assertProblem(token(username, ApiClient.PASSWORD, null), 403, "otp-required");
        assertThat(token(username, ApiClient.PASSWORD, app.code(Authenticator.stepNow() + 1)).status()).isEqualTo(200);
    }

    @Test
    void theSecretIsNeverStoredInPlainText() {
        String username = unique("uma");
        Customer uma = api.register(username);
        String secret = api.post("/api/me/2fa", uma.token(), "").text("secret");
        assertThat(confirm(uma.token(), new Authenticator(secret).code(Authenticator.stepNow())).status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(2)).until(() -> jdbc.sql(
                "SELECT two_factor FROM account_view WHERE account_id = ?").param(uma.customerId())
                                                                .query(Boolean.class).single());

        byte[] raw = new org.apache.commons.codec.binary.Base32().decode(secret);
        List<byte[]> needles = List.of(secret.getBytes(StandardCharsets.US_ASCII),
                secret.toLowerCase().getBytes(StandardCharsets.US_ASCII), raw,
                Base64.getEncoder().encodeToString(raw).getBytes(StandardCharsets.US_ASCII),
                HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));

        String sealed = jdbc.sql("SELECT totp_secret_encrypted FROM account WHERE account_id = ?")
                            .param(uma.customerId()).query(String.class).single();
        assertThat(sealed).startsWith("v1:");
        for (String table : List.of("account", "account_view", "idempotency_record", "auth_failure")) {
            assertThat(jdbc.sql("SELECT count(*) FROM " + table + " t WHERE t::text ILIKE ?").param("%" + secret + "%")
                           .query(Long.class).single()).as(table).isZero();
        }
        for (String column : List.of("payload", "metadata")) {
            List<byte[]> stored = jdbc.sql("SELECT " + column + " FROM domainevententry").query((rs, n) -> rs.getBytes(1))
                                      .list();
            for (byte[] needle : needles) {
                assertThat(stored).as(column).noneMatch(bytes -> contains(bytes, needle));
            }
        }
        String enabledEvent = jdbc.sql("""
                                           SELECT convert_from(payload, 'UTF8') FROM domainevententry
                                           WHERE payloadtype LIKE '%TwoFactorEnabled'
                                             AND convert_from(payload, 'UTF8') LIKE ?""")
                                  .param("%" + uma.customerId() + "%").query(String.class).single();
        assertThat(enabledEvent).doesNotContain(secret);
    }

    @Test
    void repeatedWrongPasswordsAreThrottledPerAccountWithoutLockingOthersOut() {
        String victim = unique("vera");
        api.register(victim);
        String neighbour = unique("nick");
        api.register(neighbour);

        for (int i = 0; i < 5; i++) {
            assertProblem(token(victim, "wrong password " + i, null), 401, "unauthorized");
        }
        Response throttled = token(victim, "wrong password 6", null);
        assertProblem(throttled, 429, "too-many-requests");
        assertThat(Long.parseLong(throttled.header("Retry-After"))).isBetween(1L, 900L);
        // the right password gets the same answer: a throttled attempt tells nothing
        Response right = token(victim, ApiClient.PASSWORD, null);
        assertProblem(right, 429, "too-many-requests");
        assertThat(right.json().path("detail").asText().replaceAll("[0-9]+", "N"))
                .isEqualTo(throttled.json().path("detail").asText().replaceAll("[0-9]+", "N"));
        // X-Forwarded-For is not trusted: a forged client address does not help
        assertProblem(api.post("/api/auth/token", null, credentials(victim, ApiClient.PASSWORD, null),
                Map.of("X-Forwarded-For", "203.0.113.77")), 429, "too-many-requests");

        // another account from the same address, below the address limit, is not affected
        assertThat(token(neighbour, ApiClient.PASSWORD, null).status()).isEqualTo(200);
        assertProblem(token(neighbour, "wrong password!", null), 401, "unauthorized");
        assertThat(token(neighbour, ApiClient.PASSWORD, null).status()).isEqualTo(200);
    }

    @Test
    void anAddressIsThrottledAfterTwentyFailuresOverAnyUsernames() {
        String later = unique("lara");
        api.register(later);
        for (int i = 0; i < 20; i++) {
            assertProblem(token(unique("ghost"), "wrong password!", null), 401, "unauthorized");
        }
        Response throttled = token(later, ApiClient.PASSWORD, null);
        assertProblem(throttled, 429, "too-many-requests");
        assertThat(throttled.header("Retry-After")).isNotNull();
    }

    @Test
    void guessingTheConfirmationCodeIsThrottled() {
        Customer gus = api.register(unique("gus"));
        Authenticator app = new Authenticator(api.post("/api/me/2fa", gus.token(), "").text("secret"));
        for (int i = 0; i < 5; i++) {
            assertProblem(confirm(gus.token(), app.wrongCode()), 403, "invalid-otp");
        }
        Response throttled = confirm(gus.token(), app.code(Authenticator.stepNow()));
        assertProblem(throttled, 429, "too-many-requests");
        assertThat(throttled.header("Retry-After")).matches("[1-9][0-9]*");
        assertThat(api.get("/api/me", gus.token()).json().path("twoFactorEnabled").asBoolean()).isFalse();
    }

    private Response confirm(String token, String otp) {
        return api.post("/api/me/2fa/confirm", token, ApiClient.json(Map.of("otp", otp)));
    }

    private Response token(String username, String password, String otp) {
        return api.post("/api/auth/token", null, credentials(username, password, otp));
    }

    private static String credentials(String username, String password, String otp) {
        Map<String, Object> body = new HashMap<>(Map.of("username", username, "password", password));
        if (otp != null) {
            body.put("otp", otp);
        }
        return ApiClient.json(body);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
        assertThat(response.json().path("status").asInt()).isEqualTo(status);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null) {
            return false;
        }
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
