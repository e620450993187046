package shop.ledger.command.payout.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A payout provider on the loopback interface that replays recorded answers and records what it was sent.
 */
final class FakePayoutServer implements AutoCloseable {

    /** Answers as the provider sends them (see HttpPayoutProvider's protocol). */
    static final class Recorded {

        static final String CREATED_PENDING = """
                {"payoutReference":"po_7Hq2XkV9mB3nR5tW","reference":"%s","amount":1250,"currency":"USD",
                 "method":"BANK_TRANSFER","status":"PENDING","createdAt":"2025-03-14T09:26:53.589Z",
                 "updatedAt":"2025-03-14T09:26:53.589Z"}
                """;
        static final String PAID = """
                {"payoutReference":"po_7Hq2XkV9mB3nR5tW","reference":"%s","amount":1250,"currency":"USD",
                 "method":"BANK_TRANSFER","status":"PAID","createdAt":"2025-03-14T09:26:53.589Z",
                 "updatedAt":"2025-03-14T09:26:57.102Z","bookedAt":"2025-03-14T09:26:57.102Z"}
                """;
        static final String FAILED = """
                {"payoutReference":"po_Zc81LqP0sYd4Ue6A","reference":"%s","amount":1250,"currency":"USD",
                 "method":"BANK_TRANSFER","status":"FAILED","reason":"Account closed (AC04)",
                 "bookedAt":"2025-03-14T10:02:11.000Z"}
                """;
        static final String FAILED_WITHOUT_REASON = """
                {"payoutReference":"po_Zc81LqP0sYd4Ue6B","status":"FAILED"}
                """;
        /** Tolerated: a numeric reference, a lower-case status, no echo of our reference. */
        static final String LENIENT_PAID = """
                {"payoutReference":884213,"status":"paid"}
                """;
        static final String WITHOUT_PAYOUT_REFERENCE = """
                {"reference":"%s","status":"PENDING"}
                """;
        static final String UNKNOWN_STATUS = """
                {"payoutReference":"po_7Hq2XkV9mB3nR5tW","reference":"%s","status":"PROCESSING"}
                """;
        static final String ARRAY = """
                [{"payoutReference":"po_7Hq2XkV9mB3nR5tW","status":"PAID"}]
                """;
        static final String GARBAGE = """
                <!DOCTYPE html>
                <html><head><title>502 Bad Gateway</title></head>
                <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>
                """;
        static final String TRUNCATED = """
                {"payoutReference":"po_7Hq2XkV9mB3nR5tW","reference":"
                """;
        static final String PROBLEM_UNAUTHORIZED = """
                {"type":"/problems/unauthorized","title":"Unauthorized","status":401,"detail":"invalid API key"}
                """;
        static final String PROBLEM_KEY_REUSED = """
                {"type":"/problems/idempotency-key-reused","title":"Idempotency key reused","status":422,
                 "detail":"this Idempotency-Key was used with a different request"}
                """;
        static final String PROBLEM_NOT_FOUND = """
                {"type":"/problems/not-found","title":"Not found","status":404,"detail":"no payout for this reference"}
                """;

        private Recorded() {
        }
    }

    /** One received call: method, path, raw query, headers (names lower-cased, first value) and body. */
    record Received(String method, String path, String query, Map<String, String> headers, String body) {
    }

    private record Answer(int status, String contentType, String body, Duration delay, boolean drop) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Answer answer = new Answer(200, "application/json", "", Duration.ZERO, false);

    FakePayoutServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    int port() {
        return server.getAddress().getPort();
    }

    FakePayoutServer answer(int status, String body) {
        String type = body.strip().startsWith("<") ? "text/html; charset=UTF-8"
                : status >= 400 && body.contains("/problems/") ? "application/problem+json" : "application/json";
        answer = new Answer(status, type, body, Duration.ZERO, false);
        return this;
    }

    /** Waits this long before answering. */
    FakePayoutServer delayed(Duration delay) {
        answer = new Answer(answer.status(), answer.contentType(), answer.body(), delay, false);
        return this;
    }

    /** Reads the request, then closes the connection without a word. */
    FakePayoutServer dropConnections() {
        answer = new Answer(0, "", "", Duration.ZERO, true);
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    Received last() {
        return received.get(received.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), headers, body));
        Answer current = answer;
        if (current.drop()) {
            // an exception from a handler makes the server close the connection without an answer
            throw new IOException("dropping the connection on purpose");
        }
        try {
            Thread.sleep(current.delay().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        byte[] bytes = current.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", current.contentType());
        exchange.sendResponseHeaders(current.status(), bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
