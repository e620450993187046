package shop.ledger.standalone.identity;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command side's public token keys at {@code /.well-known/jwks.json}: anonymous, public parts only, and the kid
 * every issued token names. A token signed by a key not in the set: AuditTrailAndPrivacyTest (401); rotation and
 * the verifying side's refusals: TokenKeysTest; a query side verifying with public keys only: SplitDeploymentTest.
 */
@StandaloneTest
class JwksTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Test
    void anyoneGetsThePublicKeysWithTheKidTheTokensName() {
        ApiClient api = new ApiClient(port);
        Response jwks = api.get("/.well-known/jwks.json", null);
        assertThat(jwks.status()).isEqualTo(200);
        assertThat(jwks.contentType()).startsWith("application/json");

        List<String> kids = new ArrayList<>();
        for (JsonNode key : jwks.json().path("keys")) {
            assertThat(key.path("kty").asText()).isEqualTo("RSA");
            assertThat(key.path("alg").asText()).isEqualTo("RS256");
            assertThat(key.path("use").asText()).isEqualTo("sig");
            assertThat(key.path("n").asText()).isNotBlank();
            assertThat(key.path("e").asText()).isNotBlank();
            for (String privatePart : List.of("d", "p", "q", "dp", "dq", "qi", "oth")) {
                assertThat(key.has(privatePart)).as("private part " + privatePart).isFalse();
            }
            kids.add(key.path("kid").asText());
        }
        assertThat(kids).isNotEmpty().doesNotContain("");

        Customer customer = api.register("jwks-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        JsonNode header = JSON.readTree(new String(Base64.getUrlDecoder().decode(customer.token().split("\\.")[0]),
                StandardCharsets.UTF_8));
        assertThat(header.path("alg").asText()).isEqualTo("RS256");
        assertThat(header.path("kid").asText()).isEqualTo(kids.get(0));
    }
}
