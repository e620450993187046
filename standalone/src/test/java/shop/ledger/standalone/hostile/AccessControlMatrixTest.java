package shop.ledger.standalone.hostile;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.platform.security.JwtKeys;
import shop.ledger.platform.security.SecurityConfiguration;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.StandaloneTest;
import shop.ledger.standalone.hostile.ApiContract.Body;
import shop.ledger.standalone.hostile.ApiContract.Endpoint;
import shop.ledger.standalone.hostile.ApiContract.Who;
import shop.ledger.standalone.hostile.LedgerState.Snapshot;
import shop.ledger.standalone.hostile.RawHttp.Reply;
import shop.ledger.standalone.hostile.RawHttp.Request;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may do what (API.md): every endpoint as every caller, the customer's own ids used by another customer,
 * and tokens that are not the ledger's own (tampered, expired, wrongly signed, {@code alg: none}, another
 * issuer or audience). The expected answers are written out below as a table mirroring API.md; the table must
 * name every served endpoint: the {@code /api} ones, actuator's, and the simulators' control endpoints.
 */
@StandaloneTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessControlMatrixTest {

    /** The callers of the matrix: nobody, the owner of the ids used, another customer, each staff role alone. */
    enum Caller { ANONYMOUS, OWNER, OTHER_CUSTOMER, ADMIN, FINANCE, AUDITOR }

    /**
     * ok: allowed (any answer but 401, 403 forbidden, a 404 hiding the resource, or a 5xx); 401: no token;
     * 403: the role may not; 404: another customer's id, or a staff account asking for its own wallet.
     * Columns: anonymous, owner, other customer, ADMIN, FINANCE, AUDITOR.
     */
    static final String MATRIX = """
            POST   /api/auth/register                                  ok  ok  ok  ok  ok  ok
            POST   /api/auth/token                                     ok  ok  ok  ok  ok  ok
            GET    /api/me                                             401 ok  ok  ok  ok  ok
            POST   /api/me/2fa                                         401 ok  ok  ok  ok  ok
            POST   /api/me/2fa/confirm                                 401 ok  ok  ok  ok  ok
            DELETE /api/admin/customers/{customerId}/personal-data     401 403 403 ok  403 403
            POST   /api/admin/staff                                    401 403 403 ok  403 403
            GET    /api/me/wallet                                      401 ok  ok  404 404 404
            GET    /api/me/wallet/transactions                         401 ok  ok  404 404 404
            POST   /api/admin/wallets/{walletId}/deposits              401 403 403 ok  ok  403
            POST   /api/admin/wallets/{walletId}/adjustments           401 403 403 ok  403 403
            GET    /api/admin/wallets/{walletId}                       401 403 403 ok  403 403
            GET    /api/admin/wallets/{walletId}/transactions          401 403 403 ok  403 403
            GET    /api/admin/journal/trial-balance                    401 403 403 ok  403 403
            GET    /api/services                                       ok  ok  ok  ok  ok  ok
            PUT    /api/admin/services/{serviceId}                     401 403 403 ok  403 403
            GET    /api/admin/services                                 401 403 403 ok  403 403
            GET    /api/admin/services/{serviceId}                     401 403 403 ok  403 403
            POST   /api/orders                                         401 ok  ok  403 403 403
            GET    /api/orders/{orderId}                               401 ok  404 ok  ok  ok
            GET    /api/orders                                         401 ok  ok  ok  ok  ok
            POST   /api/orders/{orderId}/cancel                        401 ok  404 403 403 403
            POST   /api/admin/orders/{orderId}/resolution              401 403 403 ok  403 403
            GET    /api/me/events                                      401 ok  ok  ok  ok  ok
            POST   /api/orders/{orderId}/verification-requests         401 ok  404 403 403 403
            GET    /api/refund-cases/{refundCaseId}                    401 ok  404 ok  ok  ok
            GET    /api/refund-cases                                   401 ok  ok  ok  ok  ok
            POST   /api/admin/refund-cases/{refundCaseId}/decision     401 403 403 ok  403 403
            GET    /api/admin/refund-cases/queue                       401 403 403 ok  403 403
            POST   /api/me/withdrawals                                 401 ok  ok  403 403 403
            GET    /api/withdrawals/{withdrawalId}                     401 ok  404 ok  ok  ok
            GET    /api/me/withdrawals                                 401 ok  ok  ok  ok  ok
            GET    /api/finance/withdrawals                            401 403 403 403 ok  403
            POST   /api/finance/reconciliations                        401 403 403 403 ok  403
            GET    /api/finance/reconciliations/{reconciliationId}     401 403 403 403 ok  403
            GET    /api/audit/wallets/{walletId}/history               401 403 403 403 403 ok
            GET    /api/audit/wallets/{walletId}/balance               401 403 403 403 403 ok
            GET    /api/audit/verify                                   401 403 403 403 403 ok
            GET    /api/audit/export                                   401 403 403 403 403 ok
            GET    /api/admin/projections                              401 403 403 ok  403 403
            POST   /api/admin/projections/{name}/replay                401 403 403 ok  403 403
            GET    /actuator/health                                    ok  ok  ok  ok  ok  ok
            GET    /actuator/health/liveness                           ok  ok  ok  ok  ok  ok
            GET    /actuator/health/readiness                          ok  ok  ok  ok  ok  ok
            GET    /actuator/prometheus                                ok  ok  ok  ok  ok  ok
            GET    /actuator                                           401 403 403 ok  403 403
            GET    /actuator/info                                      401 403 403 ok  403 403
            GET    /actuator/metrics                                   401 403 403 ok  403 403
            GET    /actuator/metrics/{metricName}                      401 403 403 ok  403 403
            POST   /simulator/dhru/control/orders/{referenceId}        401 403 403 ok  403 403
            GET    /simulator/dhru/control/orders                      401 403 403 ok  403 403
            GET    /simulator/dhru/control/orders/{referenceId}        401 403 403 ok  403 403
            POST   /simulator/dhru/control/faults                      401 403 403 ok  403 403
            GET    /simulator/dhru/control/faults                      401 403 403 ok  403 403
            POST   /simulator/dhru/control/autocomplete                401 403 403 ok  403 403
            GET    /simulator/dhru/control/autocomplete                401 403 403 ok  403 403
            POST   /simulator/payouts/control/payouts/{payoutReference} 401 403 403 ok 403 403
            GET    /simulator/payouts/control/payouts                  401 403 403 ok  403 403
            GET    /simulator/payouts/control/payouts/{payoutReference} 401 403 403 ok 403 403
            POST   /simulator/payouts/control/faults                   401 403 403 ok  403 403
            GET    /simulator/payouts/control/faults                   401 403 403 ok  403 403
            POST   /simulator/payouts/control/autocomplete             401 403 403 ok  403 403
            GET    /simulator/payouts/control/autocomplete             401 403 403 ok  403 403
            """;

    /**
     * The simulators' control bodies an ADMIN could send without disturbing the other tests of the shared context:
     * decisions name orders and payouts the simulators do not know (404), the faults are reset, and the
     * simulators keep deciding nothing by themselves, as {@code @StandaloneTest} starts them.
     */
    static final Map<String, String> SIMULATOR_BODIES = Map.of(
            "POST /simulator/dhru/control/orders/{referenceId}", "{\"status\":4,\"code\":\"NCK: 0000\"}",
            "POST /simulator/dhru/control/faults", "{}",
            "POST /simulator/dhru/control/autocomplete", "{\"enabled\":false}",
            "POST /simulator/payouts/control/payouts/{payoutReference}", "{\"status\":\"PAID\"}",
            "POST /simulator/payouts/control/faults", "{}",
            "POST /simulator/payouts/control/autocomplete", "{\"enabled\":false}");

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JwtKeys jwtKeys;

    RawHttp http;
    ApiClient api;
    HostileFixture fixture;
    LedgerState state;
    CaseGenerator bodies;
    Map<String, Endpoint> served;
    Map<Caller, String> tokens = new EnumMap<>(Caller.class);
    /** A customer the erasure endpoint may erase, so the owner keeps their data. */
    ApiClient.Customer erasable;

    @BeforeAll
    void setUp() {
        http = new RawHttp(port);
        api = new ApiClient(port);
        fixture = new HostileFixture(api, jdbc);
        state = new LedgerState(jdbc);
        erasable = api.register("h-erasable-" + UUID.randomUUID().toString().substring(0, 8));
        JsonNode openApi = http.send(Request.of("GET", "/v3/api-docs")).json();
        served = new LinkedHashMap<>();
        Map<String, List<String>> queries = new LinkedHashMap<>();
        openApi.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String key = operation.getKey().toUpperCase() + " " + path.getKey();
            if (path.getKey().startsWith("/api/") || ApiContract.simulatorControl(path.getKey())) {
                Endpoint endpoint = ApiContract.find(operation.getKey().toUpperCase(), path.getKey());
                assertThat(endpoint).as("served but not in the contract table: " + key).isNotNull();
                served.put(key, endpoint);
            }
            queries.put(key, List.of());
        }));
        // actuator's endpoints are not in the OpenAPI document; the simulators' control endpoints are
        for (Endpoint operation : ApiContract.OPERATIONS) {
            if (operation.path().startsWith("/actuator")) {
                served.put(operation.key(), operation);
            }
            assertThat(served).as("served: " + operation).containsKey(operation.key());
        }
        bodies = new CaseGenerator(fixture, queries, Map.of());
        tokens.put(Caller.OWNER, fixture.owner.token()); // issued before 2FA was on, valid for the test's minutes
        tokens.put(Caller.OTHER_CUSTOMER, fixture.other.token());
        tokens.put(Caller.ADMIN, fixture.token(Who.ADMIN));
        tokens.put(Caller.FINANCE, fixture.token(Who.FINANCE));
        tokens.put(Caller.AUDITOR, fixture.token(Who.AUDITOR));
    }

    @AfterAll
    void forgetFailedLogins() {
        jdbc.sql("DELETE FROM auth_failure").update();
    }

    @Test
    void everyServedEndpointIsInTheMatrixAndEveryCallerGetsWhatApiMdAllows() {
        Map<String, String[]> matrix = matrix();
        Set<String> unlisted = new TreeSet<>(served.keySet());
        unlisted.removeAll(matrix.keySet());
        assertThat(unlisted).as("served endpoints missing from the matrix").isEmpty();
        for (Endpoint endpoint : Stream.concat(ApiContract.ENDPOINTS.stream(), ApiContract.OPERATIONS.stream()).toList()) {
            assertThat(matrix).as("the matrix mirrors the contract table: " + endpoint).containsKey(endpoint.key());
            String[] row = matrix.get(endpoint.key());
            for (Caller caller : Caller.values()) {
                assertThat(row[caller.ordinal()]).as(endpoint + " as " + caller + " agrees with the contract table")
                                                 .isEqualTo(fromContract(endpoint, caller));
            }
        }

        List<String> failures = new ArrayList<>();
        int cells = 0;
        // the owner last: an owner's request may change what the others would see (a decided case, a cancelled order)
        List<Caller> order = List.of(Caller.ANONYMOUS, Caller.OTHER_CUSTOMER, Caller.FINANCE, Caller.AUDITOR,
                Caller.OWNER, Caller.ADMIN);
        for (Caller caller : order) {
            for (Endpoint endpoint : served.values()) {
                String expected = matrix.get(endpoint.key())[caller.ordinal()];
                Request request = validRequest(endpoint, tokens.get(caller));
                Snapshot before = state.take("mx-");
                Reply reply = http.send(request);
                Snapshot after = state.take("mx-");
                cells++;
                String failure = judge(endpoint, caller, expected, reply);
                if (failure == null && !expected.equals("ok") && !before.digest().equals(after.digest())) {
                    failure = "a refused request changed the ledger's tables";
                }
                if (failure != null) {
                    failures.add(endpoint + " as " + caller + " (expected " + expected + "): " + failure + " -> " + reply);
                }
            }
        }
        fixture.forgetLoginFailures();
        System.out.println("Access matrix: " + served.size() + " endpoints x " + Caller.values().length + " callers = "
                + cells + " requests, " + failures.size() + " failures");
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    @Test
    void anotherCustomersListsNeverShowTheOwnersThings() {
        String other = tokens.get(Caller.OTHER_CUSTOMER);
        for (String path : List.of("/api/orders", "/api/refund-cases", "/api/me/withdrawals", "/api/me/wallet/transactions")) {
            Reply reply = http.send(Request.of("GET", path).header("Authorization", "Bearer " + other));
            assertThat(reply.status()).as(path).isEqualTo(200);
            assertThat(reply.text()).as(path).doesNotContain(fixture.orderId).doesNotContain(fixture.refundCaseId)
                                    .doesNotContain(fixture.withdrawalId).doesNotContain(fixture.owner.walletId().toString());
        }
    }

    @Test
    void tokensTheLedgerDidNotIssueAreRefusedWith401() throws Exception {
        RSAKey ledgerKey = jwtKeys.key();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID(ledgerKey.getKeyID()).generate();
        Instant now = Instant.now();
        JWTClaimsSet.Builder valid = new JWTClaimsSet.Builder()
                .issuer(SecurityConfiguration.ISSUER).audience(SecurityConfiguration.ISSUER)
                .subject(fixture.owner.customerId().toString()).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .claim("roles", List.of("CUSTOMER", "ADMIN", "FINANCE", "AUDITOR"))
                .claim("wallet", fixture.owner.walletId().toString());
        // the control: the same claims signed by the ledger's key are accepted
        String genuine = rs256(ledgerKey, valid.build());
        assertThat(http.send(Request.of("GET", "/api/me").header("Authorization", "Bearer " + genuine)).status()).isEqualTo(200);

        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("expired", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build())
                .issueTime(Date.from(now.minusSeconds(7200))).expirationTime(Date.from(now.minusSeconds(3600))).build()));
        forged.put("not yet valid", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build())
                .notBeforeTime(Date.from(now.plusSeconds(3600))).build()));
        forged.put("signed by another key", rs256(stranger, valid.build()));
        forged.put("alg none", unsigned(valid.build()));
        forged.put("alg none, upper-case", unsigned(valid.build()).replaceFirst("^[^.]+", b64("{\"alg\":\"NONE\"}")));
        forged.put("HS256 keyed with the public key", hs256(ledgerKey, valid.build()));
        forged.put("another issuer", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build()).issuer("someone-else").build()));
        forged.put("another audience", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build()).audience("someone-else").build()));
        forged.put("no audience", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build()).audience((String) null).build()));
        forged.put("no expiry", rs256(ledgerKey, new JWTClaimsSet.Builder(valid.build()).expirationTime(null).build()));
        String customerToken = fixture.other.token();
        String[] parts = customerToken.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"CUSTOMER\"", "\"ADMIN\"");
        forged.put("roles raised in a customer's token", parts[0] + "." + b64(payload) + "." + parts[2]);
        forged.put("signature cut off", parts[0] + "." + parts[1] + ".");
        forged.put("garbage", "not-a-token");
        forged.put("empty", "");

        List<String> failures = new ArrayList<>();
        int requests = 0;
        for (Endpoint endpoint : served.values()) {
            for (Map.Entry<String, String> token : forged.entrySet()) {
                Request request = validRequest(endpoint, null);
                request.header("Authorization", "Bearer " + token.getValue());
                Snapshot before = state.take("mx-");
                Reply reply = http.send(request);
                requests++;
                String problem = reply.status() != 401 ? "answered " + reply.status() : HostileInputFuzzTest.problemShape(reply);
                if (problem == null && !reply.json().path("type").asText().equals("/problems/unauthorized")) {
                    problem = "not the unauthorized problem";
                }
                if (problem == null && !before.digest().equals(state.take("mx-").digest())) {
                    problem = "changed the ledger's tables";
                }
                if (problem != null) {
                    failures.add(endpoint + " with a token " + token.getKey() + ": " + problem + " -> " + reply);
                }
            }
        }
        System.out.println("Forged tokens: " + forged.size() + " kinds x " + served.size() + " endpoints = " + requests
                + " requests, " + failures.size() + " failures");
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    // ---------------------------------------------------------------- the requests

    /** A request the endpoint's allowed callers could make for real, aimed at the owner's ids. */
    private Request validRequest(Endpoint endpoint, String token) {
        String path = endpoint.path()
                              .replace("{walletId}", fixture.owner.walletId().toString())
                              .replace("{orderId}", fixture.orderId)
                              .replace("{refundCaseId}", fixture.refundCaseId)
                              .replace("{withdrawalId}", fixture.withdrawalId)
                              .replace("{reconciliationId}", fixture.reconciliationId)
                              .replace("{serviceId}", HostileFixture.FUZZ_SERVICE.toString())
                              .replace("{customerId}", erasable.customerId().toString())
                              .replace("{name}", "no-such-projection")
                              .replace("{metricName}", "jvm.memory.used")
                              .replace("{referenceId}", "999999999")
                              .replace("{payoutReference}", "po_nobody");
        Request request = Request.of(endpoint.method(), path);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (SIMULATOR_BODIES.containsKey(endpoint.key())) {
            request.header("Content-Type", "application/json");
            return request.body(SIMULATOR_BODIES.get(endpoint.key()).getBytes(StandardCharsets.UTF_8));
        }
        if (!endpoint.reads()) {
            request.header("Idempotency-Key", "mx-" + UUID.randomUUID());
        }
        Random random = new Random();
        if (endpoint.body() == Body.JSON) {
            Map<String, Object> body = bodies.shape(endpoint).valid(random);
            request.header("Content-Type", "application/json");
            return request.body(BodyShapes.write(body).getBytes(StandardCharsets.UTF_8));
        }
        if (endpoint.body() == Body.STATEMENT) {
            request.header("Content-Type", "text/csv");
            return request.body(Statements.validCsv(random).getBytes(StandardCharsets.UTF_8));
        }
        if (endpoint.body() == Body.IGNORED) {
            return request.body(new byte[0]);
        }
        return request;
    }

    private String judge(Endpoint endpoint, Caller caller, String expected, Reply reply) {
        if (reply.status() >= 500) {
            return "server error";
        }
        String type = reply.json().path("type").asText("");
        if (reply.status() >= 400) {
            String shape = HostileInputFuzzTest.problemShape(reply);
            if (shape != null) {
                return shape;
            }
        }
        return switch (expected) {
            case "ok" -> reply.status() == 401 || type.equals("/problems/forbidden")
                    || endpoint.owned() && reply.status() == 404 ? "refused what API.md allows" : null;
            case "401" -> reply.status() == 401 && type.equals("/problems/unauthorized") ? null : "not 401 unauthorized";
            case "403" -> reply.status() == 403 && type.equals("/problems/forbidden") ? null : "not 403 forbidden";
            case "404" -> reply.status() == 404 && type.equals("/problems/not-found") ? null : "not 404 not-found";
            default -> throw new IllegalStateException(expected);
        };
    }

    /** What the contract table (ApiContract) says for a cell, to check the written matrix against it. */
    private static String fromContract(Endpoint endpoint, Caller caller) {
        Who who = switch (caller) {
            case ANONYMOUS -> Who.ANONYMOUS;
            case OWNER, OTHER_CUSTOMER -> Who.CUSTOMER;
            case ADMIN -> Who.ADMIN;
            case FINANCE -> Who.FINANCE;
            case AUDITOR -> Who.AUDITOR;
        };
        if (!endpoint.allowed().contains(who)) {
            return who == Who.ANONYMOUS ? "401" : "403";
        }
        if (endpoint.ownWallet() && who.staff()) {
            return "404";
        }
        if (endpoint.owned() && caller == Caller.OTHER_CUSTOMER) {
            return "404";
        }
        return "ok";
    }

    private static Map<String, String[]> matrix() {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : MATRIX.strip().split("\n")) {
            String[] cells = line.strip().split("\\s+");
            rows.put(cells[0] + " " + cells[1], java.util.Arrays.copyOfRange(cells, 2, cells.length));
        }
        return rows;
    }

    // ---------------------------------------------------------------- forged tokens

    private static String rs256(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String hs256(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        byte[] secret = key.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static String unsigned(JWTClaimsSet claims) {
        return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims.toString()) + ".";
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
