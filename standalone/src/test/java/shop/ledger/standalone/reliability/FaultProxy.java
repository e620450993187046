package shop.ledger.standalone.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small real HTTP/1.1 proxy between the ledger and the simulators, on a loopback socket of its own, that
 * injects faults the way networks and partners produce them: late answers, 500s, garbage, connections closed
 * before or after the request reached the other side, and old or repeated answers to status queries.
 * <p>
 * Every request gets {@code Connection: close}, so a dropped connection is always a fresh request's, never a
 * pooled one the client might silently retry. A {@link Plan} decides each request's fault; every decision is
 * counted by kind for the report.
 */
final class FaultProxy implements AutoCloseable {

    enum Fault {
        /** forwarded and answered as the simulator answered */
        NONE,
        /** waits past the client's read timeout, then forwards (the other side acts after the client gave up) */
        SLOW,
        /** forwarded, then answered 500 instead (the other side acted, the client cannot know) */
        ERROR_500,
        /** not forwarded; answered 200 with an HTML error page */
        GARBAGE,
        /** the connection is closed once the request is read, without forwarding */
        DROP_BEFORE_FORWARD,
        /** forwarded, then the connection is closed without an answer */
        DROP_AFTER_FORWARD,
        /** a status query answered with the previous answer to the same query again, not forwarded */
        DUPLICATE_STATUS,
        /** a status query answered with the oldest answer to the same query (an older status after a newer one) */
        STALE_STATUS,
        /** a DHRU status query answered with {"ERROR":[...]} (e.g. the supplier no longer knows the order) */
        DHRU_ERROR,
        /** answered 401 with a problem body, not forwarded (a wrong API key at the payout provider) */
        UNAUTHORIZED
    }

    /** One request as the proxy read it. */
    record Exchange(String method, String target, Map<String, String> headers, byte[] body) {

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** DHRU's form field {@code action}, or the payout call ("payout-submit", "payout-status"). */
        String action() {
            if (target.startsWith("/simulator/payouts/")) {
                return method.equals("POST") ? "payout-submit" : "payout-status";
            }
            for (String field : bodyText().split("&")) {
                if (field.startsWith("action=")) {
                    return field.substring("action=".length()).toLowerCase(Locale.ROOT);
                }
            }
            return "unknown";
        }

        boolean statusQuery() {
            String action = action();
            return action.equals("getimeiorder") || action.equals("payout-status");
        }

        /** Identical for every repetition of one status query: the same order or payout asked again. */
        String queryKey() {
            return method + " " + target + " " + bodyText();
        }
    }

    /** Decides the fault for a request. */
    interface Plan extends Function<Exchange, Fault> {
    }

    private record Answer(int status, String contentType, byte[] body) {
    }

