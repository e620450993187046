package shop.ledger.standalone.hostile;

import shop.ledger.standalone.hostile.ApiContract.Body;
import shop.ledger.standalone.hostile.ApiContract.Endpoint;
import shop.ledger.standalone.hostile.ApiContract.Who;
import shop.ledger.standalone.hostile.BodyShapes.Field;
import shop.ledger.standalone.hostile.BodyShapes.Kind;
import shop.ledger.standalone.hostile.BodyShapes.Raw;
import shop.ledger.standalone.hostile.BodyShapes.Shape;
import shop.ledger.standalone.hostile.RawHttp.Request;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static shop.ledger.standalone.hostile.BodyShapes.choice;
import static shop.ledger.standalone.hostile.BodyShapes.field;
import static shop.ledger.standalone.hostile.BodyShapes.object;

/**
 * Makes hostile requests for an endpoint from a seeded {@link Random}: the same seed gives the same requests.
 * Each case says whether the request must be refused ({@link Verdict#REFUSE}) or may be accepted (a variant that
 * is still valid, or one whose fate depends on the ledger's state).
 */
final class CaseGenerator {

    enum Verdict { REFUSE, MAY_ACCEPT }

    /**
     * @param keyMarker a text inside every Idempotency-Key the case may send (a refused answer is remembered for
     *                  its key), null for reads
     */
    record FuzzCase(String label, Who who, Verdict verdict, Request request, String keyMarker,
                    String correlationId) {
    }

    static final int MAX_BODY = 1 << 20;
    static final int MAX_STATEMENT = 16 << 20;

    private final HostileFixture fixture;
    /** Query parameter names of each operation, from the OpenAPI document. */
    private final Map<String, List<String>> queryParameters;
    /** Methods served on each path, from the OpenAPI document. */
    private final Map<String, Set<String>> methodsByPath;
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    CaseGenerator(HostileFixture fixture, Map<String, List<String>> queryParameters,
                  Map<String, Set<String>> methodsByPath) {
        this.fixture = fixture;
        this.queryParameters = queryParameters;
        this.methodsByPath = methodsByPath;
        defineShapes();
    }

    Shape shape(Endpoint endpoint) {
        return shapes.get(endpoint.key());
    }

    /** Who fuzzes an endpoint: every role that may call it. */
    static List<Who> callers(Endpoint endpoint) {
        return endpoint.allowed().stream().sorted().toList();
    }

    FuzzCase next(Endpoint endpoint, Random random, int index) {
        List<Who> callers = callers(endpoint);
        Who who = callers.get(index % callers.size());
        Draft draft = new Draft(endpoint, who, random);
        int mutations = random.nextInt(10) == 0 ? 2 : 1;
        for (int i = 0; i < mutations; i++) {
            mutate(draft, random, i > 0);
        }
        return draft.build(index);
    }

    // ---------------------------------------------------------------- the request being made

    private final class Draft {
        final Endpoint endpoint;
        final Who who;
        String method;
        final Map<String, String> pathValues = new LinkedHashMap<>();
        String query = "";
        final List<RawHttp.Header> headers = new ArrayList<>();
        String contentType;
        String accept;
        final String keyMarker = UUID.randomUUID().toString();
        String idempotencyKey = "fz-" + keyMarker;
        boolean sendIdempotencyKey;
        byte[] body;
        Map<String, Object> json;
        final List<String> labels = new ArrayList<>();
        Verdict verdict = Verdict.MAY_ACCEPT;
        byte[] rawPath;

        Draft(Endpoint endpoint, Who who, Random random) {
            this.endpoint = endpoint;
            this.who = who;
            this.method = endpoint.method();
            for (String name : pathParameters(endpoint.path())) {
                pathValues.put(name, validPathValue(endpoint, name, who, random));
            }
            sendIdempotencyKey = !endpoint.reads() && random.nextBoolean();
            switch (endpoint.body()) {
                case JSON -> {
                    contentType = "application/json";
                    json = shapes.get(endpoint.key()).valid(random);
                }
                case STATEMENT -> {
                    contentType = "text/csv";
                    body = Statements.validCsv(random).getBytes(StandardCharsets.UTF_8);
                }
                case IGNORED -> contentType = random.nextBoolean() ? "application/json" : null;
                case NONE -> contentType = null;
            }
        }

        void refuse(String label) {
            labels.add(label);
            verdict = Verdict.REFUSE;
        }

        void may(String label) {
            labels.add(label);
        }

        void judge(String label, Verdict judged) {
            if (judged == Verdict.REFUSE) {
                refuse(label);
            } else {
                may(label);
            }
        }

