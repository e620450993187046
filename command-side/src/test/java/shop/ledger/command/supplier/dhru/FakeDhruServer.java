package shop.ledger.command.supplier.dhru;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A DHRU Fusion server on the loopback interface that replays recorded answers from {@code /dhru/*} and
 * records what it was sent.
 */
final class FakeDhruServer implements AutoCloseable {

    /** One received call: method, path, content type and the decoded form fields in order. */
    record Received(String method, String path, String contentType, Map<String, String> form) {
    }

    private record Answer(int status, String body, Duration delay, boolean drop) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Answer answer = new Answer(200, "", Duration.ZERO, false);

    FakeDhruServer() {
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

    /** Answers the recorded file {@code /dhru/<name>} with HTTP 200. */
    FakeDhruServer answer(String recorded) {
        return answer(200, recording(recorded));
    }

    FakeDhruServer answer(int status, String body) {
        answer = new Answer(status, body, Duration.ZERO, false);
        return this;
    }

    /** Waits this long before answering. */
    FakeDhruServer delayed(Duration delay) {
        answer = new Answer(answer.status(), answer.body(), delay, false);
        return this;
    }

    /** Reads the request, then closes the connection without a word. */
    FakeDhruServer dropConnections() {
        answer = new Answer(0, "", Duration.ZERO, true);
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    Received last() {
        return received.get(received.size() - 1);
    }

    static String recording(String name) {
        try (InputStream in = FakeDhruServer.class.getResourceAsStream("/dhru/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no recorded answer " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"), form(body)));
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
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=UTF-8");
        exchange.sendResponseHeaders(current.status(), bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return fields;
        }
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
