package shop.ledger.command.payout.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import shop.ledger.command.payout.PayoutPort;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * The payout provider over HTTP: a JSON protocol of our own, which the standalone's payout simulator speaks too.
 *
 * <h2>Protocol</h2>
 * Every call carries {@code Authorization: Bearer <api key>} and {@code Accept: application/json}. Amounts are
 * integer minor units with an ISO-4217 currency, as everywhere in the ledger.
 * <ul>
 *   <li><b>Submit</b>: {@code POST {baseUrl}/api/payouts} with {@code Idempotency-Key: <our reference>} (the
 *       withdrawal id) and {@code Content-Type: application/json}, body
 *       {@code {"amount":1250,"currency":"USD","method":"BANK_TRANSFER","destination":"DE89…"}}.
 *       The provider answers 201 with a new payout, or 200 with the payout it already holds for that key: the
 *       same key never creates a second payout, so a submission whose answer was lost is repeated safely.
 *       The same key with a different body is refused with 422 and changes nothing.</li>
 *   <li><b>Status</b>: {@code GET {baseUrl}/api/payouts?reference=<our reference>} answers 200 with the payout,
 *       or 404 when the provider holds none for that reference.</li>
 *   <li><b>A payout</b>: {@code {"payoutReference":"po_…","reference":"<our reference>","status":"PENDING"|"PAID"|"FAILED",
 *       "reason":"…"}}; {@code reason} explains FAILED; further fields (amount, currency, times) may follow and are
 *       ignored. A payout the provider will not make (say, an unusable destination) is answered as a payout in
 *       status FAILED with its reason, not as an error.</li>
 *   <li><b>Errors</b>: 4xx (malformed request, bad API key, key reused with another body) means nothing was
 *       created; 5xx, timeouts and unreadable answers leave it open whether a payout was created.</li>
 * </ul>
 *
 * <h2>How answers map onto {@link PayoutPort}</h2>
 * A readable payout is {@code Optional.of(...)}. A 4xx refusal (other than 404 on a status query, 408 and 429)
 * throws {@link PayoutRefused}: nothing was created, and the caller must not go on asking unchanged forever.
 * Everything else (no provider configured, base URL not
 * resolvable yet, connection refused, timeout, 3xx, 5xx, 408, 429, an answer without a payout reference or a known
 * status, or one about another reference) is {@code Optional.empty()}: the caller asks again later with the same
 * reference, which the idempotency key makes safe. A 404 on a status query is empty as well.
 * <p>
 * Unconfigured ({@code ledger.payouts.base-url} unset), the bean still exists, so everything else in the ledger
 * runs, and says so once at startup: withdrawals stay unpaid and are retried, nothing is sent anywhere.
 * <p>
 * Logs name our reference, the outcome and the provider's payout reference, never the destination, the API key or
 * the provider's free-text reason (R11). A FAILED reason that quotes the destination has it replaced by
 * {@code [destination]} before it leaves this class, since it travels on into events.
 */
@Component
@EnableConfigurationProperties(PayoutProviderProperties.class)
public class HttpPayoutProvider implements PayoutPort {

