package shop.ledger.simulator.payout;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.web.Problems;
import shop.ledger.simulator.BrokenGateway;
import shop.ledger.simulator.payout.PayoutSimulator.Conflicting;
import shop.ledger.simulator.payout.PayoutSimulator.Created;
import shop.ledger.simulator.payout.PayoutSimulator.Faults;
import shop.ledger.simulator.payout.PayoutSimulator.Payout;
import shop.ledger.simulator.payout.PayoutSimulator.State;
import shop.ledger.simulator.payout.PayoutSimulator.StatusMode;
import shop.ledger.simulator.payout.PayoutSimulator.SubmitMode;
import shop.ledger.simulator.payout.PayoutSimulator.Submission;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A payout provider over HTTP, for the standalone, speaking the protocol of
 * {@link shop.ledger.command.payout.http.HttpPayoutProvider}:
 * <ul>
 *   <li>{@code POST /simulator/payouts/api/payouts} with {@code Authorization: Bearer <key>},
 *       {@code Idempotency-Key: <reference>} and {@code {amount, currency, method, destination}}: 201 and a new
 *       PENDING payout, 200 and the same payout for the same key and request again, 422
 *       {@code idempotency-key-reused} for the same key with another request, 400 {@code validation-failed}, 401
 *       {@code unauthorized};</li>
 *   <li>{@code GET /simulator/payouts/api/payouts?reference=<reference>}: 200 and the payout, or 404;</li>
 * </ul>
 * a payout answers as {@code {payoutReference, reference, amount, currency, method, status, reason?, createdAt,
 * updatedAt, bookedAt?}} (never the destination). {@code /control/*} lets tests and people decide payouts and switch
 * faults on, with an ADMIN token (SecurityConfiguration); {@code /statement?date=YYYY-MM-DD} is the day's CSV statement ({@link PayoutStatement}).
 */
@RestController
@RequestMapping("/simulator/payouts")
@ConditionalOnProperty(name = "ledger.simulators.enabled", havingValue = "true", matchIfMissing = true)
public class PayoutSimulatorController {

    private static final Logger log = LoggerFactory.getLogger(PayoutSimulatorController.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final MediaType CSV = new MediaType("text", "csv", StandardCharsets.UTF_8);

    private final PayoutSimulator simulator;

    public PayoutSimulatorController(PayoutSimulator simulator) {
        this.simulator = simulator;
    }

    // --- the protocol ------------------------------------------------------------------------------------------

    @PostMapping("/api/payouts")
    ResponseEntity<?> submit(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                             @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
                             @RequestBody(required = false) String body) throws InterruptedException {
        if (!authenticated(authorization)) {
            return unauthorized();
        }
        Faults faults = simulator.faults();
        if (faults.submitMode() == SubmitMode.GARBAGE) {
            return BrokenGateway.page();
        }
        if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
            return Problems.response(ProblemType.VALIDATION_FAILED, "the Idempotency-Key header (1 to 255 characters) is required");
        }
        Request request;
        try {
            request = Request.parse(body);
        } catch (IllegalArgumentException invalid) {
            return Problems.response(ProblemType.VALIDATION_FAILED, invalid.getMessage());
        }
        Submission submission = simulator.submit(idempotencyKey, request.amount(), request.currency(), request.method(),
                request.destination());
        if (submission instanceof Conflicting) {
            return Problems.response(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used with a different request");
        }
        Payout payout = submission.payout();
        boolean created = submission instanceof Created;
        log.info("payout simulator {} payout {} ({})", created ? "created" : "repeated", payout.payoutReference(),
                payout.status());
        switch (faults.submitMode()) {
            case TIMEOUT -> Thread.sleep(faults.timeoutDelay().toMillis());
            case DROP_AFTER_ACCEPT -> {
                return BrokenGateway.page();
            }
            default -> {
            }
        }
        return json(created ? HttpStatus.CREATED : HttpStatus.OK, payout);
    }

    @GetMapping("/api/payouts")
    ResponseEntity<?> status(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                             @RequestParam(required = false) String reference) throws InterruptedException {
        if (!authenticated(authorization)) {
            return unauthorized();
        }
        Faults faults = simulator.faults();
        switch (faults.statusMode()) {
            case GARBAGE -> {
                return BrokenGateway.page();
            }
            case TIMEOUT -> Thread.sleep(faults.timeoutDelay().toMillis());
            default -> {
            }
        }
        if (reference == null || reference.isBlank()) {
            return Problems.response(ProblemType.VALIDATION_FAILED, "the query parameter 'reference' is required");
        }
        return simulator.findByReference(reference)
                        .<ResponseEntity<?>>map(payout -> json(HttpStatus.OK, payout))
                        .orElseGet(() -> Problems.response(ProblemType.NOT_FOUND, "no payout for this reference"));
    }

    /** A submission's body, checked. */
    record Request(long amount, String currency, String method, String destination) {

        static Request parse(String body) {
            JsonNode root;
            try {
                root = body == null || body.isBlank() ? null : JSON.readTree(body);
            } catch (JacksonException unreadable) {
                throw new IllegalArgumentException("the body must be a JSON object {amount, currency, method, destination}");
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("the body must be a JSON object {amount, currency, method, destination}");
            }
            JsonNode amount = root.path("amount");
            if (!amount.isIntegralNumber() || !amount.canConvertToLong() || amount.longValue() <= 0
                || amount.longValue() > Money.MAX_AMOUNT) {
                throw new IllegalArgumentException("amount must be a positive integer in minor units");
            }
            String currency = text(root, "currency");
            if (currency == null || !currency.matches("[A-Z]{3}")) {
                throw new IllegalArgumentException("currency must be an ISO-4217 code");
            }
            String method = text(root, "method");
            if (method == null || method.length() > 64) {
                throw new IllegalArgumentException("method is required (at most 64 characters)");
            }
            String destination = text(root, "destination");
            if (destination == null || destination.length() > 500) {
                throw new IllegalArgumentException("destination is required (at most 500 characters)");
            }
            return new Request(amount.longValue(), currency, method, destination);
        }

        private static String text(JsonNode root, String name) {
            JsonNode node = root.path(name);
            return node.isString() && !node.asString().isBlank() ? node.asString() : null;
        }
    }

    private boolean authenticated(String authorization) {
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        byte[] expected = ("Bearer " + simulator.properties().apiKey()).getBytes(StandardCharsets.UTF_8);
        // compared in constant time, so the answer's timing tells nothing about the key
        return authorization != null && MessageDigest.isEqual(given, expected);
    }

    private static ResponseEntity<?> unauthorized() {
        ResponseEntity<?> problem = Problems.response(ProblemType.UNAUTHORIZED, "a valid API key is required");
        return ResponseEntity.status(problem.getStatusCode()).headers(problem.getHeaders())
                             .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").body(problem.getBody());
    }

    /** The protocol's view of a payout: everything but the destination. */
    static Map<String, Object> view(Payout payout) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("payoutReference", payout.payoutReference());
        view.put("reference", payout.reference());
        view.put("amount", payout.amount());
        view.put("currency", payout.currency());
        view.put("method", payout.method());
        view.put("status", payout.status().name());
        if (payout.reason() != null) {
            view.put("reason", payout.reason());
        }
        view.put("createdAt", payout.createdAt().toString());
        view.put("updatedAt", payout.updatedAt().toString());
        if (payout.bookedAt() != null) {
            view.put("bookedAt", payout.bookedAt().toString());
        }
        return view;
    }

    private static ResponseEntity<?> json(HttpStatus status, Payout payout) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsString(view(payout)));
    }

    // --- the statement -----------------------------------------------------------------------------------------

    /** The payouts booked on that UTC day (today when not given), as CSV. */
    @GetMapping("/statement")
    ResponseEntity<String> statement(@RequestParam(required = false) String date) {
        LocalDate day;
        try {
            day = date == null || date.isBlank() ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(date.strip());
        } catch (DateTimeParseException notADate) {
            throw new IllegalArgumentException("date must be an ISO date, YYYY-MM-DD");
        }
        return ResponseEntity.ok()
                             .contentType(CSV)
                             .header(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"payouts-" + day + ".csv\"")
                             .body(PayoutStatement.csv(simulator.booked(day)));
    }

    // --- control -----------------------------------------------------------------------------------------------

    /** {@code {status: "PAID"|"FAILED", reason?}}: the reason explains FAILED. */
    public record PayoutDecision(String status, String reason) {
    }

    public record FaultsUpdate(SubmitMode submitMode, StatusMode statusMode, Duration timeoutDelay) {
    }

    public record AutocompleteUpdate(boolean enabled) {
    }

    public record PayoutList(List<Payout> items) {
    }

    /** By the provider's payout reference, or by the client's reference (the withdrawal id). */
    @PostMapping("/control/payouts/{payoutReference}")
    ResponseEntity<?> decide(@PathVariable String payoutReference, @RequestBody PayoutDecision decision) {
        State status = Optional.ofNullable(decision.status())
                               .map(s -> s.strip().toUpperCase(Locale.ROOT))
                               .filter(s -> s.equals("PAID") || s.equals("FAILED"))
                               .map(State::valueOf)
                               .orElseThrow(() -> new IllegalArgumentException("status must be PAID or FAILED"));
        return simulator.decide(payoutReference, status, decision.reason())
                        .<ResponseEntity<?>>map(ResponseEntity::ok)
                        .orElseGet(() -> Problems.response(ProblemType.NOT_FOUND, "no payout " + payoutReference));
    }

    /** Everything received, oldest first; only the payout for the client's reference when one is given. */
    @GetMapping("/control/payouts")
    PayoutList payouts(@RequestParam(required = false) String reference) {
        return new PayoutList(simulator.payouts(reference));
    }

    @GetMapping("/control/payouts/{payoutReference}")
    ResponseEntity<?> payout(@PathVariable String payoutReference) {
        return simulator.find(payoutReference)
                        .<ResponseEntity<?>>map(ResponseEntity::ok)
                        .orElseGet(() -> Problems.response(ProblemType.NOT_FOUND, "no payout " + payoutReference));
    }

    /** Null fields switch that fault off; {@code {}} resets everything. */
    @PostMapping("/control/faults")
    Faults setFaults(@RequestBody FaultsUpdate update) {
        return simulator.setFaults(update.submitMode(), update.statusMode(), update.timeoutDelay());
    }

    @GetMapping("/control/faults")
    Faults faults() {
        return simulator.faults();
    }

    @PostMapping("/control/autocomplete")
    AutocompleteUpdate setAutocomplete(@RequestBody AutocompleteUpdate update) {
        simulator.setAutocomplete(update.enabled());
        return new AutocompleteUpdate(simulator.autocomplete());
    }

    @GetMapping("/control/autocomplete")
    AutocompleteUpdate autocomplete() {
        return new AutocompleteUpdate(simulator.autocomplete());
    }
}
