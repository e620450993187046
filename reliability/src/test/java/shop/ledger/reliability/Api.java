package shop.ledger.reliability;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The public API as a careful client uses it: every state-changing request carries an Idempotency-Key, and a
 * request without a definite answer (no response, a cut connection, 503, any other 5xx) is sent again with the
 * same key and the same body until one comes. A definite answer is a 2xx (acknowledged) or a 4xx (refused,
 * nothing changed). Counts what it saw in {@link Stats}.
 */
final class Api {

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Longer than a ledger restart takes on a machine busy with other work (minutes, seen here). */
    static final Duration PATIENCE = Duration.ofMinutes(10);

    record Response(int status, String body, JsonNode json, String contentType) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String text(String field) {
            return json.path(field).asString();
        }

        String problemType() {
            return json.path("type").asString();
        }
    }

    private final HttpClient http = HttpClient.newBuilder()
                                              .version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(2))
                                              .build();
    private final Supplier<String> writeBase;
    private final Supplier<String> readBase;
    private final Stats stats;
    /** How long a client keeps retrying one request before the test gives up on the ledger. */
    private final Duration patience;

    Api(Supplier<String> writeBase, Supplier<String> readBase, Stats stats, Duration patience) {
        this.writeBase = writeBase;
        this.readBase = readBase;
        this.stats = stats;
        this.patience = patience;
    }

    Api(String base, Stats stats) {
        this(() -> base, () -> base, stats, PATIENCE);
    }

    Stats stats() {
        return stats;
    }

    /** A state-changing request, retried with the same key and body until it has a definite answer. */
    Response command(String method, String path, String token, Object body, String idempotencyKey,
                     Supplier<Map<String, String>> headers) {
        stats.operations.incrementAndGet();
        String json = body == null ? "" : JSON.writeValueAsString(body);
        long deadline = System.nanoTime() + patience.toNanos();
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                stats.retries.incrementAndGet();
                pause(attempt);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(method + " " + path + " got no definite answer within " + patience);
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(writeBase.get() + path))
                                                     .timeout(Duration.ofSeconds(30))
                                                     .header("Content-Type", "application/json")
                                                     .header("Idempotency-Key", idempotencyKey)
                                                     .method(method, HttpRequest.BodyPublishers.ofString(json));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            headers.get().forEach(request::header);
            Response response;
            try {
                response = send(request.build());
            } catch (IOException noAnswer) {
                stats.unanswered.incrementAndGet();
                continue;
            }
            if (response.status() == 503) {
                stats.unavailable.incrementAndGet();
                if (!"application/problem+json".equals(response.contentType())
                    || !response.problemType().endsWith("/problems/service-unavailable")) {
                    stats.note("503 without problem+json service-unavailable: " + response.body());
                }
                continue;
            }
            if (response.status() >= 500) {
                stats.serverErrors.incrementAndGet();
                stats.note(method + " " + path + " answered " + response.status() + ": " + response.body());
                continue;
            }
            if (response.status() == 409 && response.problemType().endsWith("/problems/request-in-progress")) {
                continue; // the same key is still running (API.md): retried like a lost answer
            }
            if (response.ok()) {
                stats.acknowledged.incrementAndGet();
            } else {
                stats.refused.incrementAndGet();
            }
            return response;
        }
    }

    Response command(String method, String path, String token, Object body) {
        return command(method, path, token, body, UUID.randomUUID().toString(), Map::of);
    }

    /** One attempt, no retry: to see what the ledger answers at a given moment. */
    Response once(String method, String path, String token, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(writeBase.get() + path))
                                                 .timeout(Duration.ofSeconds(30))
                                                 .header("Content-Type", "application/json")
                                                 .header("Idempotency-Key", UUID.randomUUID().toString())
                                                 .method(method, HttpRequest.BodyPublishers.ofString(
                                                         body == null ? "" : JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return send(request.build());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " got no answer", e);
        }
    }

    /** A read, retried while the ledger is away (reads change nothing, so they need no key). */
    Response read(String path, String token) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                pause(attempt);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("GET " + path + " got no answer within " + patience);
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(readBase.get() + path))
                                                     .timeout(Duration.ofSeconds(30)).GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            try {
                Response response = send(request.build());
                if (response.status() == 503) {
                    stats.unavailable.incrementAndGet();
                    continue;
                }
                if (response.status() >= 500) {
                    stats.serverErrors.incrementAndGet();
                    stats.note("GET " + path + " answered " + response.status() + ": " + response.body());
                    continue;
                }
                return response;
            } catch (IOException noAnswer) {
                // the ledger is restarting
            }
        }
    }

    /** Every item of a paged list. */
    List<JsonNode> readAll(String path, String token) {
        List<JsonNode> items = new java.util.ArrayList<>();
        String cursor = null;
        do {
            String separator = path.contains("?") ? "&" : "?";
            Response page = read(path + separator + "limit=500" + (cursor == null ? ""
                    : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8)), token);
            if (page.status() != 200) {
                throw new AssertionError("GET " + path + " answered " + page.status() + ": " + page.body());
            }
            page.json().path("items").forEach(items::add);
            cursor = page.json().path("nextCursor").isString() ? page.json().path("nextCursor").asString() : null;
        } while (cursor != null);
        return items;
    }

    String token(String username, String password) {
        Response response = command("POST", "/api/auth/token", null, Map.of("username", username, "password", password));
        if (response.status() != 200) {
            throw new AssertionError("token refused for " + username + ": " + response.body());
        }
        return response.text("accessToken");
    }

    String adminToken() {
        return token("admin", LedgerProcess.ADMIN_PASSWORD);
    }

    private Response send(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = response.body().isBlank() ? JSON.missingNode() : JSON.readTree(response.body());
            } catch (RuntimeException notJson) {
                json = JSON.missingNode();
            }
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            return new Response(response.statusCode(), response.body(), json,
                    contentType.contains(";") ? contentType.substring(0, contentType.indexOf(';')).strip() : contentType);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(1000, 50L * attempt) + ThreadLocalRandom.current().nextInt(50));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
