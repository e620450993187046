package shop.ledger.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The payout provider in the test JVM, speaking the ledger's payout protocol (see HttpPayoutProvider): POST
 * {@code /api/payouts} with {@code Idempotency-Key} creates a payout once per key (201, then 200 with the same
 * payout), GET {@code /api/payouts?reference=} reads it. Payouts are PAID (or, one in ten, FAILED) a moment after
 * submission. It counts submissions per reference: the witness that no withdrawal is paid twice.
 * {@link #killAfterNextSubmission(Runnable)} kills the ledger right after a new payout's answer is written.
 */
final class FakePayoutProvider implements AutoCloseable {

    static final String API_KEY = "payout-key-for-reliability-tests";

    record Payout(String payoutReference, String reference, long amount, String currency, long decidedAtNanos,
                  String finalStatus) {
        String status(long now) {
            return now >= decidedAtNanos ? finalStatus : "PENDING";
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Map<String, Payout> payouts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> submissions = new ConcurrentHashMap<>();
    private final AtomicLong references = new AtomicLong(1000);
    private final AtomicReference<Runnable> killHook = new AtomicReference<>();

    FakePayoutProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 50);
        server.createContext("/api/payouts", this::payouts);
        server.setExecutor(executor);
        server.start();
    }

    Map<String, Object> ledgerSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("base-url", "http://localhost:" + server.getAddress().getPort());
        settings.put("api-key", API_KEY);
        settings.put("read-timeout", "10s");
        return settings;
    }

    void killAfterNextSubmission(Runnable kill) {
        killHook.set(kill);
    }

    boolean killArmed() {
        return killHook.get() != null;
    }

    Optional<Payout> payout(String reference) {
        return Optional.ofNullable(payouts.get(reference));
    }

    long submissions(String reference) {
        AtomicLong count = submissions.get(reference);
        return count == null ? 0 : count.get();
    }

    private void payouts(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + API_KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                write(exchange, 401, Map.of("error", "bad api key"));
                return;
            }
            if ("GET".equals(exchange.getRequestMethod())) {
                String query = exchange.getRequestURI().getRawQuery();
                String reference = query == null || !query.startsWith("reference=") ? ""
                        : URLDecoder.decode(query.substring("reference=".length()), StandardCharsets.UTF_8);
                Payout payout = payouts.get(reference);
                if (payout == null) {
                    write(exchange, 404, Map.of("error", "no payout"));
                } else {
                    write(exchange, 200, view(payout));
                }
                return;
            }
            String reference = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            JsonNode body = Api.JSON.readTree(exchange.getRequestBody().readAllBytes());
            if (reference == null || !body.path("amount").isNumber()) {
                write(exchange, 400, Map.of("error", "malformed"));
                return;
            }
            submissions.computeIfAbsent(reference, key -> new AtomicLong()).incrementAndGet();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Payout fresh = new Payout("po_" + references.incrementAndGet(), reference, body.path("amount").asLong(),
                    body.path("currency").asString(), System.nanoTime() + Duration.ofMillis(300 + random.nextInt(1200)).toNanos(),
                    random.nextInt(10) == 0 ? "FAILED" : "PAID");
            Payout existing = payouts.putIfAbsent(reference, fresh);
            if (existing != null) {
                if (existing.amount() != fresh.amount()) {
                    write(exchange, 422, Map.of("error", "reference reused with another request"));
                } else {
                    write(exchange, 200, view(existing));
                }
                return;
            }
            write(exchange, 201, view(fresh));
            Runnable kill = killHook.getAndSet(null);
            if (kill != null) {
                kill.run(); // paid out at the provider, but the ledger dies before recording the answer
            }
        }
    }

    private static Map<String, Object> view(Payout payout) {
        String status = payout.status(System.nanoTime());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("payoutReference", payout.payoutReference());
        view.put("reference", payout.reference());
        view.put("status", status);
        view.put("amount", payout.amount());
        view.put("currency", payout.currency());
        if ("FAILED".equals(status)) {
            view.put("reason", "account closed");
        }
        return view;
    }

    private static void write(HttpExchange exchange, int status, Map<String, Object> answer) throws IOException {
        byte[] body = Api.JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        OutputStream out = exchange.getResponseBody();
        out.write(body);
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
