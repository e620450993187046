package shop.ledger.standalone;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import shop.ledger.platform.web.LedgerPosition;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's curl session, request by request, as a newcomer runs it on a fresh start: each read names the
 * position its write answered ({@code X-Ledger-Min-Position}), so it shows what the README promises at once, with
 * no retry (API.md, "Read your own writes").
 */
@StandaloneTest
class ReadmeSessionTest {

    @LocalServerPort
    int port;

    @Test
    void theReadmeSessionShowsTheDepositRightAfterIt() {
        ApiClient api = new ApiClient(port);
        String username = "readme-" + UUID.randomUUID().toString().substring(0, 8);

        Response registered = api.post("/api/auth/register", null, ApiClient.json(Map.of(
                "username", username, "email", username + "@example.com", "password", ApiClient.PASSWORD)));
        assertThat(registered.status()).as(registered.raw().body()).isEqualTo(201);
        String registeredAt = registered.header(LedgerPosition.HEADER);
        assertThat(registeredAt).matches("[0-9]+");
        String alice = api.token(username, ApiClient.PASSWORD);
        String admin = api.adminToken();

        // the wallet id as the session reads it: the wallet opened with the registration
        Response opened = api.get("/api/me/wallet", alice, Map.of(LedgerPosition.MIN_HEADER, registeredAt));
        assertThat(opened.status()).as(opened.raw().body()).isEqualTo(200);
        String wallet = opened.text("walletId");
        assertThat(wallet).isEqualTo(registered.text("walletId"));

        Response deposit = api.post("/api/admin/wallets/" + wallet + "/deposits", admin,
                ApiClient.json(Map.of("amount", 1250, "currency", "USD", "providerReference", "psp-" + username)),
                Map.of("Idempotency-Key", UUID.randomUUID().toString()));
        assertThat(deposit.status()).as(deposit.raw().body()).isEqualTo(201);
        String depositedAt = deposit.header(LedgerPosition.HEADER);
        assertThat(depositedAt).matches("[0-9]+");
        assertThat(Long.parseLong(depositedAt)).isGreaterThan(Long.parseLong(registeredAt));

        Response balance = api.get("/api/me/wallet", alice, Map.of(LedgerPosition.MIN_HEADER, depositedAt));
        assertThat(balance.status()).as(balance.raw().body()).isEqualTo(200);
        assertThat(balance.json().path("available").asLong()).as("available 1250 = 12.50 USD").isEqualTo(1250);
        assertThat(balance.json().path("held").asLong()).isZero();
        assertThat(balance.text("currency")).isEqualTo("USD");

        Response statement = api.get("/api/me/wallet/transactions", alice, Map.of(LedgerPosition.MIN_HEADER, depositedAt));
        assertThat(statement.status()).as(statement.raw().body()).isEqualTo(200);
        JsonNode lines = statement.json().path("items");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("kind").asText()).isEqualTo("DEPOSIT");
        assertThat(lines.get(0).path("amount").asLong()).isEqualTo(1250);
        assertThat(lines.get(0).path("depositId").asText()).isEqualTo(deposit.text("depositId"));
        assertThat(lines.get(0).path("availableAfter").asLong()).isEqualTo(1250);
    }
}
