package shop.ledger.command.supplier.dhru;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import shop.ledger.command.supplier.SupplierPort;
import shop.ledger.command.supplier.dhru.DhruSuppliers.Supplier;
import tools.jackson.databind.JsonNode;

import javax.net.ssl.SSLHandshakeException;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DHRU Fusion API client: {@code POST {baseUrl}/api/index.php} with the form fields {@code username},
 * {@code apiaccesskey}, {@code action}, {@code requestformat=JSON} and {@code parameters}.
 * <p>
 * Only the service id, the IMEI and the fields the service needs are sent (R12). Logs name the supplier,
 * the action and the outcome, never the IMEI, the API key or a result code (R11).
 * <p>
 * placeimeiorder has no idempotency key, so a placement answers {@link Unknown} whenever the request may have
 * reached the supplier without a readable answer; the saga must then not place again blindly.
 */
@Component
@EnableConfigurationProperties(DhruSuppliers.class)
public class DhruFusionClient implements SupplierPort {

    private static final Logger log = LoggerFactory.getLogger(DhruFusionClient.class);
    private static final Pattern LONG_DIGIT_RUN = Pattern.compile("\\d{14,}");
    private static final Pattern AMOUNT = Pattern.compile("-?\\d[\\d,.' ]*");
    private static final Pattern CURRENCY_CODE = Pattern.compile("\\b([A-Z]{3})\\b");

    /** The supplier's account as {@code accountinfo} answers it. */
    public record AccountInfo(BigDecimal credit, String currency) {
    }

    /**
     * One service of {@code imeiservicelist}.
     *
     * @param price the supplier's price per order (its {@code CREDIT}), in the account's currency
     * @param time  the supplier's delivery estimate as it words it, e.g. "1-3 Days"
     */
    public record RemoteService(String id, String name, String group, BigDecimal price, String time,
                                boolean requiresModel, boolean requiresNetwork, boolean requiresSerialNumber) {
    }

    /** {@code accountinfo} or {@code imeiservicelist} could not be answered; the message holds no secret. */
    public static class SupplierCallFailed extends RuntimeException {
        public SupplierCallFailed(String message) {
            super(message);
        }
    }

    private final DhruSuppliers suppliers;
    private final Environment placeholders;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    /** @param placeholders resolves placeholders in base URLs at call time (the Spring Environment) */
    public DhruFusionClient(DhruSuppliers suppliers, Environment placeholders) {
        this.suppliers = suppliers;
        this.placeholders = placeholders;
    }

