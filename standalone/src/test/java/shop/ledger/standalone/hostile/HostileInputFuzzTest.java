package shop.ledger.standalone.hostile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.ProblemType;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.StandaloneTest;
import shop.ledger.standalone.hostile.ApiContract.Body;
import shop.ledger.standalone.hostile.ApiContract.Endpoint;
import shop.ledger.standalone.hostile.CaseGenerator.FuzzCase;
import shop.ledger.standalone.hostile.CaseGenerator.Verdict;
import shop.ledger.standalone.hostile.LedgerState.Snapshot;
import shop.ledger.standalone.hostile.RawHttp.Reply;
import shop.ledger.standalone.hostile.RawHttp.Request;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile input against every endpoint of the contract (API.md), the operations taken from the running ledger's
 * OpenAPI document: wrong JSON types, overflowing and negative numbers, unknown currencies, missing and unknown
 * fields, empty, malformed, oversize and non-UTF-8 bodies, malformed CSV and XML statements (external entities,
 * entity expansion), bad path ids, bad query parameters, wrong content types and methods, bad Idempotency-Keys,
 * each sent as every role that may call the endpoint. For every request: never a 5xx, every error is
 * problem+json of the contract's shape, and a refused request changes nothing (no event on its behalf, the
 * written tables as they were). Afterwards the read side has taken in everything accepted and the ledger
 * verifies.
 *
 * <p>Seeded: {@code -Dreliability.seed=} (each endpoint draws from the seed and its own name, so a failure
 * reproduces alone). {@code -Dreliability.long=true} runs many more cases per endpoint
 * ({@code -Dreliability.fuzz.cases=} sets the number).
 */
@StandaloneTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzTest {

    static final long SEED = Long.getLong("reliability.seed", 20_261_125L);
    static final boolean LONG = Boolean.getBoolean("reliability.long");
    static final int CASES_PER_ENDPOINT = Integer.getInteger("reliability.fuzz.cases", LONG ? 150 : 12);
    private static final Set<String> SLUGS = slugs();

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    RawHttp http;
    HostileFixture fixture;
    LedgerState state;
    JsonNode openApi;

    @BeforeAll
    void setUp() {
        http = new RawHttp(port);
        fixture = new HostileFixture(new ApiClient(port), jdbc);
        state = new LedgerState(jdbc);
        Reply docs = http.send(Request.of("GET", "/v3/api-docs"));
        assertThat(docs.status()).isEqualTo(200);
        openApi = docs.json();
    }

    @AfterAll
    void forgetFailedLogins() {
        jdbc.sql("DELETE FROM auth_failure").update();
    }

    /** Every endpoint of the contract is served and described, and nothing is served that the contract lacks. */
    @Test
    void theOpenApiDocumentAndTheContractListTheSameEndpoints() {
        Set<String> served = new TreeSet<>(operations().keySet());
        Set<String> contract = new TreeSet<>();
        ApiContract.ENDPOINTS.forEach(endpoint -> contract.add(endpoint.key()));

        Set<String> missing = new TreeSet<>(contract);
        missing.removeAll(served);
        assertThat(missing).as("endpoints of API.md the ledger does not serve (or does not describe)").isEmpty();
        Set<String> unknown = new TreeSet<>(served);
        unknown.removeAll(contract);
        assertThat(unknown).as("served endpoints missing from the contract table: add them to ApiContract").isEmpty();

        // the fuzzed bodies have the fields the ledger documents, no more and no fewer
        CaseGenerator generator = generator();
        for (Endpoint endpoint : ApiContract.ENDPOINTS) {
            if (endpoint.body() != Body.JSON || !served.contains(endpoint.key())) {
                continue;
            }
            Set<String> documented = new TreeSet<>(requestFields(endpoint));
            Set<String> shaped = new TreeSet<>();
            generator.shape(endpoint).fields().forEach(field -> shaped.add(field.name()));
            assertThat(shaped).as("fields of " + endpoint).isEqualTo(documented);
        }
    }

    @Test
    void hostileInputIsRefusedWithProblemJsonAndChangesNothing() throws IOException {
        Map<String, Endpoint> served = operations();
        CaseGenerator generator = generator();
        long deadLettersBefore = deadLetters();
        List<String> failures = new ArrayList<>();
        Map<String, Map<Integer, Integer>> statusesByEndpoint = new TreeMap<>();
        Map<String, Integer> casesByEndpoint = new TreeMap<>();
        int total = 0;
        int refusedAsRequired = 0;
        int accepted = 0;
        long started = System.nanoTime();

        Map<String, Long> millisByEndpoint = new TreeMap<>();
        for (Endpoint endpoint : served.values()) {
            long endpointStarted = System.nanoTime();
            long endpointSeed = SEED ^ endpoint.key().hashCode();
            Random random = new Random(endpointSeed);
            for (int i = 0; i < CASES_PER_ENDPOINT; i++) {
                FuzzCase fuzzCase = generator.next(endpoint, random, i);
                String failure = run(fuzzCase);
                Reply reply = lastReply;
                total++;
                casesByEndpoint.merge(endpoint.key(), 1, Integer::sum);
                statusesByEndpoint.computeIfAbsent(endpoint.key(), k -> new TreeMap<>()).merge(reply == null ? 0 : reply.status(), 1, Integer::sum);
                if (reply != null && reply.status() < 400) {
                    accepted++;
                } else if (fuzzCase.verdict() == Verdict.REFUSE) {
                    refusedAsRequired++;
                }
                if (failure != null) {
                    failures.add("[seed " + endpointSeed + " case " + i + "] " + fuzzCase.label() + "\n    -> " + failure);
                }
            }
            millisByEndpoint.put(endpoint.key(), (System.nanoTime() - endpointStarted) / 1_000_000);
        }
        fixture.forgetLoginFailures();

        // the read side took in everything that was accepted, and the ledger still verifies
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Reply verify = http.send(Request.of("GET", "/api/audit/verify")
                                                .header("Authorization", "Bearer " + fixture.token(ApiContract.Who.AUDITOR)));
                assertThat(verify.status()).isEqualTo(200);
                assertThat(verify.json().path("ok").asBoolean()).as(verify.text()).isTrue();
            });
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            failures.add("after the fuzzing the ledger does not verify: " + e.getMessage());
        }
        if (deadLetters() != deadLettersBefore) {
            failures.add("events the read side could not handle: " + (deadLetters() - deadLettersBefore) + " dead letters");
        }

        String report = report(casesByEndpoint, statusesByEndpoint, millisByEndpoint, total, refusedAsRequired,
                accepted, failures, Duration.ofNanos(System.nanoTime() - started));
        System.out.println(report);
        Path file = Path.of("target", "hostile-fuzz-report.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report + "\n" + String.join("\n", failures) + "\n");
        assertThat(failures).as(failures.size() + " of " + total + " hostile requests were mishandled:\n"
                + String.join("\n", failures.subList(0, Math.min(60, failures.size())))).isEmpty();
    }

    private Reply lastReply;

    /** Sends one case and checks the oracle; null when everything held, else what went wrong. */
    private String run(FuzzCase fuzzCase) {
        lastReply = null;
        Snapshot before = state.take(fuzzCase.keyMarker());
        Reply reply;
        try {
            reply = http.send(fuzzCase.request());
        } catch (RuntimeException noAnswer) {
            return "no answer: " + noAnswer.getMessage();
        }
        lastReply = reply;
        Snapshot after = state.take(fuzzCase.keyMarker());
        List<String> events = state.eventsOf(fuzzCase.correlationId(), before.head());
        String method = fuzzCase.request().method();

        if (reply.status() >= 500) {
            return "server error " + reply;
        }
        if (fuzzCase.verdict() == Verdict.REFUSE && reply.status() < 400) {
            return "accepted what must be refused: " + reply;
        }
        if (reply.status() >= 400) {
            String problem = problemShape(reply);
            if (problem != null) {
                return problem;
            }
        }
        boolean changeAllowed = reply.status() < 400 && !method.equals("GET") && !method.equals("HEAD");
        if (!changeAllowed) {
            if (!events.isEmpty()) {
                return "events appended for a request answered " + reply.status() + ": " + events;
            }
            if (!before.digest().equals(after.digest())) {
                return "tables changed by a request answered " + reply.status() + " " + reply;
            }
            if (fuzzCase.keyMarker() != null && reply.status() >= 400) {
                for (int stored : state.storedStatuses(fuzzCase.keyMarker())) {
                    if (stored != reply.status()) {
                        return "the Idempotency-Key stored " + stored + " for an answer " + reply.status();
                    }
                }
            }
        }
        if (reply.text().contains("root:x:0:0")) {
            return "a file of the server leaked into the answer";
        }
        return null;
    }

    /** The contract's problem shape: RFC 9457 problem+json with type /problems/slug, title, status, detail. */
    static String problemShape(Reply reply) {
        if (!reply.contentType().startsWith("application/problem+json")) {
            return "an error that is not problem+json: " + reply;
        }
        JsonNode problem = reply.json();
        String type = problem.path("type").asText("");
        if (!type.startsWith("/problems/") || !SLUGS.contains(type.substring("/problems/".length()))) {
            return "problem type is not a contract slug: " + reply;
        }
        ProblemType known = ProblemType.fromSlug(type.substring("/problems/".length()));
        if (known.status() != reply.status() || problem.path("status").asInt() != reply.status()) {
            return "problem status disagrees with the answer: " + reply;
        }
        if (problem.path("title").asText("").isBlank() || !problem.path("detail").isString()) {
            return "problem without title or detail: " + reply;
        }
        return null;
    }

    private static Set<String> slugs() {
        Set<String> slugs = new HashSet<>();
        for (ProblemType type : ProblemType.values()) {
            slugs.add(type.slug());
        }
        return slugs;
    }

    // ---------------------------------------------------------------- the OpenAPI document

    /** The served /api operations (from the OpenAPI document) mapped to their contract entries. */
    Map<String, Endpoint> operations() {
        Map<String, Endpoint> operations = new LinkedHashMap<>();
        openApi.path("paths").properties().forEach(path -> {
            if (!path.getKey().startsWith("/api/")) {
                return;
            }
            path.getValue().properties().forEach(operation -> {
                String method = operation.getKey().toUpperCase();
                if (List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                    Endpoint endpoint = ApiContract.find(method, path.getKey());
                    operations.put(method + " " + path.getKey(), endpoint == null
                            ? new Endpoint(method, path.getKey(), Set.of(), false, false, Body.NONE) : endpoint);
                }
            });
        });
        return operations;
    }

    private CaseGenerator generator() {
        Map<String, List<String>> queries = new LinkedHashMap<>();
        Map<String, Set<String>> methods = new LinkedHashMap<>();
        openApi.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String method = operation.getKey().toUpperCase();
            methods.computeIfAbsent(path.getKey(), k -> new HashSet<>()).add(method);
            List<String> names = new ArrayList<>();
            operation.getValue().path("parameters").forEach(parameter -> {
                if (parameter.path("in").asText().equals("query")) {
                    names.add(parameter.path("name").asText());
                }
            });
            queries.put(method + " " + path.getKey(), names);
        }));
        return new CaseGenerator(fixture, queries, methods);
    }

    private Set<String> requestFields(Endpoint endpoint) {
        JsonNode operation = openApi.path("paths").path(endpoint.path()).path(endpoint.method().toLowerCase());
        String ref = operation.path("requestBody").path("content").path("application/json").path("schema").path("$ref").asText();
        String name = ref.substring(ref.lastIndexOf('/') + 1);
        Set<String> fields = new TreeSet<>();
        openApi.path("components").path("schemas").path(name).path("properties").properties()
               .forEach(property -> fields.add(property.getKey()));
        return fields;
    }

    private long deadLetters() {
        return jdbc.sql("SELECT count(*) FROM deadletterentry").query(Long.class).single();
    }

    private static String report(Map<String, Integer> cases, Map<String, Map<Integer, Integer>> statuses,
                                 Map<String, Long> millis, int total,
                                 int refused, int accepted, List<String> failures, Duration took) {
        StringBuilder out = new StringBuilder();
        out.append("Hostile input fuzzing: seed ").append(SEED).append(", ").append(cases.size()).append(" endpoints, ")
           .append(CASES_PER_ENDPOINT).append(" cases each, ").append(total).append(" requests in ")
           .append(took.toSeconds()).append(" s (").append(LONG ? "long" : "CI").append(" mode)\n");
        out.append("  must-refuse cases refused: ").append(refused).append(", accepted (2xx/3xx, valid variants): ")
           .append(accepted).append(", failures: ").append(failures.size()).append('\n');
        cases.forEach((endpoint, count) -> out.append("  ").append(endpoint).append(": ").append(count)
                                              .append(" in ").append(millis.get(endpoint)).append(" ms, statuses ")
                                              .append(statuses.get(endpoint)).append('\n'));
        return out.toString();
    }
}
