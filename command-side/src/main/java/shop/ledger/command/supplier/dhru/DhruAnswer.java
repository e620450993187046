package shop.ledger.command.supplier.dhru;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * A DHRU Fusion answer, read tolerantly: {@code {"SUCCESS":[{...}],"apiversion":".."}} or
 * {@code {"ERROR":[{"MESSAGE":"..","FULL_DESCRIPTION":".."}]}}. Real servers differ in the case of keys, send
 * numbers as strings or strings as numbers, a single object instead of a one-element list, and sometimes a PHP
 * notice before the JSON.
 *
 * @param isError whether the supplier answered ERROR
 * @param success the SUCCESS entries (empty on an error answer)
 * @param errors  the ERROR entries (empty on a success answer)
 */
record DhruAnswer(boolean isError, List<JsonNode> success, List<JsonNode> errors) {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS) // prices and credit stay exact
            .build();

    /**
     * Empty when the body is not a JSON object holding SUCCESS or ERROR, or holds entries in both (which
     * cannot tell whether an order was placed). An empty list beside the other key is ignored.
     */
    static Optional<DhruAnswer> parse(String body) {
        Optional<JsonNode> root = readObject(body);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        List<JsonNode> success = entries(field(root.get(), "SUCCESS"));
        List<JsonNode> errors = entries(field(root.get(), "ERROR"));
        boolean hasSuccess = present(field(root.get(), "SUCCESS"));
        boolean hasError = present(field(root.get(), "ERROR"));
        if (!success.isEmpty() && !errors.isEmpty()) {
            return Optional.empty();
        }
        if (!errors.isEmpty() || hasError && !hasSuccess) {
            return Optional.of(new DhruAnswer(true, List.of(), errors));
        }
        return hasSuccess ? Optional.of(new DhruAnswer(false, success, List.of())) : Optional.empty();
    }

    /** The first SUCCESS entry, or a missing node. */
    JsonNode first() {
        return success.isEmpty() ? MissingNode.getInstance() : success.get(0);
    }

    /** "MESSAGE: FULL_DESCRIPTION" of every error entry. */
    String errorMessage() {
        StringJoiner all = new StringJoiner("; ");
        for (JsonNode entry : errors) {
            String message = (entry.isValueNode() ? scalar(entry) : text(entry, "MESSAGE")).orElse(null);
            String description = text(entry, "FULL_DESCRIPTION").orElse(null);
            if (message != null && description != null && !description.equals(message)) {
                all.add(message + ": " + description);
            } else if (message != null || description != null) {
                all.add(message != null ? message : description);
            }
        }
        return all.length() == 0 ? "error answer without a message" : all.toString();
    }

    private static Optional<JsonNode> readObject(String body) {
        if (body == null) {
            return Optional.empty();
        }
        String trimmed = body.strip();
        if (trimmed.startsWith("\uFEFF")) {
            trimmed = trimmed.substring(1);
        }
        Optional<JsonNode> whole = tryRead(trimmed);
        if (whole.isPresent()) {
            return whole;
        }
        // "<b>Notice</b>: ... {"SUCCESS":...}": a PHP warning printed before the answer
        int start = trimmed.indexOf('{');
        int end = trimmed.lastIndexOf('}');
        return start > 0 && end > start ? tryRead(trimmed.substring(start, end + 1)) : Optional.empty();
    }

    private static Optional<JsonNode> tryRead(String text) {
        if (!text.startsWith("{")) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (JacksonException notJson) {
            return Optional.empty();
        }
    }

    private static boolean present(JsonNode node) {
        return !node.isMissingNode() && !node.isNull();
    }

    /** A list, or a single object treated as a one-element list. */
    private static List<JsonNode> entries(JsonNode node) {
        List<JsonNode> entries = new ArrayList<>();
        if (node.isArray()) {
            node.values().forEach(entries::add);
        } else if (present(node)) {
            entries.add(node);
        }
        return List.copyOf(entries);
    }

    /** The named member, matched exactly first and then ignoring case; a missing node when absent. */
    static JsonNode field(JsonNode object, String... names) {
        if (object == null || !object.isObject()) {
            return MissingNode.getInstance();
        }
        for (String name : names) {
            JsonNode exact = object.get(name);
            if (exact != null) {
                return exact;
            }
        }
        for (String name : names) {
            for (Map.Entry<String, JsonNode> member : object.properties()) {
                if (member.getKey().equalsIgnoreCase(name)) {
                    return member.getValue();
                }
            }
        }
        return MissingNode.getInstance();
    }

    /** A member's value as trimmed text when it is a non-blank string or number. */
    static Optional<String> text(JsonNode object, String... names) {
        return scalar(field(object, names));
    }

    static Optional<String> scalar(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return Optional.empty();
        }
        String text = node.isNumber() ? node.decimalValue().toPlainString() : node.asString();
        return Optional.ofNullable(text).map(String::strip).filter(t -> !t.isEmpty());
    }

    /** An integer member such as STATUS, sent as 4, "4" or " 4 ". */
    static Optional<Integer> integer(JsonNode object, String... names) {
        return text(object, names).flatMap(t -> {
            try {
                return Optional.of(new BigDecimal(t).intValueExact());
            } catch (NumberFormatException | ArithmeticException notAnInteger) {
                return Optional.empty();
            }
        });
    }
}
