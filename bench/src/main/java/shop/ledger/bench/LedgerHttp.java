package shop.ledger.bench;

import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** The ledger's REST API as a client sees it: real tokens from {@code /api/auth/token}, real HTTP. */
final class LedgerHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder()
                                              .version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(5))
                                              .build();
    private final String base;

    LedgerHttp(int port) {
        this.base = "http://localhost:" + port;
    }

    /** The administrator's bearer token (roles ADMIN, FINANCE, AUDITOR). */
    String adminToken(String password) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(java.util.Map.of("username", "admin", "password", password));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/auth/token"))
                                                             .header("Content-Type", "application/json")
                                                             .POST(HttpRequest.BodyPublishers.ofString(body))
                                                             .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("token: " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body()).path("accessToken").asText();
    }

    /** A staff deposit, as the payment provider's webhook handler would send it: 201 or an error. */
    void deposit(String token, UUID walletId, long amount) throws IOException, InterruptedException {
        String body = "{\"amount\":" + amount + ",\"currency\":\"" + Wallets.CURRENCY
                + "\",\"providerReference\":\"bench-http-" + UUID.randomUUID() + "\"}";
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/admin/wallets/" + walletId + "/deposits"))
                           .header("Content-Type", "application/json")
                           .header("Authorization", "Bearer " + token)
                           .header("Idempotency-Key", UUID.randomUUID().toString())
                           .timeout(Duration.ofSeconds(60))
                           .POST(HttpRequest.BodyPublishers.ofString(body))
                           .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("deposit answered " + response.statusCode() + " " + response.body());
        }
    }

    /** The auditors' balance of a wallet as of an instant; returns its balance. */
    long balanceAsOf(String token, UUID walletId, Instant asOf) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/audit/wallets/" + walletId + "/balance?asOf="
                                                  + URLEncoder.encode(asOf.toString(), StandardCharsets.UTF_8)))
                           .header("Authorization", "Bearer " + token)
                           .timeout(Duration.ofSeconds(60))
                           .GET()
                           .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("balance answered " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body()).path("balance").asLong();
    }
}