    private static final byte[] GARBAGE_PAGE = """
            <!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>
            <body><h1>502 Bad Gateway</h1><hr>nginx</body></html>""".getBytes(StandardCharsets.UTF_8);
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "upgrade",
            "transfer-encoding", "expect", "keep-alive");

    private final ServerSocket server;
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                                  .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, List<Answer>> statusAnswers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    private volatile int upstreamPort;
    private volatile Duration slowDelay = Duration.ofMillis(1500);
    private volatile Plan plan = exchange -> Fault.NONE;

    FaultProxy() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The ledger's own port, where the simulators answer; known only once it listens. */
    void forwardTo(int port) {
        this.upstreamPort = port;
    }

    void slowDelay(Duration delay) {
        this.slowDelay = delay;
    }

    void plan(Plan plan) {
        this.plan = plan;
    }

    /** How often each fault was injected, by "action fault" (e.g. "placeimeiorder SLOW"), sorted. */
    Map<String, Integer> injected() {
        Map<String, Integer> counts = new TreeMap<>();
        injected.forEach((kind, count) -> counts.put(kind, count.get()));
        return counts;
    }

    int injectedFaults() {
        return injected.entrySet().stream().filter(e -> !e.getKey().endsWith(" NONE"))
                       .mapToInt(e -> e.getValue().get()).sum();
    }

    void resetCounts() {
        injected.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        workers.shutdownNow();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                workers.execute(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            Exchange exchange = read(socket.getInputStream());
            if (exchange == null) {
                return;
            }
            Fault fault = plan.apply(exchange);
            if ((fault == Fault.DUPLICATE_STATUS || fault == Fault.STALE_STATUS)
                && statusAnswers.getOrDefault(exchange.queryKey(), List.of()).isEmpty()) {
                fault = Fault.NONE; // nothing to repeat yet
            }
            injected.computeIfAbsent(exchange.action() + " " + fault, k -> new AtomicInteger()).incrementAndGet();
            OutputStream out = socket.getOutputStream();
            switch (fault) {
                case NONE -> write(out, forward(exchange));
                case SLOW -> {
                    Thread.sleep(slowDelay.toMillis());
                    write(out, forward(exchange)); // the client stopped listening long ago
                }
                case ERROR_500 -> {
                    forward(exchange);
                    write(out, new Answer(500, "text/html", "<h1>500 Internal Server Error</h1>".getBytes(StandardCharsets.UTF_8)));
                }
                case GARBAGE -> write(out, new Answer(200, "text/html", GARBAGE_PAGE));
                case DROP_BEFORE_FORWARD -> {
                    // closing with the request unread by anyone: the client sees the connection end
                }
                case DROP_AFTER_FORWARD -> forward(exchange);
                case DUPLICATE_STATUS -> {
                    List<Answer> answers = statusAnswers.get(exchange.queryKey());
                    synchronized (answers) {
                        write(out, answers.get(answers.size() - 1));
                    }
                }
                case STALE_STATUS -> {
                    List<Answer> answers = statusAnswers.get(exchange.queryKey());
                    synchronized (answers) {
                        write(out, answers.get(0));
                    }
                }
                case DHRU_ERROR -> write(out, new Answer(200, "application/json",
                        "{\"ERROR\":[{\"MESSAGE\":\"Invalid Order ID\",\"FULL_DESCRIPTION\":\"No such order in this account\"}],\"apiversion\":\"6.1\"}"
                                .getBytes(StandardCharsets.UTF_8)));
                case UNAUTHORIZED -> write(out, new Answer(401, "application/problem+json",
                        "{\"type\":\"/problems/unauthorized\",\"title\":\"Unauthorized\",\"status\":401}"
                                .getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException | RuntimeException broken) {
            // the client went away (it timed out): nothing to answer
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Answer forward(Exchange exchange) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + upstreamPort + exchange.target()))
                                                 .timeout(Duration.ofSeconds(30))
                                                 .method(exchange.method(), exchange.body().length == 0 && exchange.method().equals("GET")
                                                         ? HttpRequest.BodyPublishers.noBody()
                                                         : HttpRequest.BodyPublishers.ofByteArray(exchange.body()));
        exchange.headers().forEach((name, value) -> {
            if (!NOT_FORWARDED.contains(name)) {
                request.header(name, value);
            }
        });
        HttpResponse<byte[]> response = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Answer answer = new Answer(response.statusCode(),
                response.headers().firstValue("content-type").orElse("application/octet-stream"), response.body());
        if (exchange.statusQuery() && answer.status() == 200) {
            List<Answer> answers = statusAnswers.computeIfAbsent(exchange.queryKey(), k -> new ArrayList<>());
            synchronized (answers) {
                answers.add(answer);
            }
        }
        return answer;
    }

    private static void write(OutputStream out, Answer answer) throws IOException {
        String head = "HTTP/1.1 " + answer.status() + " " + (answer.status() < 400 ? "OK" : "Error") + "\r\n"
                      + "Content-Type: " + answer.contentType() + "\r\n"
                      + "Content-Length: " + answer.body().length + "\r\n"
                      + "Connection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(answer.body());
        out.flush();
    }

    /** Reads one request: the request line, the headers and a Content-Length body (all the ledger's clients send). */
    private static Exchange read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Exchange(requestLine[0], requestLine[1], headers, body);
    }
}
