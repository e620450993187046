package shop.ledger.simulator.dhru;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.web.Problems;
import shop.ledger.simulator.BrokenGateway;
import shop.ledger.simulator.dhru.DhruSimulator.Faults;
import shop.ledger.simulator.dhru.DhruSimulator.Order;
import shop.ledger.simulator.dhru.DhruSimulator.PlaceMode;
import shop.ledger.simulator.dhru.DhruSimulator.StatusMode;
import shop.ledger.simulator.dhru.SimulatedServices.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DHRU Fusion supplier over HTTP, for the standalone: {@code POST /simulator/dhru/api/index.php} speaks the
 * real protocol (form fields, XML or base64-JSON parameters, SUCCESS/ERROR answers); {@code /control/*} lets
 * tests and people decide orders and switch faults on, with an ADMIN token (SecurityConfiguration).
 */
@RestController
@RequestMapping("/simulator/dhru")
@ConditionalOnProperty(name = "ledger.simulators.enabled", havingValue = "true", matchIfMissing = true)
public class DhruSimulatorController {

    private static final Logger log = LoggerFactory.getLogger(DhruSimulatorController.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String API_VERSION = "6.1";

    private final DhruSimulator simulator;

    public DhruSimulatorController(DhruSimulator simulator) {
        this.simulator = simulator;
    }

    // --- the protocol ------------------------------------------------------------------------------------------

    @PostMapping("/api/index.php")
    ResponseEntity<String> api(@RequestParam MultiValueMap<String, String> form) throws InterruptedException {
        if (!authenticated(form.getFirst("username"), form.getFirst("apiaccesskey"))) {
            return error("Authentication Failed", "Invalid username or API access key");
        }
        String action = Optional.ofNullable(form.getFirst("action")).orElse("").toLowerCase(Locale.ROOT);
        Optional<Map<String, String>> parameters = parameters(form.getFirst("parameters"));
        if (parameters.isEmpty()) {
            return error("Invalid parameters", "parameters must be XML <PARAMETERS> or base64 of a JSON object");
        }
        return switch (action) {
            case "accountinfo" -> accountInfo();
            case "imeiservicelist" -> serviceList();
            case "placeimeiorder" -> placeOrder(parameters.get());
            case "getimeiorder" -> orderStatus(parameters.get());
            default -> error("Invalid Action", "Unsupported action '" + action + "'");
        };
    }

    private ResponseEntity<String> accountInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("credit", "$" + simulator.credit().toPlainString());
        info.put("mail", "orders@imei-shop.invalid");
        info.put("currency", "USD");
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("message", "Your Accout Info");
        entry.put("AccoutInfo", info); // sic: the real servers' spelling
        return success(null, entry);
    }

    private ResponseEntity<String> serviceList() {
        Map<String, Object> groups = new LinkedHashMap<>();
        for (Service service : SimulatedServices.ALL) {
            @SuppressWarnings("unchecked")
            Map<String, Object> group = (Map<String, Object>) groups.computeIfAbsent(service.group(), name -> {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("GROUPNAME", name);
                g.put("GROUPTYPE", "IMEI");
                g.put("SERVICES", new LinkedHashMap<String, Object>());
                return g;
            });
            @SuppressWarnings("unchecked")
            Map<String, Object> services = (Map<String, Object>) group.get("SERVICES");
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("SERVICEID", Integer.parseInt(service.id()));
            s.put("SERVICETYPE", "IMEI");
            s.put("SERVICENAME", service.name());
            s.put("CREDIT", service.price().toPlainString());
            s.put("TIME", service.time());
            s.put("INFO", "");
            s.put("Requires.Network", service.requiresNetwork() ? "Required" : "None");
            s.put("Requires.Mobile", service.requiresModel() ? "Required" : "None");
            for (String unused : List.of("Provider", "PIN", "KBH", "MEP", "PRD", "Type", "Locks", "Reference")) {
                s.put("Requires." + unused, "None");
            }
            s.put("Requires.SN", service.requiresSerialNumber() ? "Required" : "None");
            s.put("Requires.SecRO", "None");
            s.put("Requires.Custom", List.of());
            services.put(service.id(), s);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("MESSAGE", "IMEI Service List");
        entry.put("LIST", groups);
        return success(null, entry);
    }

    private ResponseEntity<String> placeOrder(Map<String, String> parameters) throws InterruptedException {
        Faults faults = simulator.faults();
        if (faults.placeMode() == PlaceMode.ERROR) {
            return error("Service temporarily unavailable", "The supplier is not accepting orders right now");
        }
        if (faults.placeMode() == PlaceMode.GARBAGE) {
            return BrokenGateway.page();
        }
        String serviceId = parameters.getOrDefault("ID", "");
        Optional<Service> service = SimulatedServices.byId(serviceId);
        if (service.isEmpty()) {
            return error("Invalid Service", "Service ID " + serviceId + " is not available");
        }
        String imei = parameters.getOrDefault("IMEI", "");
        if (!imei.matches("\\d{15}")) {
            return error("Invalid IMEI", "The IMEI must be 15 digits");
        }
        Optional<String> missing = missingField(service.get(), parameters);
        if (missing.isPresent()) {
            return error(missing.get() + " is required", service.get().name() + " needs " + missing.get());
        }
        Order order = simulator.receive(service.get(), imei, parameters);
        log.info("DHRU simulator received order {} for service {}", order.referenceId(), serviceId);
        switch (faults.placeMode()) {
            case TIMEOUT -> Thread.sleep(faults.timeoutDelay().toMillis());
            case DROP_AFTER_ACCEPT -> {
                return BrokenGateway.page();
            }
            default -> {
            }
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("MESSAGE", "Order received");
        entry.put("REFERENCEID", order.referenceId());
        return success(null, entry);
    }

    private ResponseEntity<String> orderStatus(Map<String, String> parameters) throws InterruptedException {
        Faults faults = simulator.faults();
        switch (faults.statusMode()) {
            case ERROR -> {
                return error("Service temporarily unavailable", "Order status cannot be read right now");
            }
            case GARBAGE -> {
                return BrokenGateway.page();
            }
            case TIMEOUT -> Thread.sleep(faults.timeoutDelay().toMillis());
            default -> {
            }
        }
        String referenceId = parameters.getOrDefault("ID", "");
        Optional<Order> order = simulator.find(referenceId);
        if (order.isEmpty()) {
            return error("Invalid Order ID", "No order " + referenceId + " in this account");
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("STATUS", String.valueOf(order.get().status()));
        entry.put("CODE", order.get().code() == null ? "" : order.get().code());
        return success(referenceId, entry);
    }

    private static Optional<String> missingField(Service service, Map<String, String> parameters) {
        if (service.requiresModel() && parameters.getOrDefault("MODELID", "").isBlank()) {
            return Optional.of("MODELID");
        }
        if (service.requiresNetwork() && parameters.getOrDefault("NETWORK", "").isBlank()
            && parameters.getOrDefault("PROVIDERID", "").isBlank()) {
            return Optional.of("NETWORK");
        }
        if (service.requiresSerialNumber() && parameters.getOrDefault("SN", "").isBlank()) {
            return Optional.of("SN");
        }
        return Optional.empty();
    }

    private boolean authenticated(String username, String apiKey) {
        DhruSimulatorProperties properties = simulator.properties();
        // both compared in constant time, so the answer's timing tells nothing about the key
        boolean user = MessageDigest.isEqual(bytes(username), bytes(properties.username()));
        boolean key = MessageDigest.isEqual(bytes(apiKey), bytes(properties.apiKey()));
        return username != null && apiKey != null && user && key;
    }

    private static byte[] bytes(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The {@code parameters} field: {@code <PARAMETERS>..</PARAMETERS>}, base64 of a JSON object, or (as some
     * clients send it) the JSON object itself. Names are upper-cased; empty when unreadable.
     */
    static Optional<Map<String, String>> parameters(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.of(Map.of());
        }
        String text = raw.strip();
        if (!text.startsWith("<") && !text.startsWith("{")) {
            try {
                text = new String(Base64.getMimeDecoder().decode(text), StandardCharsets.UTF_8).strip();
            } catch (IllegalArgumentException notBase64) {
                return Optional.empty();
            }
        }
        if (text.startsWith("<")) {
            return xmlParameters(text);
        }
        if (text.startsWith("{")) {
            return jsonParameters(text);
        }
        return Optional.empty();
    }

    private static Optional<Map<String, String>> xmlParameters(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // no DOCTYPE, no external entities: the body comes from outside
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            Document document = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
            Map<String, String> parameters = new LinkedHashMap<>();
            for (Node child = document.getDocumentElement().getFirstChild(); child != null; child = child.getNextSibling()) {
                if (child.getNodeType() == Node.ELEMENT_NODE) {
                    parameters.put(child.getNodeName().toUpperCase(Locale.ROOT), child.getTextContent().strip());
                }
            }
            return Optional.of(parameters);
        } catch (Exception unreadable) {
            return Optional.empty();
        }
    }

    private static Optional<Map<String, String>> jsonParameters(String json) {
        try {
            JsonNode object = JSON.readTree(json);
            if (!object.isObject()) {
                return Optional.empty();
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            object.properties().forEach(member -> parameters.put(member.getKey().toUpperCase(Locale.ROOT),
                    member.getValue().isValueNode() ? member.getValue().asString().strip() : member.getValue().toString()));
            return Optional.of(parameters);
        } catch (JacksonException unreadable) {
            return Optional.empty();
        }
    }

    private static ResponseEntity<String> success(String id, Map<String, Object> entry) {
        Map<String, Object> answer = new LinkedHashMap<>();
        if (id != null) {
            answer.put("ID", id);
        }
        answer.put("SUCCESS", List.of(entry));
        answer.put("apiversion", API_VERSION);
        return json(answer);
    }

    private static ResponseEntity<String> error(String message, String description) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("MESSAGE", message);
        entry.put("FULL_DESCRIPTION", description);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ERROR", List.of(entry));
        answer.put("apiversion", API_VERSION);
        return json(answer);
    }

    private static ResponseEntity<String> json(Map<String, Object> answer) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsString(answer));
    }

    // --- control -----------------------------------------------------------------------------------------------

    /** {@code {status: 0|1|3|4, code?}}: the result (4) or the rejection reason (3). */
    public record OrderUpdate(Integer status, String code) {
    }

    public record FaultsUpdate(PlaceMode placeMode, StatusMode statusMode, Duration timeoutDelay) {
    }

    public record AutocompleteUpdate(boolean enabled) {
    }

    public record OrderList(List<Order> items) {
    }

    @PostMapping("/control/orders/{referenceId}")
    ResponseEntity<?> decide(@PathVariable String referenceId, @RequestBody OrderUpdate update) {
        if (update.status() == null) {
            throw new IllegalArgumentException("status is required: 1, 3 or 4");
        }
        return simulator.update(referenceId, update.status(), update.code())
                        .<ResponseEntity<?>>map(ResponseEntity::ok)
                        .orElseGet(() -> Problems.response(ProblemType.NOT_FOUND, "no order " + referenceId));
    }

    @GetMapping("/control/orders")
    OrderList orders(@RequestParam(required = false) String imei) {
        return new OrderList(simulator.orders(imei));
    }

    @GetMapping("/control/orders/{referenceId}")
    ResponseEntity<?> order(@PathVariable String referenceId) {
        return simulator.find(referenceId)
                        .<ResponseEntity<?>>map(ResponseEntity::ok)
                        .orElseGet(() -> Problems.response(ProblemType.NOT_FOUND, "no order " + referenceId));
    }

    /** Null fields switch that fault off; {@code {}} resets everything. */
    @PostMapping("/control/faults")
    Faults setFaults(@RequestBody FaultsUpdate update) {
        return simulator.setFaults(update.placeMode(), update.statusMode(), update.timeoutDelay());
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
