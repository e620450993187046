package shop.ledger.standalone.identity;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.StandaloneTest;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static shop.ledger.standalone.identity.TwoFactorFlowTest.assertProblem;
import static shop.ledger.standalone.identity.TwoFactorFlowTest.unique;

/** The throttle's window and limits come from configuration, and a throttled client gets in again once it passed. */
@StandaloneTest
@TestPropertySource(properties = {
        "ledger.auth.throttle.window=3s",
        "ledger.auth.throttle.max-account-failures=2",
        "ledger.auth.throttle.max-address-failures=4"})
class ThrottleWindowTest {

    @LocalServerPort
    int port;

    @Test
    void failuresExpireWithTheWindowAccountAndAddressAlike() {
        ApiClient api = new ApiClient(port);
        String username = unique("wendy");
        api.register(username);
        String other = unique("otto");
        api.register(other);

        assertProblem(wrong(api, username), 401, "unauthorized");
        assertProblem(wrong(api, username), 401, "unauthorized");
        Response throttled = api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", username, "password", ApiClient.PASSWORD)));
        assertProblem(throttled, 429, "too-many-requests");
        assertThat(Long.parseLong(throttled.header("Retry-After"))).isBetween(1L, 3L);
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(250))
               .until(() -> api.post("/api/auth/token", null,
                       ApiClient.json(Map.of("username", username, "password", ApiClient.PASSWORD))).status() == 200);

        // the address: four failures over any usernames
        for (int i = 0; i < 4; i++) {
            assertProblem(wrong(api, unique("ghost")), 401, "unauthorized");
        }
        assertProblem(api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", other, "password", ApiClient.PASSWORD))), 429, "too-many-requests");
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(250))
               .until(() -> api.post("/api/auth/token", null,
                       ApiClient.json(Map.of("username", other, "password", ApiClient.PASSWORD))).status() == 200);
    }

    private static Response wrong(ApiClient api, String username) {
        return api.post("/api/auth/token", null,
                ApiClient.json(Map.of("username", username, "password", "wrong password!")));
    }
}
