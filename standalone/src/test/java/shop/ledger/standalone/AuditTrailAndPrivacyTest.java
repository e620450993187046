package shop.ledger.standalone;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.WalletCommands.DepositFunds;
import shop.ledger.platform.security.SecurityConfiguration;
import shop.ledger.standalone.ApiClient.Customer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.WalletApiTest.assertProblem;
import static shop.ledger.standalone.WalletApiTest.unique;

/** What auditors and the privacy policy rely on: event metadata, encrypted personal data, real tokens, snapshots. */
@StandaloneTest
class AuditTrailAndPrivacyTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    JwtEncoder ledgerEncoder;
    @Autowired
    CommandGateway commands;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
    }

    @Test
    void everyEventCarriesCorrelationCausationActorAndIdempotencyKey() {
        Customer kate = api.register(unique("kate"));
        String admin = api.adminToken();
        String adminId = api.get("/api/me", admin).text("customerId");
        String correlationId = "audit-" + UUID.randomUUID();
        String idempotencyKey = UUID.randomUUID().toString();
        ApiClient.Response deposit = api.post("/api/admin/wallets/" + kate.walletId() + "/deposits", admin,
                ApiClient.json(Map.of("amount", 777, "currency", "USD", "providerReference", unique("psp"))),
                Map.of("X-Correlation-Id", correlationId, "Idempotency-Key", idempotencyKey));
        assertThat(deposit.status()).isEqualTo(201);
        assertThat(deposit.header("X-Correlation-Id")).isEqualTo(correlationId);

        JsonNode deposited = metaData(kate.walletId(), 1);
        assertThat(deposited.path("correlationId").asText()).isEqualTo(correlationId);
        assertThat(deposited.path("actor").asText()).isEqualTo("staff:" + adminId);
        assertThat(deposited.path("idempotencyKey").asText()).isEqualTo(idempotencyKey);
        assertThat(deposited.path("causationId").asText()).isNotBlank().isNotEqualTo(correlationId);

        JsonNode opened = metaData(kate.walletId(), 0);
        assertThat(opened.path("actor").asText()).as("customers register themselves")
                                                .isEqualTo("customer:" + kate.customerId());
        assertThat(opened.path("correlationId").asText()).isNotBlank();
    }

    @Test
    void theEmailIsNeverStoredInPlainText() {
        String username = unique("lena");
        api.register(username);
        String email = username + "@example.com";
        await().atMost(Duration.ofSeconds(1)).until(() -> jdbc.sql("SELECT count(*) FROM account_view WHERE username = ?")
                                                              .param(username).query(Long.class).single() == 1);
        byte[] needle = email.getBytes(StandardCharsets.UTF_8);
        List<byte[]> payloads = jdbc.sql("SELECT payload FROM domainevententry").query((rs, n) -> rs.getBytes(1)).list();
        assertThat(payloads).noneMatch(payload -> contains(payload, needle));
        List<byte[]> metaData = jdbc.sql("SELECT metadata FROM domainevententry").query((rs, n) -> rs.getBytes(1)).list();
        assertThat(metaData).noneMatch(payload -> contains(payload, needle));
        assertThat(jdbc.sql("SELECT count(*) FROM account WHERE encrypted_email LIKE ?").param("%" + email + "%")
                       .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM account_view WHERE encrypted_email LIKE ?").param("%" + email + "%")
                       .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT password_hash FROM account WHERE username = ?").param(username)
                       .query(String.class).single()).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    }

    @Test
    void onlyUnexpiredTokensSignedByTheLedgerAreAccepted() throws Exception {
        Customer mia = api.register(unique("mia"));
        assertThat(api.get("/api/me/wallet", mia.token()).status()).isIn(200, 404);

        String expired = token(ledgerEncoder, mia.customerId(), Instant.now().minusSeconds(3600));
        assertProblem(api.get("/api/me/wallet", expired), 401, "unauthorized");

        RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
        String forged = token(new NimbusJwtEncoder(new com.nimbusds.jose.jwk.source.ImmutableJWKSet<>(
                new com.nimbusds.jose.jwk.JWKSet(stranger))), mia.customerId(), Instant.now().plusSeconds(600));
        assertProblem(api.get("/api/me/wallet", forged), 401, "unauthorized");

        String[] parts = mia.token().split("\\.");
        String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
        assertProblem(api.get("/api/me/wallet", tampered), 401, "unauthorized");
        assertProblem(api.get("/api/me/wallet", "not-a-token"), 401, "unauthorized");
    }

    @Test
    void aLongWalletIsSnapshottedAndStillExact() {
        Customer noah = api.register(unique("noah"));
        long total = 0;
        for (int i = 1; i <= 600; i++) {
            commands.sendAndWait(new DepositFunds(noah.walletId(), UUID.randomUUID(), Money.of(i, "USD"), "bulk-" + i));
            total += i;
        }
        long snapshots = jdbc.sql("SELECT count(*) FROM snapshotevententry WHERE aggregateidentifier = ?")
                             .param(noah.walletId().toString()).query(Long.class).single();
        assertThat(snapshots).as("a snapshot every 250 events").isPositive();
        long expected = total;
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                api.get("/api/me/wallet", noah.token()).json().path("available").asLong()).isEqualTo(expected));
    }

    private JsonNode metaData(UUID walletId, long sequence) {
        byte[] raw = jdbc.sql("SELECT metadata FROM domainevententry WHERE aggregateidentifier = ? AND sequencenumber = ?")
                         .params(walletId.toString(), sequence).query((rs, n) -> rs.getBytes(1)).single();
        return JSON.readTree(raw);
    }

    private static String token(JwtEncoder encoder, UUID subject, Instant expiresAt) {
        JwtClaimsSet claims = JwtClaimsSet.builder()
                                          .issuer(SecurityConfiguration.ISSUER)
                                          .audience(List.of(SecurityConfiguration.ISSUER))
                                          .subject(subject.toString())
                                          .issuedAt(expiresAt.minusSeconds(900))
                                          .expiresAt(expiresAt)
                                          .claim("roles", List.of("CUSTOMER"))
                                          .build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(), claims))
                      .getTokenValue();
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