    @Override
    public Placement place(String supplier, Submission submission) {
        Supplier settings = suppliers.settings(supplier);
        if (submission.supplierServiceId() == null || submission.imei() == null) {
            throw new IllegalArgumentException("a submission needs the supplier's service id and the IMEI");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("IMEI", submission.imei());
        parameters.put("ID", submission.supplierServiceId());
        putIfGiven(parameters, "MODELID", submission.model());
        putIfGiven(parameters, "NETWORK", submission.network());
        putIfGiven(parameters, "SN", submission.serialNumber());

        Reply reply = call(supplier, settings, "placeimeiorder", parameters);
        Placement placement = placement(reply, submission.imei());
        // the outcome and transport reasons only: the supplier's message may quote the order (R11)
        log.info("supplier {} placeimeiorder: {}", supplier, placement instanceof Unknown unknown
                ? "unknown outcome (" + unknown.reason() + ")"
                : placement instanceof Accepted ? "accepted"
                : "refused (" + (reply instanceof NotProcessed ? reply.reason() : "error answer") + ")");
        return placement;
    }

    @Override
    public Optional<Status> status(String supplier, String supplierReference) {
        Supplier settings = suppliers.settings(supplier);
        Reply reply = call(supplier, settings, "getimeiorder", Map.of("ID", Objects.requireNonNull(supplierReference)));
        Optional<Status> status;
        if (reply instanceof Answered answered && answered.answer().isError()) {
            // a readable refusal: counted by the saga, which escalates when it persists
            status = Optional.of(new Status(Progress.REFUSED, answered.answer().errorMessage()));
        } else if (reply instanceof Answered answered) {
            status = status(answered.answer().first());
        } else {
            status = Optional.empty();
        }
        if (status.isPresent() && status.get().progress() == Progress.REFUSED) {
            log.info("supplier {} getimeiorder: error answer", supplier); // its message may quote the order (R11)
        } else if (status.isPresent()) {
            log.debug("supplier {} getimeiorder: {}", supplier, status.get().progress());
        } else {
            log.info("supplier {} getimeiorder: no status ({})", supplier,
                    reply instanceof Answered answered && !answered.answer().isError() ? "no readable STATUS" : reply.reason());
        }
        return status;
    }

    /** The account's remaining credit: {@code "credit":"$16.41"}, {@code "16.41 USD"} or {@code 16.41}. */
    public AccountInfo accountInfo(String supplier) {
        JsonNode info = DhruAnswer.field(success(supplier, "accountinfo", Map.of()), "AccoutInfo", "AccountInfo");
        Optional<String> credit = DhruAnswer.text(info, "creditraw", "credit");
        BigDecimal amount = credit.flatMap(DhruFusionClient::decimal)
                                  .orElseThrow(() -> new SupplierCallFailed("supplier " + supplier + ": no credit in accountinfo"));
        String currency = DhruAnswer.text(info, "currency").or(() -> credit.flatMap(DhruFusionClient::currencyOf)).orElse(null);
        return new AccountInfo(amount, currency);
    }

    /** The supplier's IMEI services: {@code LIST} of groups, each with {@code SERVICES} (objects or arrays). */
    public List<RemoteService> serviceList(String supplier) {
        JsonNode list = DhruAnswer.field(success(supplier, "imeiservicelist", Map.of()), "LIST");
        List<RemoteService> services = new ArrayList<>();
        for (Map.Entry<String, JsonNode> group : members(list)) {
            String groupName = DhruAnswer.text(group.getValue(), "GROUPNAME").orElse(group.getKey());
            for (Map.Entry<String, JsonNode> service : members(DhruAnswer.field(group.getValue(), "SERVICES"))) {
                JsonNode s = service.getValue();
                Optional<String> id = DhruAnswer.text(s, "SERVICEID", "ID").or(() -> Optional.ofNullable(service.getKey()));
                if (id.isEmpty()) {
                    continue;
                }
                services.add(new RemoteService(id.get(), DhruAnswer.text(s, "SERVICENAME", "NAME").orElse(id.get()),
                        groupName, DhruAnswer.text(s, "CREDIT", "PRICE").flatMap(DhruFusionClient::decimal).orElse(null),
                        DhruAnswer.text(s, "TIME", "DELIVERYTIME").orElse(null),
                        required(s, "Requires.Mobile", "Requires.Model"), required(s, "Requires.Network", "Requires.Provider"),
                        required(s, "Requires.SN", "Requires.Serial")));
            }
        }
        return List.copyOf(services);
    }

    /** STATUS 0/1 in process, 3 rejected, 4 completed; anything else is unreadable: ask again later. */
    private static Optional<Status> status(JsonNode order) {
        Optional<String> code = DhruAnswer.text(order, "CODE");
        return DhruAnswer.integer(order, "STATUS").flatMap(status -> switch (status) {
            case 0 -> Optional.of(new Status(Progress.IN_PROCESS, "new"));
            case 1 -> Optional.of(new Status(Progress.IN_PROCESS, "in process"));
            // the reason is recorded in clear (events, timeline): suppliers quote the IMEI in it, so it is cut out
            case 3 -> Optional.of(new Status(Progress.REJECTED, withoutImeis(code
                    .or(() -> DhruAnswer.text(order, "COMMENTS", "MESSAGE"))
                    .orElse("rejected by the supplier"))));
            case 4 -> Optional.of(new Status(Progress.COMPLETED, code.orElse("")));
            default -> Optional.empty();
        });
    }

    private JsonNode success(String supplier, String action, Map<String, String> parameters) {
        Reply reply = call(supplier, suppliers.settings(supplier), action, parameters);
        boolean answered = reply instanceof Answered a && !a.answer().isError();
        log.info("supplier {} {}: {}", supplier, action, answered ? "answered" : "failed");
        if (answered) {
            return ((Answered) reply).answer().first();
        }
        String reason = reply instanceof Answered error ? "refused: " + error.answer().errorMessage() : reply.reason();
        throw new SupplierCallFailed("supplier " + supplier + " " + action + " " + reason);
    }

    /** The outcome of placeimeiorder; see the class comment for why anything uncertain is Unknown. */
    private static Placement placement(Reply reply, String imei) {
        if (reply instanceof NotProcessed notProcessed) {
            return new Refused(notProcessed.reason());
        }
        if (reply instanceof Answered answered) {
            DhruAnswer answer = answered.answer();
            if (answer.isError()) {
                return new Refused(withoutImeis(redact(answer.errorMessage(), imei)));
            }
            return DhruAnswer.text(answer.first(), "REFERENCEID", "REFERENCE_ID", "REFID")
                             .<Placement>map(Accepted::new)
                             .orElseGet(() -> new Unknown("success answer without a REFERENCEID"));
        }
        return new Unknown(reply.reason());
    }

    // --- transport ---------------------------------------------------------------------------------------------

    /** What one call came to, as far as the protocol can tell. */
    private sealed interface Reply permits Answered, NotProcessed, NoAnswer {
        String reason();
    }

    /** A readable SUCCESS or ERROR answer. */
    private record Answered(DhruAnswer answer) implements Reply {
        @Override
        public String reason() {
            return answer.isError() ? "error answer" : "success answer";
        }
    }

    /** The request certainly did not reach the API (nothing sent, or refused before the API ran). */
    private record NotProcessed(String reason) implements Reply {
    }

    /** The request may have reached the API, but no readable answer came back. */
    private record NoAnswer(String reason) implements Reply {
    }

    private Reply call(String name, Supplier settings, String action, Map<String, String> parameters) {
        URI endpoint;
        try {
            endpoint = endpoint(settings);
        } catch (IllegalArgumentException unresolved) {
            // e.g. ${local.server.port} before the standalone listens: nothing was sent, so it is safe to retry
            return new NotProcessed("supplier unreachable: base URL not resolvable yet (" + unresolved.getMessage() + ")");
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(settings.readTimeout())
                .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        DhruForm.encode(settings.username(), settings.apiKey(), action, parameters, settings.parameterFormat()),
                        StandardCharsets.UTF_8))
                .build();
        CompletableFuture<HttpResponse<String>> exchange =
                client(name, settings).sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            // the request timeout stops waiting for the headers; this bounds a body that trickles in as well
            response = exchange.get(settings.connectTimeout().plus(settings.readTimeout()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            exchange.cancel(true);
            return new NoAnswer("no answer within " + settings.readTimeout());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            exchange.cancel(true);
            return new NoAnswer("interrupted while waiting for the answer");
        } catch (ExecutionException failed) {
            return transportFailure(failed.getCause(), settings);
        }
        int status = response.statusCode();
        if (status >= 300 && status < 500) {
            // redirects and client errors come from the web server or a proxy in front of the API: not processed
            return new NotProcessed("supplier answered HTTP " + status);
        }
        if (status >= 500 || status < 200) {
            // a proxy's 502/504 or a PHP fatal error may come after the order was stored
            return new NoAnswer("supplier answered HTTP " + status);
        }
        return DhruAnswer.parse(response.body())
                         .<Reply>map(Answered::new)
                         .orElseGet(() -> new NoAnswer("unreadable answer (HTTP " + status + ", "
                                                       + (response.body() == null ? 0 : response.body().length()) + " characters)"));
    }

    private static Reply transportFailure(Throwable failure, Supplier settings) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // A refused or timed-out connection, or a failed TLS handshake, means nothing was sent: the order
            // certainly does not exist at the supplier, so this is a definite non-placement (Refused) that the saga
            // retries with backoff, not a lost answer. Anything later (timeout, reset, closed connection) may
            // follow a stored order.
            if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException
                || cause instanceof SSLHandshakeException) {
                return new NotProcessed("supplier unreachable: " + describe(cause));
            }
        }
        if (failure instanceof HttpTimeoutException) {
            return new NoAnswer("no answer within " + settings.readTimeout());
        }
        if (failure instanceof IOException) {
            return new NoAnswer("connection failed after sending: " + describe(failure));
        }
        return new NoAnswer("call failed: " + describe(failure));
    }

    private static String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : " " + failure.getMessage());
    }

    private URI endpoint(Supplier settings) {
        if (settings.baseUrl() == null || settings.baseUrl().isBlank()) {
            throw new IllegalArgumentException("no base-url configured");
        }
        String base = placeholders.resolveRequiredPlaceholders(settings.baseUrl().strip());
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/api/index.php");
    }

    /** One client per supplier: the connect timeout belongs to the client, and connections are pooled. */
    private HttpClient client(String name, Supplier settings) {
        return clients.computeIfAbsent(name, n -> HttpClient.newBuilder()
                                                            .version(HttpClient.Version.HTTP_1_1)
                                                            .connectTimeout(settings.connectTimeout())
                                                            .followRedirects(HttpClient.Redirect.NEVER)
                                                            .build());
    }

    // --- reading values ----------------------------------------------------------------------------------------

    private static void putIfGiven(Map<String, String> parameters, String name, String value) {
        if (value != null && !value.isBlank()) {
            parameters.put(name, value.strip());
        }
    }

    /** Supplier messages sometimes quote the IMEI; it must not travel on into events or logs (R11). */
    /** Any run of 14 or more digits (an IMEI, with or without its check digit) in a supplier's free text (R11). */
    static String withoutImeis(String text) {
        return LONG_DIGIT_RUN.matcher(text).replaceAll("[IMEI]");
    }

    private static String redact(String message, String imei) {
        return imei == null || imei.isBlank() ? message : message.replace(imei, "[IMEI]");
    }

    /** "$16.41", "1,234.50 USD", "16,41 €" or "16.41" as a decimal. */
    static Optional<BigDecimal> decimal(String text) {
        Matcher matcher = AMOUNT.matcher(text);
        if (!matcher.find()) {
            return Optional.empty();
        }
        String amount = matcher.group().replaceAll("[' ]", "");
        int comma = amount.lastIndexOf(',');
        int dot = amount.lastIndexOf('.');
        if (comma > dot && amount.length() - comma - 1 <= 2) {
            // a decimal comma: "16,41" or "1.234,50"
            amount = amount.replace(".", "").replace(',', '.');
        } else {
            amount = amount.replace(",", "");
        }
        try {
            return Optional.of(new BigDecimal(amount));
        } catch (NumberFormatException unreadable) {
            return Optional.empty();
        }
    }

    private static Optional<String> currencyOf(String credit) {
        Matcher code = CURRENCY_CODE.matcher(credit);
        if (code.find()) {
            return Optional.of(code.group(1));
        }
        if (credit.contains("$")) {
            return Optional.of("USD");
        }
        if (credit.contains("€")) {
            return Optional.of("EUR");
        }
        return credit.contains("£") ? Optional.of("GBP") : Optional.empty();
    }

    /** "Requires.Mobile":"Required" (or "Optional"/"None"). */
    private static boolean required(JsonNode service, String... names) {
        return DhruAnswer.text(service, names).map(value -> value.equalsIgnoreCase("required")).orElse(false);
    }

    /** The members of an object, or an array's elements keyed by nothing. */
    private static List<Map.Entry<String, JsonNode>> members(JsonNode node) {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
        if (node.isObject()) {
            members.addAll(node.properties());
        } else if (node.isArray()) {
            node.values().forEach(value -> members.add(new AbstractMap.SimpleEntry<>(null, value)));
        }
        return members;
    }
}
