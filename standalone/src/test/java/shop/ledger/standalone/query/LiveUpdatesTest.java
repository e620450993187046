package shop.ledger.standalone.query;

import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.query.live.LiveSubscriptions;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.query.OrderEventsFixture.History;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /api/me/events: the caller's own order and wallet changes, live, and nobody else's. */
@ReadSideTest
class LiveUpdatesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    EventStore eventStore;
    @Autowired
    KeyVault vault;
    @Autowired
    LiveSubscriptions subscriptions;

    ApiClient api;
    String admin;
    OrderEventsFixture fixture;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final List<Stream<String>> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        fixture = new OrderEventsFixture(eventStore, vault);
    }

    @AfterEach
    void close() {
        open.forEach(Stream::close);
    }

    record Event(String name, JsonNode data) {
    }

    /** Opens the caller's stream; its lines are read on another thread into the queue. */
    BlockingQueue<String> subscribe(String token) throws Exception {
        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/me/events"))
                                                                     .header("Authorization", "Bearer " + token)
                                                                     .header("Accept", "text/event-stream")
                                                                     .timeout(Duration.ofSeconds(30))
                                                                     .GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Stream<String> body = response.body();
        open.add(body);
        Thread reader = new Thread(() -> {
            try {
                body.forEach(lines::add);
            } catch (RuntimeException closed) {
                // the test closed the stream
            }
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();
        assertThat(lines.poll(5, TimeUnit.SECONDS)).as("the stream says it is live").isEqualTo(":connected");
        return lines;
    }

    /** Reads events until {@code until} has seen what it waits for, or the time is up. */
    static List<Event> read(BlockingQueue<String> lines, Duration within, java.util.function.Predicate<List<Event>> until)
            throws InterruptedException {
        List<Event> events = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        String name = null;
        StringBuilder data = new StringBuilder();
        while (!until.test(events)) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            if (line.isEmpty()) {
                if (name != null) {
                    events.add(new Event(name, JSON.readTree(data.toString())));
                }
                name = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                name = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }
        return events;
    }

    static boolean has(List<Event> events, String name, String field, Object value, String status) {
        return events.stream().anyMatch(event -> event.name().equals(name)
                && event.data().path(field).asText().equals(value.toString())
                && (status == null || event.data().path("status").asText().equals(status)));
    }

    @Test
    void aCustomerReceivesTheirOwnOrderAndWalletChangesAndNothingOfAnotherCustomer() throws Exception {
        Customer hana = api.register("hana-" + UUID.randomUUID().toString().substring(0, 8));
        Customer ivan = api.register("ivan-" + UUID.randomUUID().toString().substring(0, 8));
        BlockingQueue<String> stream = subscribe(hana.token());

        // the other customer's changes first: had they leaked, they would arrive before hana's
        History ivansOrder = fixture.order(ivan.customerId()).placed(ivan.walletId(), "Unlock", 100).publish();
        assertThat(api.deposit(admin, ivan.walletId(), 5000, "psp-" + UUID.randomUUID()).status()).isEqualTo(201);

        History order = fixture.order(hana.customerId()).placed(hana.walletId(), "Unlock", 100).publish();
        assertThat(api.deposit(admin, hana.walletId(), 1234, "psp-" + UUID.randomUUID()).status()).isEqualTo(201);
        List<Event> events = read(stream, Duration.ofSeconds(10), seen ->
                has(seen, "order", "orderId", order.orderId, "PENDING")
                        && has(seen, "wallet", "walletId", hana.walletId(), null));

        assertThat(has(events, "order", "orderId", order.orderId, "PENDING")).as("events: %s", events).isTrue();
        Event wallet = events.stream().filter(event -> event.name().equals("wallet")).findFirst().orElseThrow();
        assertThat(wallet.data().path("walletId").asText()).isEqualTo(hana.walletId().toString());
        assertThat(wallet.data().path("available").asLong()).isEqualTo(1234);
        assertThat(wallet.data().path("held").asLong()).isZero();
        assertThat(wallet.data().path("balance").asLong()).isEqualTo(1234);
        Event placed = events.stream().filter(event -> event.name().equals("order")).findFirst().orElseThrow();
        assertThat(Instant.parse(placed.data().path("at").asText())).isEqualTo(order.at(0));

        // a later status change of the same order
        order.then(new OrderSubmitted(order.orderId, 1, "SUP-7", Instant.now(), Instant.now().plus(1, ChronoUnit.DAYS)));
        eventStore.publish(order.events.get(1));
        events.addAll(read(stream, Duration.ofSeconds(10), seen -> has(seen, "order", "orderId", order.orderId, "IN_PROCESS")));
        assertThat(has(events, "order", "orderId", order.orderId, "IN_PROCESS")).as("events: %s", events).isTrue();

        assertThat(events).as("nothing of another customer")
                          .noneMatch(event -> event.data().toString().contains(ivansOrder.orderId.toString())
                                  || event.data().toString().contains(ivan.walletId().toString()));
    }

    @Test
    void anIdleStreamGetsHeartbeatsAndAClosedOneIsForgotten() throws Exception {
        Customer jana = api.register("jana-" + UUID.randomUUID().toString().substring(0, 8));
        int before = subscriptions.openStreams();
        BlockingQueue<String> stream = subscribe(jana.token());
        assertThat(subscriptions.openStreams()).isEqualTo(before + 1);
        String line;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            line = stream.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } while (line != null && !line.equals(":heartbeat"));
        assertThat(line).as("a heartbeat comment on an idle stream").isEqualTo(":heartbeat");

        // the client goes away: the next write fails and the stream is dropped
        open.forEach(Stream::close);
        open.clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.openStreams() == before);
    }

    @Test
    void theStreamNeedsAToken() {
        var response = api.get("/api/me/events", null);
        assertThat(response.status()).isEqualTo(401);
    }
}
