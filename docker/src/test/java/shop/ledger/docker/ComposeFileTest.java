package shop.ledger.docker;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine runs in CI, so the compose file and the Dockerfiles are checked statically: the services,
 * images and Dockerfiles, and that the applications are given only variables they read, cross-checked against
 * the project's sources with Spring Boot's own relaxed binding. Surefire runs in the module directory.
 */
class ComposeFileTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path ROOT = MODULE.getParent();

    /** The application services, their main class and host port. */
    private static final Map<String, String> MAIN_CLASSES = Map.of(
            "command-side", "shop.ledger.command.CommandSideApplication",
            "query-side", "shop.ledger.query.QuerySideApplication");
    private static final Map<String, String> HOST_PORTS = Map.of("command-side", "8081", "query-side", "8082");

    /** Variables read by Spring Boot or Axon themselves, with the property each binds to. */
    private static final Map<String, String> FRAMEWORK_VARIABLES = Map.of(
            "SPRING_DATASOURCE_URL", "spring.datasource.url",
            "SPRING_DATASOURCE_USERNAME", "spring.datasource.username",
            "SPRING_DATASOURCE_PASSWORD", "spring.datasource.password",
            "SPRING_PROFILES_ACTIVE", "spring.profiles.active",
            "AXON_AXONSERVER_SERVERS", "axon.axonserver.servers");
    /** Variables behind the project's own settings; each is cross-checked against the sources below. */
    private static final Set<String> PROJECT_VARIABLES = Set.of(
            "SERVER_PORT", "LEDGER_DATA_DIR", "LEDGER_CURRENCY", "LEDGER_MASTER_KEY", "LEDGER_JWT_KEY",
            "LEDGER_JWT_JWKS_URI", "LEDGER_ADMIN_USERNAME", "LEDGER_ADMIN_PASSWORD");
    /** The signing key stays on the command side: a query side verifies with the published public keys only. */
    private static final Set<String> COMMAND_SIDE_ONLY = Set.of("LEDGER_ADMIN_USERNAME", "LEDGER_ADMIN_PASSWORD",
            "LEDGER_JWT_KEY");
    private static final Set<String> SHARED_SECRETS = Set.of("LEDGER_MASTER_KEY");

    private static Map<String, Object> services;

    @BeforeAll
    static void loadCompose() {
        Map<String, Object> compose = new Yaml().load(read(MODULE.resolve("compose.yaml")));
        services = map(compose.get("services"));
    }

    @Test
    void definesTheFourServices() {
        assertThat(services).containsOnlyKeys("postgres", "axonserver", "command-side", "query-side");

        Map<String, Object> postgres = map(services.get("postgres"));
        assertThat(postgres.get("image")).isEqualTo("postgres:16");
        assertThat(String.valueOf(map(postgres.get("healthcheck")).get("test"))).contains("pg_isready");
        assertThat(list(postgres.get("volumes"))).isNotEmpty();

        Map<String, Object> axonserver = map(services.get("axonserver"));
        assertThat(String.valueOf(axonserver.get("image"))).startsWith("axoniq/axonserver");
        assertThat(list(axonserver.get("ports"))).contains("8024:8024", "8124:8124");
        assertThat(environment("axonserver")).containsEntry("AXONIQ_AXONSERVER_STANDALONE", "true");
    }

    @Test
    void eachApplicationBuildsItsOwnDockerfileAndImage() {
        MAIN_CLASSES.forEach((service, mainClass) -> {
            Map<String, Object> app = map(services.get(service));
            assertThat(app.get("image")).isEqualTo("imei-ledger/" + service + ":latest");
            assertThat(list(app.get("ports"))).containsExactly(HOST_PORTS.get(service) + ":8080");

            Map<String, Object> build = map(app.get("build"));
            assertThat(build.get("context")).isEqualTo("..");
            Path dockerfile = MODULE.resolve(String.valueOf(build.get("context")))
                                    .resolve(String.valueOf(build.get("dockerfile"))).normalize();
            assertThat(dockerfile.getParent()).isEqualTo(MODULE);
            assertThat(dockerfile).exists();

            String text = read(dockerfile);
            assertThat(text).contains("FROM maven:3.9-eclipse-temurin-17", "FROM eclipse-temurin:17-jre",
                    "-pl " + service + " ", "dependency:copy-dependencies", "EXPOSE 8080", "USER ledger", mainClass);
            MAIN_CLASSES.values().stream().filter(other -> !other.equals(mainClass))
                        .forEach(other -> assertThat(text).doesNotContain(other));
            // the main class really exists in the module the Dockerfile builds
            assertThat(ROOT.resolve(service + "/src/main/java/" + mainClass.replace('.', '/') + ".java")).exists();
            // the data directory given to the application is the one the image makes writable for its user
            assertThat(text).contains("chown ledger:ledger " + environment(service).get("LEDGER_DATA_DIR"));

            Map<String, Object> dependsOn = map(app.get("depends_on"));
            assertThat(map(dependsOn.get("postgres"))).containsEntry("condition", "service_healthy");
            assertThat(dependsOn).containsKey("axonserver");
        });
    }

    @Test
    void applicationsGetOnlyVariablesTheyRead() {
        MAIN_CLASSES.keySet().forEach(service -> {
            Set<String> given = environment(service).keySet();
            assertThat(given).as(service).isSubsetOf(allowList());
            if (service.equals("command-side")) {
                assertThat(given).containsAll(COMMAND_SIDE_ONLY);
            } else {
                assertThat(given).as(service).doesNotContainAnyElementsOf(COMMAND_SIDE_ONLY);
            }
        });
    }

    /** Every LEDGER_* variable binds, by Spring's relaxed binding, to a {@code ledger.*} property in the sources. */
    @Test
    void everyLedgerVariableBindsToAPropertyInTheSources() {
        Set<String> properties = ledgerPropertiesInSources();
        assertThat(properties).contains("ledger.master-key", "ledger.jwt-key", "ledger.admin.username");

        Set<String> ledgerVariables = allowList().stream().filter(v -> v.startsWith("LEDGER_"))
                                                 .collect(Collectors.toCollection(TreeSet::new));
        for (String variable : ledgerVariables) {
            List<String> boundTo = properties.stream().filter(p -> binds(variable, p)).toList();
            assertThat(boundTo).as("%s binds to one of %s", variable, properties).hasSize(1);
        }
        FRAMEWORK_VARIABLES.forEach((variable, property) ->
                assertThat(binds(variable, property)).as("%s -> %s", variable, property).isTrue());
    }

    @Test
    void serverPortAndDataDirAreApplicationYamlPlaceholders() {
        String yaml = read(ROOT.resolve("platform/src/main/resources/application.yaml"));
        assertThat(yaml).contains("${SERVER_PORT", "${LEDGER_DATA_DIR");
        MAIN_CLASSES.keySet().forEach(service ->
                assertThat(environment(service)).containsEntry("SERVER_PORT", "8080"));
    }

    @Test
    void theQuerySideVerifiesTokensWithTheCommandSidesPublishedKeys() {
        assertThat(environment("query-side")).doesNotContainKey("LEDGER_JWT_KEY")
                .containsEntry("LEDGER_JWT_JWKS_URI", "http://command-side:8080/.well-known/jwks.json");
        assertThat(environment("command-side").get("LEDGER_JWT_KEY")).matches("\\$\\{LEDGER_JWT_KEY:\\?.+}");
    }

    @Test
    void secretsMustBeSuppliedAndAreSharedByBothSides() {
        for (String secret : SHARED_SECRETS) {
            String command = environment("command-side").get(secret);
            assertThat(command).matches("\\$\\{" + secret + ":\\?.+}");
            assertThat(environment("query-side")).containsEntry(secret, command);
        }
        MAIN_CLASSES.keySet().forEach(service -> environment(service).forEach((name, value) -> {
            if (name.endsWith("_KEY") || name.endsWith("_PASSWORD")) {
                assertThat(value).as("%s of %s is not written into the file", name, service).startsWith("${");
            }
        }));
    }

    /** Axon Server is used only through the {@code axonserver} profile, which the sources must define. */
    @Test
    void axonServerAddressGoesTogetherWithTheAxonserverProfile() {
        Map<String, Object> base = new Yaml().load(read(ROOT.resolve("platform/src/main/resources/application.yaml")));
        assertThat(map(map(base.get("axon")).get("axonserver")).get("enabled")).isEqualTo(false);
        Map<String, Object> profile = new Yaml().load(read(
                ROOT.resolve("platform/src/main/resources/application-axonserver.yaml")));
        assertThat(map(map(profile.get("axon")).get("axonserver")).get("enabled")).isEqualTo(true);

        MAIN_CLASSES.keySet().forEach(service -> {
            Map<String, String> env = environment(service);
            List<String> profiles = Arrays.stream(env.getOrDefault("SPRING_PROFILES_ACTIVE", "").split(","))
                                          .map(String::trim).filter(p -> !p.isEmpty()).toList();
            assertThat(env.containsKey("AXON_AXONSERVER_SERVERS")).as(service)
                                                                 .isEqualTo(profiles.contains("axonserver"));
            if (env.containsKey("AXON_AXONSERVER_SERVERS")) {
                String host = env.get("AXON_AXONSERVER_SERVERS").split(":")[0];
                assertThat(services).containsKey(host);
            }
            for (String active : profiles) {
                assertThat(profileFileExists(active)).as("application-%s.yaml exists", active).isTrue();
            }
        });
    }

    private static Set<String> allowList() {
        Set<String> allowed = new TreeSet<>(FRAMEWORK_VARIABLES.keySet());
        allowed.addAll(PROJECT_VARIABLES);
        return allowed;
    }

    /**
     * {@code ledger.*} names from LedgerProperties' record components (masterKey -> ledger.master-key) and from
     * {@code @Value("${ledger....}")} placeholders in the modules' main sources (ledger.admin.username).
     */
    private static Set<String> ledgerPropertiesInSources() {
        Set<String> properties = new TreeSet<>();
        for (String recordFile : List.of("platform/src/main/java/shop/ledger/platform/LedgerProperties.java",
                "platform/src/main/java/shop/ledger/platform/security/TokenVerificationProperties.java")) {
            String record = read(ROOT.resolve(recordFile));
            Matcher prefix = Pattern.compile("@ConfigurationProperties\\(\"([^\"]+)\"\\)").matcher(record);
            assertThat(prefix.find()).isTrue();
            Matcher components = Pattern.compile("record\\s+\\w+\\s*\\(([^)]*)\\)").matcher(record);
            assertThat(components.find()).isTrue();
            for (String component : components.group(1).split(",(?![^<>]*>)")) { // not the comma inside Map<K, V>
                String[] parts = component.trim().split("\\s+");
                properties.add(prefix.group(1) + "." + kebab(parts[parts.length - 1]));
            }
        }
        Pattern value = Pattern.compile("@Value\\(\"\\$\\{(ledger\\.[a-z0-9.\\-]+)[:}]");
        for (String module : List.of("platform", "command-side", "query-side")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module + "/src/main/java"))) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                    Matcher m = value.matcher(read(f));
                    while (m.find()) {
                        properties.add(m.group(1));
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return properties;
    }

    /** Whether an environment variable of that name binds to the property, as Spring Boot binds it. */
    private static boolean binds(String variable, String property) {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(variable, "x")));
        return new Binder(ConfigurationPropertySources.from(sources)).bind(property, String.class).isBound();
    }

    private static boolean profileFileExists(String profile) {
        return Stream.of("platform", "command-side", "query-side")
                     .anyMatch(m -> Files.exists(ROOT.resolve(m + "/src/main/resources/application-" + profile + ".yaml")));
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static Map<String, String> environment(String service) {
        Object env = map(services.get(service)).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (env instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else if (env instanceof List<?> l) {
            l.forEach(entry -> {
                String[] kv = String.valueOf(entry).split("=", 2);
                result.put(kv[0], kv.length > 1 ? kv[1] : null);
            });
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return ((List<?>) o).stream().map(e -> (Object) String.valueOf(e)).toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