        FuzzCase build(int index) {
            byte[] path = rawPath != null ? rawPath : expand(endpoint.path(), pathValues);
            ByteArrayOutputStream target = new ByteArrayOutputStream();
            target.writeBytes(path);
            target.writeBytes(query.getBytes(StandardCharsets.ISO_8859_1));
            Request request = new Request(method, target.toByteArray(), new ArrayList<>(), null);
            String token = fixture.token(who);
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            String correlationId = "fz-" + index + "-" + UUID.randomUUID().toString().substring(0, 8);
            request.header("X-Correlation-Id", correlationId);
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }
            if (accept != null) {
                request.header("Accept", accept);
            }
            if (sendIdempotencyKey) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            headers.forEach(request.headers()::add);
            byte[] bytes = body;
            if (bytes == null && json != null) {
                bytes = BodyShapes.write(json).getBytes(StandardCharsets.UTF_8);
            }
            if (bytes == null && (method.equals("POST") || method.equals("PUT"))) {
                bytes = new byte[0];
            }
            String label = endpoint.key() + " as " + who + ": " + (labels.isEmpty() ? "valid" : String.join(" + ", labels));
            return new FuzzCase(label, who, verdict, request.body(bytes), method.equals("GET") ? null : keyMarker,
                    correlationId);
        }
    }

    // ---------------------------------------------------------------- choosing a mutation

    /** A second mutation leaves body, path and query alone: a later value there would hide the first. */
    private void mutate(Draft draft, Random random, boolean second) {
        Endpoint endpoint = draft.endpoint;
        if (second) {
            List<Runnable> options = new ArrayList<>();
            if (!endpoint.reads() && draft.headers.isEmpty()) {
                // (a key header sent before would be the one the ledger reads)
                options.add(() -> spoilIdempotencyKey(draft, random));
            }
            options.add(() -> spoilAccept(draft, random));
            pick(random, options).run();
            return;
        }
        List<Runnable> options = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        if (endpoint.body() == Body.JSON) {
            add(options, weights, 30, () -> spoilField(draft, random));
            add(options, weights, 14, () -> spoilJsonBody(draft, random));
            add(options, weights, 6, () -> spoilContentType(draft, random));
        }
        if (endpoint.body() == Body.STATEMENT) {
            add(options, weights, 40, () -> spoilStatement(draft, random));
            add(options, weights, 6, () -> spoilStatementType(draft, random));
        }
        if (endpoint.body() == Body.IGNORED || endpoint.body() == Body.NONE) {
            add(options, weights, 6, () -> anyBody(draft, random));
        }
        if (!draft.pathValues.isEmpty()) {
            add(options, weights, 14, () -> spoilPath(draft, random));
        }
        if (!queryParameters.getOrDefault(endpoint.key(), List.of()).isEmpty()) {
            add(options, weights, 25, () -> spoilQuery(draft, random));
        }
        if (!endpoint.reads()) {
            add(options, weights, 6, () -> spoilIdempotencyKey(draft, random));
        }
        add(options, weights, 4, () -> spoilAccept(draft, random));
        add(options, weights, 4, () -> wrongMethod(draft, random));
        add(options, weights, 2, () -> draft.may("unchanged"));
        int total = weights.stream().mapToInt(Integer::intValue).sum();
        int pick = random.nextInt(total);
        for (int i = 0; i < options.size(); i++) {
            pick -= weights.get(i);
            if (pick < 0) {
                options.get(i).run();
                return;
            }
        }
    }

    private static void add(List<Runnable> options, List<Integer> weights, int weight, Runnable option) {
        options.add(option);
        weights.add(weight);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    // ---------------------------------------------------------------- fields of a JSON body

    private record Alt(String label, Object value, Verdict verdict) {
    }

    private static final Object REMOVE = new Object();

    @SuppressWarnings("unchecked")
    private void spoilField(Draft draft, Random random) {
        Shape shape = shapes.get(draft.endpoint.key());
        if (draft.json == null) {
            draft.refuse("body gone");
            return;
        }
        Map.Entry<List<String>, Field> chosen = pick(random, shape.paths());
        List<String> path = chosen.getKey();
        Field field = chosen.getValue();
        Map<String, Object> parent = draft.json;
        for (int i = 0; i < path.size() - 1; i++) {
            Object next = parent.get(path.get(i));
            if (!(next instanceof Map<?, ?>)) {
                draft.may("field " + String.join(".", path) + " under a spoiled parent");
                return;
            }
            parent = (Map<String, Object>) next;
        }
        Alt alt = pick(random, alternatives(field, random));
        String name = path.get(path.size() - 1);
        if (alt.value() == REMOVE) {
            parent.remove(name);
        } else {
            parent.put(name, alt.value());
        }
        draft.judge(String.join(".", path) + " " + alt.label(), alt.verdict());
    }

    private static Verdict refuseIf(boolean refuse) {
        return refuse ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
    }

    private List<Alt> alternatives(Field field, Random random) {
        Verdict ifRequired = refuseIf(field.required());
        List<Alt> alts = new ArrayList<>();
        alts.add(new Alt("missing", REMOVE, ifRequired));
        alts.add(new Alt("null", null, ifRequired));
        switch (field.kind()) {
            case POSITIVE_AMOUNT, SIGNED_AMOUNT, PRICE -> {
                for (String raw : List.of("1e400", "-1e400", "9223372036854775808", "-9223372036854775809",
                        "123456789012345678901234567890", "1.5", "0.001", "12.50", "1e2", "1E+2", "0.0", "-0.0",
                        "100000000001", "-100000000001", "9223372036854775807", "-9223372036854775808",
                        "1" + "0".repeat(1500))) {
                    alts.add(new Alt("= " + abbreviate(raw), new Raw(raw), Verdict.REFUSE));
                }
                alts.add(new Alt("= \"100\"", "100", Verdict.REFUSE));
                alts.add(new Alt("= \"12.50\"", "12.50", Verdict.REFUSE));
                alts.add(new Alt("= true", true, Verdict.REFUSE));
                alts.add(new Alt("= []", List.of(), Verdict.REFUSE));
                alts.add(new Alt("= {}", Map.of(), Verdict.REFUSE));
                alts.add(new Alt("= [100]", List.of(100), Verdict.REFUSE));
                alts.add(new Alt("= {amount:100}", Map.of("amount", 100), Verdict.REFUSE));
                alts.add(new Alt("= 0", 0, refuseIf(field.kind() != Kind.PRICE)));
                alts.add(new Alt("= -1", -1, refuseIf(field.kind() != Kind.SIGNED_AMOUNT)));
                alts.add(new Alt("= -0", new Raw("-0"), refuseIf(field.kind() != Kind.PRICE)));
                alts.add(new Alt("= 1", 1, Verdict.MAY_ACCEPT));
                alts.add(new Alt("= 100000000000", 100_000_000_000L, Verdict.MAY_ACCEPT));
                alts.add(new Alt("= -100000000000", -100_000_000_000L, refuseIf(field.kind() != Kind.SIGNED_AMOUNT)));
                long any = random.nextLong() >> random.nextInt(64);
                boolean outOfRange = any > 100_000_000_000L || any < -100_000_000_000L
                        || any == 0 && field.kind() != Kind.PRICE || any < 0 && field.kind() != Kind.SIGNED_AMOUNT;
                alts.add(new Alt("= " + any, any, refuseIf(outOfRange)));
            }
            case CURRENCY -> {
                for (String currency : List.of("usd", "EUR", "XXX", "XTS", "US", "USDD", "", " USD", "USD ", "U$D",
                        "ÜSD", "\u0000SD", "US\uD800", "USD\n", "GBP", "JPY", "BTC")) {
                    alts.add(new Alt("= " + printable(currency), currency, Verdict.REFUSE));
                }
                alts.add(new Alt("= 840", 840, Verdict.REFUSE));
                alts.add(new Alt("= [\"USD\"]", List.of("USD"), Verdict.REFUSE));
                alts.add(new Alt("= {code:USD}", Map.of("code", "USD"), Verdict.REFUSE));
            }
            case UUID -> {
                for (String id : List.of("not-a-uuid", "", "123", "00000000-0000-0000-0000-00000000000g",
                        UUID.randomUUID() + "x", "{" + UUID.randomUUID() + "}", "' OR '1'='1")) {
                    alts.add(new Alt("= " + printable(id), id, Verdict.REFUSE));
                }
                alts.add(new Alt("= 123", 123, Verdict.REFUSE));
                alts.add(new Alt("= {}", Map.of(), Verdict.REFUSE));
                alts.add(new Alt("= unknown uuid", UUID.randomUUID().toString(), Verdict.MAY_ACCEPT));
                alts.add(new Alt("= upper-case uuid", field.validValue(random).toString().toUpperCase(), Verdict.MAY_ACCEPT));
            }
            case IMEI -> {
                for (String imei : List.of("123", "", "35693803564380x", "356938035643800", "3569380356438091",
                        "35693803564380", "1".repeat(1000), "３５６９３８０３５６４３８０９", "35 6938 0356 4380 9",
                        "-35693803564380")) {
                    alts.add(new Alt("= " + printable(imei), imei, Verdict.REFUSE));
                }
                alts.add(new Alt("= number", new Raw(HostileFixture.imei(random)), Verdict.REFUSE));
                alts.add(new Alt("= padded", " " + HostileFixture.imei(random) + " ", Verdict.MAY_ACCEPT));
                alts.add(new Alt("= another valid", HostileFixture.imei(random), Verdict.MAY_ACCEPT));
            }
            case ENUM -> {
                for (String value : field.values()) {
                    alts.add(new Alt("= " + value, value, Verdict.MAY_ACCEPT));
                    alts.add(new Alt("= " + value.toLowerCase(), value.toLowerCase(), Verdict.REFUSE));
                }
                alts.add(new Alt("= BOGUS", "BOGUS", Verdict.REFUSE));
                alts.add(new Alt("= \"\"", "", Verdict.REFUSE));
                alts.add(new Alt("= 1", 1, Verdict.REFUSE));
                alts.add(new Alt("= 0", 0, Verdict.REFUSE));
                alts.add(new Alt("= [value]", List.of(field.values().get(0)), Verdict.REFUSE));
            }
            case ENUM_SET -> {
                alts.add(new Alt("= []", List.of(), Verdict.REFUSE));
                alts.add(new Alt("= [ROOT]", List.of("ROOT"), Verdict.REFUSE));
                alts.add(new Alt("= [admin]", List.of("admin"), Verdict.REFUSE));
                alts.add(new Alt("= \"ADMIN\"", "ADMIN", Verdict.REFUSE));
                alts.add(new Alt("= [1]", List.of(1), Verdict.REFUSE));
                alts.add(new Alt("= [null]", new Raw("[null]"), Verdict.REFUSE));
                alts.add(new Alt("= [AUDITOR, AUDITOR]", List.of("AUDITOR", "AUDITOR"), Verdict.MAY_ACCEPT));
                alts.add(new Alt("= [FINANCE]", List.of("FINANCE"), Verdict.MAY_ACCEPT));
            }
            case BOOLEAN -> {
                alts.add(new Alt("= \"true\"", "true", Verdict.REFUSE));
                alts.add(new Alt("= 1", 1, Verdict.REFUSE));
                alts.add(new Alt("= 0", 0, Verdict.REFUSE));
                alts.add(new Alt("= \"yes\"", "yes", Verdict.REFUSE));
                alts.add(new Alt("= []", List.of(), Verdict.REFUSE));
                alts.add(new Alt("= true", true, Verdict.MAY_ACCEPT));
                alts.add(new Alt("= false", false, Verdict.MAY_ACCEPT));
            }
            case DURATION -> {
                for (String duration : List.of("2 hours", "P", "", "PT", "1h", "P1Y", "PT-1S", "-PT1H",
                        "PT9999999999999999999H", "P106751991167301D")) {
                    alts.add(new Alt("= " + duration, duration, Verdict.REFUSE));
                }
                alts.add(new Alt("= 3600", 3600, Verdict.REFUSE));
                alts.add(new Alt("= PT1H", "PT1H", Verdict.MAY_ACCEPT));
                alts.add(new Alt("= P3D", "P3D", Verdict.MAY_ACCEPT));
            }
            case OBJECT -> {
                alts.add(new Alt("= \"text\"", "text", Verdict.REFUSE));
                alts.add(new Alt("= 1", 1, Verdict.REFUSE));
                alts.add(new Alt("= []", List.of(), Verdict.REFUSE));
                alts.add(new Alt("= true", true, Verdict.REFUSE));
                boolean anyRequired = field.children().stream().anyMatch(Field::required);
                alts.add(new Alt("= {}", new LinkedHashMap<>(), refuseIf(anyRequired)));
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("unexpected", 1);
                alts.add(new Alt("= {unexpected:1}", extra, Verdict.REFUSE));
            }
            default -> textAlternatives(field, random, alts);
        }
        // a string for a field that is no string, and the other way round
        if (field.kind() != Kind.OBJECT && field.kind() != Kind.ENUM_SET) {
            alts.add(new Alt("= {\"$ne\":null}", Map.of("$ne", "x"), Verdict.REFUSE));
        }
        return alts;
    }

    private void textAlternatives(Field field, Random random, List<Alt> alts) {
        Verdict blank = refuseIf(field.required());
        alts.add(new Alt("= \"\"", "", blank));
        alts.add(new Alt("= blanks", "   ", blank));
        alts.add(new Alt("= 123", 123, Verdict.REFUSE));
        alts.add(new Alt("= true", true, Verdict.REFUSE));
        alts.add(new Alt("= [\"a\"]", List.of("a"), Verdict.REFUSE));
        alts.add(new Alt("= {}", Map.of(), Verdict.REFUSE));
        int max = field.max() > 0 ? field.max() : 10_000;
        alts.add(new Alt("= " + (max + 1) + " chars", "x".repeat(max + 1), refuseIf(field.max() > 0)));
        alts.add(new Alt("= 300000 chars", "y".repeat(300_000), refuseIf(field.max() > 0)));
        boolean free = field.kind() == Kind.TEXT || field.kind() == Kind.PASSWORD;
        // awkward but valid text: where the field is free text, it may be accepted (and must then be stored)
        for (String text : List.of("\u0000", "a\u0000b", "\uD800", "\uDFFF\uD800", "\u202Eevil", "😀 emoji 😀",
                "<script>alert(1)</script>", "'; DROP TABLE account; --", "${jndi:ldap://x/a}", "%s%n%x",
                "\r\nInjected: header", "\\u0000", "ＡＢＣ", "\u0085\u2028\u2029")) {
            String value = field.kind() == Kind.PASSWORD ? text + "-padding-to-twelve" : text;
            alts.add(new Alt("= " + printable(text), value, free ? Verdict.MAY_ACCEPT : Verdict.REFUSE));
        }
        switch (field.kind()) {
            case USERNAME -> {
                alts.add(new Alt("= ab", "ab", Verdict.REFUSE));
                alts.add(new Alt("= 65 chars", "u".repeat(65), Verdict.REFUSE));
                alts.add(new Alt("= with space", "a b c", Verdict.REFUSE));
                alts.add(new Alt("= valid", "fz-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36), Verdict.MAY_ACCEPT));
            }
            case PASSWORD -> {
                alts.add(new Alt("= short", "short", Verdict.REFUSE));
                alts.add(new Alt("= 11 chars", "x".repeat(11), Verdict.REFUSE));
                alts.add(new Alt("= 12 chars", "x".repeat(12), Verdict.MAY_ACCEPT));
            }
            case CODE -> {
                alts.add(new Alt("= 33 chars", "C".repeat(33), Verdict.REFUSE));
                alts.add(new Alt("= with space", "A B", Verdict.REFUSE));
                alts.add(new Alt("= 742", "742", Verdict.MAY_ACCEPT));
            }
            case METHOD -> {
                alts.add(new Alt("= bank transfer", "bank transfer", Verdict.REFUSE));
                alts.add(new Alt("= A", "A", Verdict.REFUSE));
                alts.add(new Alt("= 33 chars", "M".repeat(33), Verdict.REFUSE));
                alts.add(new Alt("= PAYPAL", "PAYPAL", Verdict.MAY_ACCEPT));
            }
            default -> alts.add(new Alt("= plain", "plain text " + random.nextInt(1000), Verdict.MAY_ACCEPT));
        }
    }

    // ---------------------------------------------------------------- a JSON body as a whole

    private void spoilJsonBody(Draft draft, Random random) {
        String valid = draft.json == null ? "{}" : BodyShapes.write(draft.json);
        boolean anyRequired = shapes.get(draft.endpoint.key()).fields().stream().anyMatch(Field::required);
        switch (random.nextInt(24)) {
            case 0 -> { draft.body = new byte[0]; draft.refuse("empty body"); }
            case 1 -> { draft.body = bytes("null"); draft.refuse("body null"); }
            case 2 -> { draft.body = bytes("[]"); draft.refuse("body []"); }
            case 3 -> { draft.body = bytes("\"text\""); draft.refuse("body a string"); }
            case 4 -> { draft.body = bytes("42"); draft.refuse("body a number"); }
            case 5 -> { draft.body = bytes("{}"); draft.judge("body {}", refuseIf(anyRequired)); }
            case 6 -> { draft.body = bytes(valid.substring(0, Math.max(1, random.nextInt(valid.length())))); draft.refuse("truncated"); }
            case 7 -> { draft.body = bytes(valid + "x"); draft.refuse("trailing garbage"); }
            case 8 -> { draft.body = bytes(valid + valid); draft.refuse("two documents"); }
            case 9 -> { draft.body = bytes("/* c */" + valid); draft.refuse("comment"); }
            case 10 -> { draft.body = bytes(valid.replace('"', '\'')); draft.refuse("single quotes"); }
            case 11 -> { draft.body = bytes("[".repeat(100_000) + "]".repeat(100_000)); draft.refuse("deep nesting"); }
            case 12 -> { draft.body = bytes("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)); draft.refuse("deep objects"); }
            case 13 -> {
                if (draft.json == null) {
                    draft.body = bytes("{\"unexpectedField\":\"x\"}");
                } else {
                    draft.json.put("unexpectedField", "x");
                }
                draft.refuse("unknown field");
            }
            case 14 -> {
                draft.body = withInvalidUtf8(valid, random);
                draft.refuse("invalid UTF-8 in a string");
            }
            case 15 -> {
                draft.body = bytes(valid.replaceFirst("\":\"", "\":\"\u0001"));
                draft.judge("raw control character", refuseIf(valid.contains("\":\"")));
            }
            case 16 -> {
                draft.body = padded(valid, MAX_BODY + 1);
                draft.refuse("body of 1 MiB + 1");
            }
            case 17 -> {
                draft.body = padded(valid, MAX_BODY);
                draft.may("body of exactly 1 MiB");
            }
            case 18 -> {
                draft.body = concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(valid));
                draft.may("byte order mark");
            }
            case 19 -> {
                draft.body = valid.getBytes(StandardCharsets.UTF_16BE);
                draft.contentType = "application/json;charset=UTF-16BE";
                draft.may("UTF-16 body");
            }
            case 20 -> {
                draft.body = valid.getBytes(StandardCharsets.UTF_16LE);
                draft.may("UTF-16 without charset");
            }
            case 21 -> { draft.body = bytes("{\"a\":NaN}"); draft.refuse("NaN"); }
            case 22 -> { draft.body = bytes("{\"" + "k".repeat(200_000) + "\":1}"); draft.refuse("huge key"); }
            default -> { draft.body = padded(valid, 3 * MAX_BODY); draft.refuse("body of 3 MiB"); }
        }
    }

    private void anyBody(Draft draft, Random random) {
        switch (random.nextInt(5)) {
            case 0 -> { draft.body = bytes("{\"unexpected\":true}"); draft.may("a body where none is read"); }
            case 1 -> { draft.body = new byte[]{(byte) 0xC3, (byte) 0x28, 0, (byte) 0xFF}; draft.may("binary body"); }
            case 2 -> { draft.body = bytes("<x/>"); draft.contentType = "application/xml"; draft.may("xml body"); }
            case 3 -> {
                draft.body = padded("{}", MAX_BODY + 1);
                draft.judge("body of 1 MiB + 1", refuseIf(!draft.endpoint.reads()));
            }
            default -> { draft.body = bytes("{"); draft.may("malformed body where none is read"); }
        }
    }

    private void spoilContentType(Draft draft, Random random) {
        List<String> refused = List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz", "garbage", "", "text/csv", "application/json; charset=klingon",
                "image/png", "application/octet-stream");
        List<String> accepted = List.of("application/json; charset=UTF-8", "APPLICATION/JSON",
                "application/problem+json", "application/vnd.ledger+json");
        if (random.nextInt(4) == 0) {
            String type = pick(random, accepted);
            draft.contentType = type;
            draft.may("Content-Type " + type);
        } else if (random.nextInt(6) == 0) {
            draft.contentType = null;
            draft.refuse("no Content-Type");
        } else {
            String type = pick(random, refused);
            draft.contentType = type;
            draft.refuse("Content-Type " + printable(type));
        }
    }

    // ---------------------------------------------------------------- statements (CSV and camt.053)

    private void spoilStatement(Draft draft, Random random) {
        if (random.nextInt(3) == 0) {
            Statements.Variant variant = Statements.xml(random);
            draft.contentType = variant.contentType();
            draft.body = variant.body();
            draft.judge(variant.label(), variant.verdict());
        } else {
            Statements.Variant variant = Statements.csv(random);
            draft.contentType = variant.contentType();
            draft.body = variant.body();
            draft.judge(variant.label(), variant.verdict());
        }
    }

    private void spoilStatementType(Draft draft, Random random) {
        List<String> refused = List.of("application/json", "image/png", "multipart/form-data; boundary=x",
                "text/csv; charset=klingon", "application/pdf", "garbage");
        if (random.nextBoolean()) {
            String type = pick(random, refused);
            draft.contentType = type;
            draft.refuse("Content-Type " + type);
        } else {
            String type = pick(random, List.of("text/plain", "application/octet-stream", "text/csv; charset=UTF-8"));
            draft.contentType = type;
            draft.may("Content-Type " + type);
        }
    }

    // ---------------------------------------------------------------- path, query, headers, method

    private void spoilPath(Draft draft, Random random) {
        String name = pick(random, new ArrayList<>(draft.pathValues.keySet()));
        boolean uuid = !name.equals("name");
        List<String> refused = new ArrayList<>(List.of("not-a-uuid", "1", "-1", "%00", "..", "%2e%2e", "..%2f..%2fetc",
                "%252e%252e", "a".repeat(3000), "%C3%28", "%27%20OR%20%271%27%3D%271", "%7BorderId%7D",
                draft.pathValues.get(name) + ";jsessionid=x",
                "9223372036854775808", "%FF%FE", "null", "%0d%0aX-Injected:%201"));
        if (uuid) {
            refused.add(UUID.randomUUID().toString()); // an id nobody has: 404
        }
        if (random.nextInt(8) == 0) {
            // bytes that are no UTF-8 at all, unencoded, in the request target
            byte[] raw = expand(draft.endpoint.path(), Map.of());
            String template = new String(raw, StandardCharsets.ISO_8859_1);
            String marker = "{" + name + "}";
            int at = template.indexOf(marker);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, String> others = new LinkedHashMap<>(draft.pathValues);
            others.remove(name);
            String before = fill(template.substring(0, at), others);
            String after = fill(template.substring(at + marker.length()), others);
            out.writeBytes(before.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
            out.writeBytes(after.getBytes(StandardCharsets.ISO_8859_1));
            draft.rawPath = out.toByteArray();
            draft.refuse("raw invalid UTF-8 in {" + name + "}");
            return;
        }
        if (uuid && random.nextInt(6) == 0) {
            // still the same id to the ledger: upper case, or surrounded by blanks (the converter trims)
            String same = random.nextBoolean() ? draft.pathValues.get(name).toUpperCase() : draft.pathValues.get(name) + "%20";
            draft.pathValues.put(name, same);
            draft.may("{" + name + "} = " + abbreviate(same));
            return;
        }
        String value = pick(random, refused);
        draft.pathValues.put(name, value);
        draft.refuse("{" + name + "} = " + abbreviate(value));
    }

    private void spoilQuery(Draft draft, Random random) {
        List<String> names = queryParameters.get(draft.endpoint.key());
        String name = pick(random, names);
        List<String[]> values = switch (name) {
            case "limit" -> List.of(new String[]{"0", "R"}, new String[]{"-1", "R"}, new String[]{"501", "R"},
                    new String[]{"1e400", "R"}, new String[]{"9223372036854775808", "R"}, new String[]{"abc", "R"},
                    new String[]{"1.5", "R"}, new String[]{"2147483648", "R"}, new String[]{"1", "M"},
                    new String[]{"500", "M"}, new String[]{"", "M"}, new String[]{"%00", "R"}, new String[]{"0x10", "M"});
            case "cursor" -> List.of(new String[]{"!!!", "R"}, new String[]{b64("p:abc"), "R"},
                    new String[]{b64("p:99999999999999999999"), "R"}, new String[]{b64("x:1"), "R"},
                    new String[]{"A".repeat(5000), "R"}, new String[]{b64("p:-5"), "M"}, new String[]{b64("p:1"), "M"},
                    new String[]{"%C3%28", "R"}, new String[]{"", "M"}, new String[]{b64("p:1e3"), "R"});
            case "from", "to", "asOf" -> List.of(new String[]{"yesterday", "R"}, new String[]{"2025-13-01", "R"},
                    new String[]{"2025-02-30T00:00:00Z", "R"}, new String[]{"%2B999999999-12-31T23:59:59Z", "M"},
                    new String[]{"-999999999-01-01T00:00:00Z", "M"}, new String[]{"1e400", "R"},
                    new String[]{"2025-03-14T25:00:00Z", "R"}, new String[]{"2025-03-14", "M"},
                    new String[]{"2025-03-14T00:00:00%2B05:00", "M"}, new String[]{"9".repeat(400), "R"},
                    new String[]{"%00", "R"}, new String[]{"2025-03-14T00:00:00Z", "M"});
            case "status" -> List.of(new String[]{"bogus", "R"}, new String[]{"paid", "R"}, new String[]{"1", "R"},
                    new String[]{"", "M"}, new String[]{"PAID", "M"}, new String[]{"OPEN", "M"},
                    new String[]{"IN_PROCESS", "M"}, new String[]{"%7F", "R"},
                    new String[]{"%00", "M"}); // the enum converter trims, and NUL counts as blank to it
            case "overdue", "includeInactive" -> List.of(new String[]{"maybe", "R"}, new String[]{"2", "R"},
                    new String[]{"true", "M"}, new String[]{"false", "M"}, new String[]{"", "M"});
            case "format" -> List.of(new String[]{"xml", "R"}, new String[]{"CSV", "R"}, new String[]{"csv", "M"},
                    new String[]{"json", "M"}, new String[]{"", "R"});
            default -> List.of(new String[]{"%00", "M"}, new String[]{"x".repeat(5000), "M"});
        };
        String[] chosen = pick(random, values);
        Verdict verdict = chosen[1].equals("R") ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
        String query;
        switch (random.nextInt(10)) {
            case 0 -> {
                query = name + "=1&" + name + "=2";
                verdict = Verdict.MAY_ACCEPT;
            }
            case 1 -> {
                query = "unknownParameter=" + chosen[0];
                verdict = Verdict.MAY_ACCEPT;
            }
            default -> query = name + "=" + chosen[0];
        }
        draft.query = (draft.query.isEmpty() ? "?" : draft.query + "&") + query;
        // some parameters are not for everybody: the answer may then be 403 or 401, still a refusal
        draft.judge("?" + abbreviate(query), verdict);
    }

    private void spoilIdempotencyKey(Draft draft, Random random) {
        draft.sendIdempotencyKey = false;
        switch (random.nextInt(8)) {
            case 0 -> { draft.headers.add(RawHttp.Header.of("Idempotency-Key", "")); draft.refuse("empty Idempotency-Key"); }
            case 1 -> { draft.headers.add(RawHttp.Header.of("Idempotency-Key", "   ")); draft.refuse("blank Idempotency-Key"); }
            case 2 -> { draft.headers.add(RawHttp.Header.of("Idempotency-Key", "k".repeat(256))); draft.refuse("Idempotency-Key of 256"); }
            case 3 -> { draft.headers.add(RawHttp.Header.of("Idempotency-Key", "k".repeat(7000))); draft.refuse("Idempotency-Key of 7000"); }
            case 4 -> {
                draft.headers.add(new RawHttp.Header("Idempotency-Key", concat(new byte[]{'k', (byte) 0xC3, (byte) 0x28, (byte) 0xFF}, bytes(draft.keyMarker))));
                draft.may("Idempotency-Key of non-ASCII bytes");
            }
            case 5 -> {
                draft.headers.add(RawHttp.Header.of("Idempotency-Key", draft.idempotencyKey));
                draft.headers.add(RawHttp.Header.of("Idempotency-Key", "second-" + draft.idempotencyKey));
                draft.may("two Idempotency-Keys");
            }
            case 6 -> { draft.headers.add(RawHttp.Header.of("Idempotency-Key", "k".repeat(20_000))); draft.refuse("Idempotency-Key of 20000"); }
            default -> { draft.sendIdempotencyKey = true; draft.idempotencyKey = "fz-é" + draft.keyMarker; draft.may("Idempotency-Key with é"); }
        }
    }

    private void spoilAccept(Draft draft, Random random) {
        String accept = pick(random, List.of("application/xml", "text/html", "image/png", "text/csv",
                "application/x-ndjson", "*/*", "", "garbage", "application/problem+json", ";;;", "text/event-stream"));
        draft.accept = accept;
        draft.may("Accept " + printable(accept));
    }

    private void wrongMethod(Draft draft, Random random) {
        Set<String> served = methodsByPath.getOrDefault(draft.endpoint.path(), Set.of());
        List<String> candidates = new ArrayList<>(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "FROBNICATE", "TRACE"));
        candidates.removeIf(m -> served.contains(m));
        String method = pick(random, candidates);
        draft.method = method;
        if (method.equals("GET") || method.equals("TRACE") || method.equals("FROBNICATE")) {
            draft.json = null;
            draft.body = null;
        }
        draft.refuse("method " + method);
    }

    // ---------------------------------------------------------------- valid values from the fixture

    private String validPathValue(Endpoint endpoint, String name, Who who, Random random) {
        return switch (name) {
            case "walletId" -> fixture.fuzzer.walletId().toString();
            case "orderId" -> who == Who.CUSTOMER || random.nextBoolean() ? fixture.fuzzerOrderId : fixture.orderId;
            case "refundCaseId" -> random.nextBoolean() ? fixture.refundCaseId : UUID.randomUUID().toString();
            case "withdrawalId" -> fixture.withdrawalId;
            case "reconciliationId" -> fixture.reconciliationId;
            case "serviceId" -> HostileFixture.FUZZ_SERVICE.toString();
            case "customerId" -> UUID.randomUUID().toString(); // the fuzzing never erases a real customer
            case "name" -> "fz-no-such-projection";
            default -> throw new IllegalStateException("no value for {" + name + "} of " + endpoint);
        };
    }

    private void defineShapes() {
        Field currency = field("currency", Kind.CURRENCY, true, 0, r -> "USD");
        shapes.put("POST /api/auth/register", new Shape(List.of(
                field("username", Kind.USERNAME, true, 64, r -> "fz-" + Long.toString(r.nextLong() & Long.MAX_VALUE, 36)),
                field("email", Kind.TEXT, true, 0, r -> "fz" + r.nextInt(1_000_000) + "@example.com"),
                field("password", Kind.PASSWORD, true, 0, r -> HostileFixture.PASSWORD))));
        shapes.put("POST /api/auth/token", new Shape(List.of(
                field("username", Kind.TEXT, true, 0, r -> fixture.username(Who.CUSTOMER)),
                field("password", Kind.TEXT, true, 0, r -> HostileFixture.PASSWORD),
                field("otp", Kind.TEXT, false, 0, r -> null))));
        shapes.put("POST /api/me/2fa/confirm", new Shape(List.of(
                field("otp", Kind.TEXT, true, 0, r -> String.format("%06d", r.nextInt(1_000_000))))));
        shapes.put("POST /api/admin/staff", new Shape(List.of(
                field("username", Kind.USERNAME, true, 64, r -> "fz-staff-" + Long.toString(r.nextLong() & Long.MAX_VALUE, 36)),
                field("email", Kind.TEXT, true, 0, r -> "staff" + r.nextInt(1_000_000) + "@example.com"),
                field("password", Kind.PASSWORD, true, 0, r -> HostileFixture.PASSWORD),
                choice("roles", Kind.ENUM_SET, true, List.of("ADMIN", "FINANCE", "AUDITOR"), r -> List.of("AUDITOR")))));
        shapes.put("POST /api/admin/wallets/{walletId}/deposits", new Shape(List.of(
                field("amount", Kind.POSITIVE_AMOUNT, true, 0, r -> 1 + r.nextInt(1000)),
                currency,
                field("providerReference", Kind.TEXT, true, 255, r -> "fz-psp-" + UUID.randomUUID()))));
        shapes.put("POST /api/admin/wallets/{walletId}/adjustments", new Shape(List.of(
                field("amount", Kind.SIGNED_AMOUNT, true, 0, r -> 1 + r.nextInt(10)),
                currency,
                field("reason", Kind.TEXT, true, 500, r -> "fuzzing credit"))));
        shapes.put("PUT /api/admin/services/{serviceId}", new Shape(List.of(
                // read-only: the item of GET /api/services sent back (API.md v2); another id than the path's is 400
                field("serviceId", Kind.UUID, false, 0, r -> HostileFixture.FUZZ_SERVICE.toString()),
                field("code", Kind.CODE, true, 32, r -> "H-FUZZ"),
                field("name", Kind.TEXT, true, 200, r -> "Fuzzed service (hostile tests)"),
                choice("kind", Kind.ENUM, true, List.of("IMEI", "VERIFICATION"), r -> "IMEI"),
                object("price", true, field("amount", Kind.PRICE, true, 0, r -> 100), currency),
                object("deliveryEstimate", true,
                        field("min", Kind.DURATION, true, 0, r -> "PT1M"),
                        field("max", Kind.DURATION, true, 0, r -> "PT2H")),
                object("requires", true,
                        field("imei", Kind.BOOLEAN, true, 0, r -> true),
                        field("model", Kind.BOOLEAN, true, 0, r -> false),
                        field("network", Kind.BOOLEAN, true, 0, r -> false),
                        field("serialNumber", Kind.BOOLEAN, true, 0, r -> false)),
                field("active", Kind.BOOLEAN, true, 0, r -> false),
                object("supplier", false,
                        field("supplier", Kind.TEXT, true, 255, r -> "simulator"),
                        field("supplierServiceId", Kind.TEXT, true, 255, r -> "1003")))));
        shapes.put("POST /api/orders", new Shape(List.of(
                field("serviceId", Kind.UUID, true, 0, r -> HostileFixture.QUICK_SERVICE.toString()),
                field("imei", Kind.IMEI, true, 64, HostileFixture::imei),
                object("fields", false,
                        field("model", Kind.TEXT, false, 100, r -> "iPhone 12"),
                        field("network", Kind.TEXT, false, 100, r -> "EE"),
                        field("serialNumber", Kind.TEXT, false, 100, r -> "F17XK0QHPLJM")))));
        shapes.put("POST /api/admin/orders/{orderId}/resolution", new Shape(List.of(
                field("supplierReference", Kind.TEXT, false, 255, r -> null),
                field("reject", Kind.BOOLEAN, false, 0, r -> true),
                field("reason", Kind.TEXT, false, 500, r -> "not found at the supplier"))));
        shapes.put("POST /api/admin/refund-cases/{refundCaseId}/decision", new Shape(List.of(
                choice("outcome", Kind.ENUM, true, List.of("APPROVED", "REJECTED"), r -> "REJECTED"),
                field("note", Kind.TEXT, false, 1000, r -> "the supplier says no"))));
        shapes.put("POST /api/me/withdrawals", new Shape(List.of(
                field("amount", Kind.POSITIVE_AMOUNT, true, 0, r -> 1 + r.nextInt(100)),
                currency,
                field("method", Kind.METHOD, true, 32, r -> "BANK_TRANSFER"),
                field("destination", Kind.TEXT, true, 200, r -> "DE89 3704 0044 0532 0130 00"))));
    }

    // ---------------------------------------------------------------- small helpers

    static List<String> pathParameters(String path) {
        List<String> names = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(path);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static byte[] expand(String path, Map<String, String> values) {
        return fill(path, values).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String fill(String path, Map<String, String> values) {
        String result = path;
        for (Map.Entry<String, String> entry : values.entrySet()) {
            result = result.replace("{" + entry.getKey() + "}", entry.getValue());
        }
        return result;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] padded(String json, int size) {
        byte[] body = bytes(json);
        byte[] out = new byte[Math.max(size, body.length)];
        System.arraycopy(body, 0, out, 0, body.length);
        java.util.Arrays.fill(out, body.length, out.length, (byte) ' ');
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] withInvalidUtf8(String valid, Random random) {
        int quote = valid.indexOf(":\"");
        byte[][] bad = {{(byte) 0xC3, (byte) 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
        byte[] insert = bad[random.nextInt(bad.length)];
        if (quote < 0) {
            return concat(bytes("{\"x\":\""), concat(insert, bytes("\"}")));
        }
        byte[] head = bytes(valid.substring(0, quote + 2));
        byte[] tail = bytes(valid.substring(quote + 2));
        return concat(concat(head, insert), tail);
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(text));
    }

    static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 20) + "…(" + text.length() + ")" : text;
    }

    static String printable(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : abbreviate(text).toCharArray()) {
            out.append(c < 0x20 || c >= 0x7F ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.append('"').toString();
    }

    @SuppressWarnings("unused")
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
