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
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DHRU Fusion supplier in the test JVM (DESIGN.md): {@code POST /api/index.php} with the form fields
 * {@code username}, {@code apiaccesskey}, {@code action} and base64-JSON {@code parameters}; answers
 * {@code {"SUCCESS":[..]}} or {@code {"ERROR":[..]}}. It outlives the ledger, so it is the witness of how often an
 * order was really placed. Orders complete (4) or are rejected (3) a moment after placement; orders of
 * {@link #SLOW_SERVICE} stay in process (1) long enough to become overdue and get a refund case.
 * <p>
 * {@link #killAfterNextPlacement(Runnable)} arms the fault "the ledger dies between the supplier's answer and its
 * event": the next placement's answer is written and flushed, then the ledger is killed.
 */
final class FakeDhruSupplier implements AutoCloseable {

    static final String NAME = "faultline";
    static final String USERNAME = "shop";
    static final String API_KEY = "dhru-key-for-reliability-tests";
    /** The supplier's id of the service that stays in process for a while. */
    static final String SLOW_SERVICE = "9001";
    private static final Duration SLOW_FOR = Duration.ofSeconds(12);

    record Order(String referenceId, String serviceId, String imei, long placedAtNanos, long decidedAtNanos,
                 int finalStatus) {
        int status(long now) {
            return now >= decidedAtNanos ? finalStatus : 1;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Map<String, Order> orders = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> placementsByImei = new ConcurrentHashMap<>();
    private final AtomicLong references = new AtomicLong(70_000);
    private final AtomicReference<Runnable> killHook = new AtomicReference<>();
    private final AtomicLong refusedPlacements = new AtomicLong();
    private final double errorRate;

    FakeDhruSupplier(double errorRate) throws IOException {
        this.errorRate = errorRate;
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 50);
        server.createContext("/api/index.php", this::api);
        server.setExecutor(executor);
        server.start();
    }

    String baseUrl() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** The supplier settings for the ledger's {@code ledger.suppliers.<name>}. */
    Map<String, Object> ledgerSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("base-url", baseUrl());
        settings.put("username", USERNAME);
        settings.put("api-key", API_KEY);
        settings.put("parameter-format", "JSON");
        settings.put("read-timeout", "10s");
        return settings;
    }

    void killAfterNextPlacement(Runnable kill) {
        killHook.set(kill);
    }

    boolean killArmed() {
        return killHook.get() != null;
    }

    /** Every order this supplier holds for the IMEI (a correct ledger places each order at most once). */
    List<Order> ordersFor(String imei) {
        return orders.values().stream().filter(order -> order.imei().equals(imei)).toList();
    }

    int placements(String imei) {
        AtomicInteger count = placementsByImei.get(imei);
        return count == null ? 0 : count.get();
    }

    int orderCount() {
        return orders.size();
    }

    long refusedPlacements() {
        return refusedPlacements.get();
    }

    private void api(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (!USERNAME.equals(form.get("username")) || !API_KEY.equals(form.get("apiaccesskey"))) {
                write(exchange, error("Authentication Failed"));
                return;
            }
            Map<String, String> parameters = parameters(form.getOrDefault("parameters", ""));
            switch (form.getOrDefault("action", "")) {
                case "placeimeiorder" -> place(exchange, parameters);
                case "getimeiorder" -> status(exchange, parameters);
                default -> write(exchange, error("Invalid Action"));
            }
        }
    }

    private void place(HttpExchange exchange, Map<String, String> parameters) throws IOException {
        String imei = parameters.getOrDefault("IMEI", "");
        String serviceId = parameters.getOrDefault("ID", "");
        if (!imei.matches("\\d{15}") || serviceId.isBlank()) {
            write(exchange, error("Invalid parameters"));
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (random.nextDouble() < errorRate) {
            // a definite refusal: nothing stored, the ledger retries after its backoff
            refusedPlacements.incrementAndGet();
            write(exchange, error("Service temporarily unavailable"));
            return;
        }
        String referenceId = Long.toString(references.incrementAndGet());
        long now = System.nanoTime();
        boolean slow = SLOW_SERVICE.equals(serviceId);
        long decideAfter = slow ? SLOW_FOR.toNanos() : Duration.ofMillis(500 + random.nextInt(1500)).toNanos();
        int finalStatus = !slow && random.nextInt(100) < 15 ? 3 : 4;
        orders.put(referenceId, new Order(referenceId, serviceId, imei, now, now + decideAfter, finalStatus));
        placementsByImei.computeIfAbsent(imei, key -> new AtomicInteger()).incrementAndGet();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("MESSAGE", "Order received");
        entry.put("REFERENCEID", referenceId);
        write(exchange, success(null, entry));
        Runnable kill = killHook.getAndSet(null);
        if (kill != null) {
            kill.run(); // the answer is on the wire; the ledger dies before it can record it
        }
    }

    private void status(HttpExchange exchange, Map<String, String> parameters) throws IOException {
        Order order = orders.get(parameters.getOrDefault("ID", ""));
        if (order == null) {
            write(exchange, error("Invalid Order ID"));
            return;
        }
        int status = order.status(System.nanoTime());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("STATUS", status);
        entry.put("CODE", status == 4 ? "UNLOCK-" + order.referenceId() : status == 3 ? "Not found in database" : "");
        write(exchange, success(order.referenceId(), entry));
    }

    private static Map<String, Object> success(String id, Map<String, Object> entry) {
        Map<String, Object> answer = new LinkedHashMap<>();
        if (id != null) {
            answer.put("ID", id);
        }
        answer.put("SUCCESS", List.of(entry));
        answer.put("apiversion", "6.1");
        return answer;
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ERROR", List.of(Map.of("MESSAGE", message, "FULL_DESCRIPTION", message)));
        answer.put("apiversion", "6.1");
        return answer;
    }

    private static void write(HttpExchange exchange, Map<String, Object> answer) throws IOException {
        byte[] body = Api.JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.write(body);
        out.flush();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String field : body.split("&")) {
            int equals = field.indexOf('=');
            if (equals > 0) {
                form.put(URLDecoder.decode(field.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(field.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static Map<String, String> parameters(String base64Json) {
        Map<String, String> parameters = new HashMap<>();
        if (base64Json.isBlank()) {
            return parameters;
        }
        JsonNode json = Api.JSON.readTree(Base64.getDecoder().decode(base64Json));
        json.properties().forEach(member -> parameters.put(member.getKey(), member.getValue().asString()));
        return parameters;
    }

    Optional<Order> order(String referenceId) {
        return Optional.ofNullable(orders.get(referenceId));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