    private static final Logger log = LoggerFactory.getLogger(HttpPayoutProvider.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String PAYOUTS = "/api/payouts";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String DEFAULT_FAILURE_REASON = "payout failed at the provider";

    private final PayoutProviderProperties properties;
    private final Environment placeholders;
    private final HttpClient client;

    /** @param placeholders resolves placeholders in the base URL at call time (the Spring Environment) */
    public HttpPayoutProvider(PayoutProviderProperties properties, Environment placeholders) {
        this.properties = properties;
        this.placeholders = placeholders;
        this.client = HttpClient.newBuilder()
                                .version(HttpClient.Version.HTTP_1_1)
                                .connectTimeout(properties.connectTimeout())
                                .followRedirects(HttpClient.Redirect.NEVER)
                                .build();
        if (!properties.configured()) {
            log.warn("no payout provider configured ({}.base-url): withdrawals are not paid out until one is; "
                     + "every payout submission and status query answers 'no answer'", PayoutProviderProperties.PREFIX);
        }
    }

    public PayoutProviderProperties properties() {
        return properties;
    }

    @Override
    public Optional<Payout> submit(PayoutRequest request) {
        Objects.requireNonNull(request, "request");
        String reference = required(request.idempotencyReference(), "idempotencyReference");
        Objects.requireNonNull(request.amount(), "amount");
        if (!properties.configured()) {
            log.debug("payout {} submit: no payout provider configured", reference);
            return Optional.empty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("amount", request.amount().amount());
        body.put("currency", request.amount().currency());
        body.put("method", request.method());
        body.put("destination", request.destination());
        byte[] json = JSON.writeValueAsBytes(body);

        Reply reply = call(PAYOUTS, builder -> builder.header(IDEMPOTENCY_KEY, reference)
                                                      .header("Content-Type", "application/json")
                                                      .POST(HttpRequest.BodyPublishers.ofByteArray(json)));
        return answer("submit", reference, reply, request.destination());
    }

    @Override
    public Optional<Payout> status(String idempotencyReference) {
        String reference = required(idempotencyReference, "idempotencyReference");
        if (!properties.configured()) {
            log.debug("payout {} status: no payout provider configured", reference);
            return Optional.empty();
        }
        Reply reply = call(PAYOUTS + "?reference=" + URLEncoder.encode(reference, StandardCharsets.UTF_8),
                HttpRequest.Builder::GET);
        if (reply instanceof Answered answered && answered.status() == 404) {
            log.info("payout {} status: the provider holds no payout for this reference", reference);
            return Optional.empty();
        }
        return answer("status", reference, reply, null);
    }

    // --- answers -----------------------------------------------------------------------------------------------

    private static Optional<Payout> answer(String call, String reference, Reply reply, String destination) {
        if (reply instanceof NoAnswer noAnswer) {
            log.info("payout {} {}: no answer ({}); safe to ask again with the same reference", reference, call,
                    noAnswer.reason());
            return Optional.empty();
        }
        Answered answered = (Answered) reply;
        int status = answered.status();
        if (status >= 200 && status < 300) {
            Optional<Payout> payout = payout(answered.body(), reference, destination);
            if (payout.isPresent()) {
                log.info("payout {} {}: {} (provider reference {})", reference, call, payout.get().state(),
                        payout.get().payoutReference());
            } else {
                log.warn("payout {} {}: unreadable answer (HTTP {}, {} characters); safe to ask again", reference, call,
                        status, answered.body() == null ? 0 : answered.body().length());
            }
            return payout;
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            // not processed: nothing was created, but asking again unchanged will not help before someone acts
            log.warn("payout {} {}: refused with HTTP {}{}", reference, call, status, hint(status));
            throw new PayoutRefused(status, "the payout provider refused the " + call + " with HTTP " + status + hint(status));
        } else if (status >= 400 && status < 500) {
            log.info("payout {} {}: HTTP {}{}; safe to ask again with the same reference", reference, call, status,
                    hint(status));
        } else {
            log.info("payout {} {}: HTTP {}; safe to ask again with the same reference", reference, call, status);
        }
        return Optional.empty();
    }

    private static String hint(int status) {
        return switch (status) {
            case 401, 403 -> " (check " + PayoutProviderProperties.PREFIX + ".api-key)";
            case 404, 405 -> " (check " + PayoutProviderProperties.PREFIX + ".base-url)";
            case 409, 422 -> " (the provider holds this reference for a different request)";
            case 429 -> " (rate limited)";
            default -> "";
        };
    }

    /**
     * A payout in the protocol's shape, or empty: not a JSON object, no payout reference, an unknown status, or
     * an answer about another reference than ours.
     */
    static Optional<Payout> payout(String body, String reference, String destination) {
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : JSON.readTree(body.strip());
        } catch (JacksonException unreadable) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        Optional<String> echoed = text(root.get("reference"));
        if (echoed.isPresent() && !echoed.get().equals(reference)) {
            return Optional.empty();
        }
        Optional<String> payoutReference = text(root.get("payoutReference"));
        Optional<PayoutState> state = text(root.get("status")).flatMap(HttpPayoutProvider::state);
        if (payoutReference.isEmpty() || state.isEmpty()) {
            return Optional.empty();
        }
        String reason = state.get() == PayoutState.FAILED
                ? redact(text(root.get("reason")).orElse(DEFAULT_FAILURE_REASON), destination)
                : null;
        return Optional.of(new Payout(payoutReference.get(), state.get(), reason));
    }

    private static Optional<PayoutState> state(String status) {
        try {
            return Optional.of(PayoutState.valueOf(status.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return Optional.empty();
        }
        String text = node.isNumber() ? node.decimalValue().toPlainString() : node.asString();
        return Optional.ofNullable(text).map(String::strip).filter(t -> !t.isEmpty());
    }

    /** The provider's reason may quote the destination; it must not travel on into events or logs (R11). */
    static String redact(String reason, String destination) {
        if (destination == null || destination.isBlank()) {
            return reason;
        }
        String redacted = reason.replace(destination, "[destination]");
        String compact = destination.replaceAll("\\s+", "");
        if (compact.length() >= 4) {
            redacted = redacted.replace(compact, "[destination]");
        }
        return redacted;
    }

    // --- transport ---------------------------------------------------------------------------------------------

    /** What one call came to. */
    private sealed interface Reply permits Answered, NoAnswer {
    }

    /** An HTTP answer, whatever its status. */
    private record Answered(int status, String body) implements Reply {
    }

    /** No answer: nothing sent, connection refused or broken, timeout. */
    private record NoAnswer(String reason) implements Reply {
    }

    private Reply call(String pathAndQuery, UnaryOperator<HttpRequest.Builder> method) {
        URI endpoint;
        try {
            endpoint = endpoint(pathAndQuery);
        } catch (IllegalArgumentException unresolved) {
            // e.g. ${local.server.port} before the standalone listens: nothing was sent
            return new NoAnswer("base URL not resolvable yet (" + unresolved.getMessage() + ")");
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                                                 .timeout(properties.readTimeout())
                                                 .header("Accept", "application/json")
                                                 .header("Authorization", "Bearer " + Objects.requireNonNullElse(properties.apiKey(), ""));
        HttpRequest request = method.apply(builder).build();
        CompletableFuture<HttpResponse<String>> exchange =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            // the request timeout stops waiting for the headers; this bounds a body that trickles in as well
            response = exchange.get(properties.connectTimeout().plus(properties.readTimeout()).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            exchange.cancel(true);
            return new NoAnswer("no answer within " + properties.readTimeout());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            exchange.cancel(true);
            return new NoAnswer("interrupted while waiting for the answer");
        } catch (ExecutionException failed) {
            return transportFailure(failed.getCause());
        }
        return new Answered(response.statusCode(), response.body());
    }

    private NoAnswer transportFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
                return new NoAnswer("provider unreachable: " + describe(cause));
            }
        }
        if (failure instanceof HttpTimeoutException) {
            return new NoAnswer("no answer within " + properties.readTimeout());
        }
        if (failure instanceof IOException) {
            return new NoAnswer("connection failed: " + describe(failure));
        }
        return new NoAnswer("call failed: " + describe(failure));
    }

    private static String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : " " + failure.getMessage());
    }

    private URI endpoint(String pathAndQuery) {
        String base = placeholders.resolveRequiredPlaceholders(properties.baseUrl());
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + pathAndQuery);
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
