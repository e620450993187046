package shop.ledger.standalone.hostile;

import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The JSON request bodies of the contract: each field with its kind, whether it is required and its length
 * limit, and a valid value. The fuzzing derives its hostile variants from these (a wrong type, an overflowing
 * number, an unknown currency, a missing field...) and knows from them which variants must be refused.
 */
final class BodyShapes {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    enum Kind {
        /** 1 to 100,000,000,000 minor units. */
        POSITIVE_AMOUNT,
        /** Signed, not zero, at most 100,000,000,000 either way. */
        SIGNED_AMOUNT,
        /** 0 to 100,000,000,000. */
        PRICE,
        CURRENCY, TEXT, USERNAME, PASSWORD, UUID, IMEI, ENUM, ENUM_SET, BOOLEAN, DURATION, CODE, METHOD, OBJECT
    }

    /** A JSON fragment written as it is (numbers no Java type holds, malformed bits). */
    record Raw(String json) {
    }

    record Field(String name, Kind kind, boolean required, int max, List<String> values, List<Field> children,
                 Function<Random, Object> valid) {

        Object validValue(Random random) {
            if (kind == Kind.OBJECT) {
                Map<String, Object> object = new LinkedHashMap<>();
                children.forEach(child -> object.put(child.name(), child.validValue(random)));
                return object;
            }
            return valid.apply(random);
        }
    }

    static Field field(String name, Kind kind, boolean required, int max, Function<Random, Object> valid) {
        return new Field(name, kind, required, max, List.of(), List.of(), valid);
    }

    static Field choice(String name, Kind kind, boolean required, List<String> values, Function<Random, Object> valid) {
        return new Field(name, kind, required, 0, values, List.of(), valid);
    }

    static Field object(String name, boolean required, Field... children) {
        return new Field(name, Kind.OBJECT, required, 0, List.of(), List.of(children), null);
    }

    /** A body: its fields and how to make a valid one. */
    record Shape(List<Field> fields) {

        Map<String, Object> valid(Random random) {
            Map<String, Object> body = new LinkedHashMap<>();
            fields.forEach(field -> body.put(field.name(), field.validValue(random)));
            return body;
        }

        /** Every field with its path (nested ones too), for picking one to spoil. */
        List<Map.Entry<List<String>, Field>> paths() {
            List<Map.Entry<List<String>, Field>> paths = new ArrayList<>();
            collect(List.of(), fields, paths);
            return paths;
        }

        private static void collect(List<String> prefix, List<Field> fields, List<Map.Entry<List<String>, Field>> out) {
            for (Field field : fields) {
                List<String> path = new ArrayList<>(prefix);
                path.add(field.name());
                out.add(Map.entry(path, field));
                collect(path, field.children(), out);
            }
        }
    }

    /** Writes a body of maps, lists, strings, numbers, booleans, nulls and {@link Raw} fragments as JSON. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void write(Object value, StringBuilder out) {
        if (value instanceof Raw raw) {
            out.append(raw.json());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> entry : ((Map<String, Object>) map).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(JSON.writeValueAsString(entry.getKey())).append(':');
                write(entry.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(list.get(i), out);
            }
            out.append(']');
        } else {
            out.append(JSON.writeValueAsString(value));
        }
    }

    private BodyShapes() {
    }
}
