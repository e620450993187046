package shop.ledger.standalone;

import shop.ledger.platform.web.LedgerPosition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A small HTTP client for the public API, as a frontend would use it. */
public final class ApiClient {

    public static final String PASSWORD = "correct horse battery staple";
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-password-for-tests";

    public record Response(int status, HttpResponse<String> raw, JsonNode json) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("content-type");
        }

        public String text(String field) {
            return json.path(field).asText();
        }

        /** The write's {@code X-Ledger-Position}: what a read after it names to reflect it (API.md). */
        public long position() {
            String position = header(LedgerPosition.HEADER);
            if (position == null) {
                throw new AssertionError("no " + LedgerPosition.HEADER + " on a " + status + " answer: " + raw.body());
            }
            return Long.parseLong(position);
        }
    }

    /** A registered customer; {@code position} is the registration's {@code X-Ledger-Position}. */
    public record Customer(UUID customerId, UUID walletId, String token, long position) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://localhost:" + port;
    }

    public Response get(String path, String token) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token, Map.of());
    }

    /** Header a read names the position it must reflect in (API.md, "Read your own writes"). */
    public static final String MIN_POSITION = LedgerPosition.MIN_HEADER;

    /**
     * A read that reflects every write up to {@code position} (a write's {@code X-Ledger-Position}): the query side
     * answers once its read models cover it, so no polling is needed.
     */
    public Response getAfter(long position, String path, String token) {
        return get(path, token, Map.of(MIN_POSITION, Long.toString(position)));
    }

    public Response get(String path, String token, Map<String, String> headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token, headers);
    }

    public Response post(String path, String token, String body) {
        return post(path, token, body, Map.of());
    }

    public Response post(String path, String token, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                                                 .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!headers.containsKey("Content-Type")) {
            request.header("Content-Type", "application/json");
        }
        return send(request, token, headers);
    }

    public Response put(String path, String token, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                               .header("Content-Type", "application/json")
                               .PUT(HttpRequest.BodyPublishers.ofString(body)), token, Map.of());
    }

    public Response postBytes(String path, String token, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                               .header("Content-Type", "application/json")
                               .POST(HttpRequest.BodyPublishers.ofByteArray(body)), token, Map.of());
    }

    public Customer register(String username) {
        Response registered = post("/api/auth/register", null,
                json(Map.of("username", username, "email", username + "@example.com", "password", PASSWORD)));
        if (registered.status() != 201) {
            throw new AssertionError("registration failed: " + registered.raw().body());
        }
        return new Customer(UUID.fromString(registered.text("customerId")),
                UUID.fromString(registered.text("walletId")), token(username, PASSWORD), registered.position());
    }

    public String token(String username, String password) {
        Response response = post("/api/auth/token", null, json(Map.of("username", username, "password", password)));
        if (response.status() != 200) {
            throw new AssertionError("token refused: " + response.raw().body());
        }
        return response.text("accessToken");
    }

    public String adminToken() {
        return token(ADMIN, ADMIN_PASSWORD);
    }

    public Response deposit(String staffToken, UUID walletId, long amount, String providerReference) {
        return post("/api/admin/wallets/" + walletId + "/deposits", staffToken,
                json(Map.of("amount", amount, "currency", "USD", "providerReference", providerReference)));
    }

    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private Response send(HttpRequest.Builder request, String token, Map<String, String> headers) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json = response.body().isEmpty() ? JSON.missingNode() : parse(response.body());
            return new Response(response.statusCode(), response, json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (RuntimeException notJson) {
            return JSON.missingNode();
        }
    }
}
