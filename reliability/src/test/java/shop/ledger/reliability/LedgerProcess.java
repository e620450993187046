package shop.ledger.reliability;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One ledger JVM started from the executable jar ({@code standalone/target/ledger-standalone.jar}) as an operator
 * would start it, with Spring Boot's PropertiesLauncher choosing the main: the standalone, the command side or
 * the query side. It can be killed with SIGKILL and started again on the same port and database.
 */
final class LedgerProcess implements AutoCloseable {

    static final String STANDALONE = "shop.ledger.standalone.LedgerStandaloneApplication";
    static final String COMMAND_SIDE = "shop.ledger.command.CommandSideApplication";
    static final String QUERY_SIDE = "shop.ledger.query.QuerySideApplication";
    static final String ADMIN_PASSWORD = "admin-password-for-tests";

    private static final HttpClient HEALTH = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String mainClass;
    private final int port;
    private final Map<String, String> environment;
    private volatile Process process;
    private int starts;

    LedgerProcess(String name, String mainClass, int port, Map<String, String> environment) {
        this.name = name;
        this.mainClass = mainClass;
        this.port = port;
        this.environment = new LinkedHashMap<>(environment);
    }

    int port() {
        return port;
    }

    String name() {
        return name;
    }

    String baseUrl() {
        return "http://localhost:" + port;
    }

    /** Starts the JVM without waiting for it to serve. */
    synchronized LedgerProcess launch() throws IOException {
        Path jar = Path.of(System.getProperty("ledger.jar", "../standalone/target/ledger-standalone.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the standalone module first (mvn package)");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Daxoniq.update-checker.disabled=true",
                "-Dloader.main=" + mainClass,
                "-cp", jar.toAbsolutePath().toString(),
                "org.springframework.boot.loader.launch.PropertiesLauncher"));
        Path logs = Path.of("target", "reliability-logs");
        Files.createDirectories(logs);
        starts++;
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(new File(logs.toFile(), name + "-" + starts + ".log"));
        // nothing from the developer's own shell may change what the ledger does
        builder.environment().keySet().removeIf(key -> key.startsWith("LEDGER_") || key.startsWith("SPRING_")
                                                       || key.startsWith("SERVER_"));
        builder.environment().putAll(environment);
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        process = builder.start();
        return this;
    }

    /** Starts the JVM and waits until it answers its health check. */
    LedgerProcess start() throws IOException, InterruptedException {
        launch();
        awaitHealthy();
        return this;
    }

    void awaitHealthy() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            Process current = process;
            if (!current.isAlive()) {
                throw new IllegalStateException(name + " exited with " + current.exitValue()
                                                + ", see target/reliability-logs/" + name + "-" + starts + ".log");
            }
            try {
                HttpResponse<Void> health = HEALTH.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                                                                   .timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " did not become healthy, see target/reliability-logs/" + name + "-" + starts + ".log");
    }

    /** SIGKILL: no shutdown hook, no connection pool closed, whatever was in flight is cut off. */
    void kill() {
        Process current = process;
        if (current != null && current.isAlive()) {
            current.destroyForcibly();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        Process current = process;
        return current != null && current.isAlive();
    }

    void awaitDeath() throws InterruptedException {
        Process current = process;
        if (current != null && !current.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not die");
        }
    }

    /** SIGTERM, then SIGKILL if it does not stop in time. */
    @Override
    public void close() throws InterruptedException {
        Process current = process;
        if (current != null && current.isAlive()) {
            current.destroy();
            if (!current.waitFor(30, TimeUnit.SECONDS)) {
                current.destroyForcibly();
                current.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
