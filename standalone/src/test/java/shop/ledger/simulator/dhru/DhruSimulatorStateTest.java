package shop.ledger.simulator.dhru;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.simulator.dhru.DhruSimulator.Order;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulated supplier's state on its own: completion by itself, persistence across restarts, parameters. */
class DhruSimulatorStateTest {

    static final String IMEI = "356938035643809";

    @TempDir
    Path dataDir;
    final List<DhruSimulator> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(DhruSimulator::destroy);
    }

    DhruSimulator simulator(boolean autocomplete, int rejectOneIn) {
        return simulator(autocomplete, rejectOneIn, Duration.ofMillis(50), Duration.ofMillis(150));
    }

    DhruSimulator simulator(boolean autocomplete, int rejectOneIn, Duration completeAfterMin, Duration completeAfterMax) {
        DhruSimulator simulator = new DhruSimulator(new DhruSimulatorProperties("simulator", DhruSimulatorProperties.DEFAULT_API_KEY,
                autocomplete, completeAfterMin, completeAfterMax, rejectOneIn, null, new BigDecimal("100.00")),
                new LedgerProperties(dataDir, null, null, null, null), Duration.ofSeconds(1));
        started.add(simulator);
        return simulator;
    }

    static Order receive(DhruSimulator simulator, String serviceId) {
        return simulator.receive(SimulatedServices.byId(serviceId).orElseThrow(), IMEI, Map.of("IMEI", IMEI, "ID", serviceId));
    }

    @Test
    void ordersCompleteByThemselvesWithAPlausibleCode() {
        DhruSimulator simulator = simulator(true, Integer.MAX_VALUE);
        Order unlock = receive(simulator, SimulatedServices.UK_NETWORK_UNLOCK);
        Order check = receive(simulator, SimulatedServices.ICLOUD_FMI_CHECK);
        assertThat(unlock.status()).isEqualTo(1);
        assertThat(unlock.completeAt()).isNotNull();

        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.find(check.referenceId()).orElseThrow().status() == 4
                                                          && simulator.find(unlock.referenceId()).orElseThrow().status() == 4);
        assertThat(simulator.find(unlock.referenceId()).orElseThrow().code()).matches("NCK: \\d{8} MCK: \\d{8}");
        assertThat(simulator.find(check.referenceId()).orElseThrow().code()).startsWith("Find My iPhone: O");
    }

    @Test
    void someOrdersAreRejectedWithAReason() {
        DhruSimulator simulator = simulator(true, 1);
        Order order = receive(simulator, SimulatedServices.ATT_IPHONE_UNLOCK);

        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.find(order.referenceId()).orElseThrow().status() == 3);
        assertThat(simulator.find(order.referenceId()).orElseThrow().code()).isNotBlank();
        assertThat(simulator.credit()).isEqualByComparingTo("100.00"); // a rejected order costs nothing
    }

    @Test
    void withoutAutocompleteOrdersWaitToBeTold() throws InterruptedException {
        DhruSimulator simulator = simulator(false, Integer.MAX_VALUE);
        Order order = receive(simulator, SimulatedServices.ATT_IPHONE_UNLOCK);
        assertThat(order.completeAt()).isNull();

        Thread.sleep(300);
        assertThat(simulator.find(order.referenceId()).orElseThrow().status()).isEqualTo(1);
        assertThat(simulator.credit()).isEqualByComparingTo("82.00");

        Order done = simulator.update(order.referenceId(), 4, "NCK: 42").orElseThrow();
        assertThat(done.status()).isEqualTo(4);
        assertThat(done.code()).isEqualTo("NCK: 42");
        assertThat(simulator.update("no-such-order", 4, null)).isEmpty();
    }

    @Test
    void switchingAutocompleteOffHoldsScheduledOrders() throws InterruptedException {
        DhruSimulator simulator = simulator(true, Integer.MAX_VALUE);
        Order order = receive(simulator, SimulatedServices.ATT_IPHONE_UNLOCK);

        simulator.setAutocomplete(false);
        Thread.sleep(400);

        assertThat(simulator.find(order.referenceId()).orElseThrow().status()).isEqualTo(1);
    }

    @Test
    void ordersSurviveARestartAndReferencesContinue() throws IOException {
        DhruSimulator first = simulator(false, Integer.MAX_VALUE);
        Order open = receive(first, SimulatedServices.ATT_IPHONE_UNLOCK);
        Order done = receive(first, SimulatedServices.GSMA_BLACKLIST_CHECK);
        first.update(done.referenceId(), 4, "Blacklist Status: CLEAN");
        first.destroy();

        Path file = dataDir.resolve("simulators/dhru-orders.json");
        assertThat(file).exists();
        assertThat(file.resolveSibling("dhru-orders.json.tmp")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        DhruSimulator second = simulator(false, Integer.MAX_VALUE);
        assertThat(second.orders(null)).extracting(Order::referenceId).containsExactly(open.referenceId(), done.referenceId());
        assertThat(second.find(done.referenceId()).orElseThrow().code()).isEqualTo("Blacklist Status: CLEAN");
        assertThat(second.orders(IMEI)).hasSize(2);
        assertThat(second.orders("000000000000000")).isEmpty();

        Order next = receive(second, SimulatedServices.ATT_IPHONE_UNLOCK);
        assertThat(Long.parseLong(next.referenceId())).isEqualTo(Long.parseLong(done.referenceId()) + 1);
    }

    @Test
    void pendingCompletionsAreRescheduledAfterARestart() {
        DhruSimulator first = simulator(true, Integer.MAX_VALUE, Duration.ofMillis(700), Duration.ofMillis(700));
        Order order = receive(first, SimulatedServices.ATT_IPHONE_UNLOCK);
        first.destroy(); // stopped before the order completes

        DhruSimulator second = simulator(true, Integer.MAX_VALUE);

        await().atMost(Duration.ofSeconds(5)).until(() -> second.find(order.referenceId()).orElseThrow().status() == 4);
    }

    @Test
    void anUnreadableFileIsMovedAsideNotFatal() throws IOException {
        Files.createDirectories(dataDir.resolve("simulators"));
        Files.writeString(dataDir.resolve("simulators/dhru-orders.json"), "{not json");

        DhruSimulator simulator = simulator(false, Integer.MAX_VALUE);

        assertThat(simulator.orders(null)).isEmpty();
        try (var files = Files.list(dataDir.resolve("simulators"))) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(name -> name.startsWith("dhru-orders.unreadable-"));
        }
    }

    @Test
    void parametersAreReadInEveryEncoding() {
        Map<String, String> expected = Map.of("IMEI", IMEI, "ID", "1004", "MODELID", "SM-A536B & <5G>");
        String json = "{\"IMEI\":\"" + IMEI + "\",\"ID\":1004,\"modelid\":\"SM-A536B & <5G>\"}";

        assertThat(DhruSimulatorController.parameters("<PARAMETERS><IMEI>" + IMEI + "</IMEI><ID>1004</ID>"
                + "<MODELID>SM-A536B &amp; &lt;5G&gt;</MODELID></PARAMETERS>")).contains(expected);
        assertThat(DhruSimulatorController.parameters(Base64.getEncoder().encodeToString(json.getBytes(UTF_8)))).contains(expected);
        assertThat(DhruSimulatorController.parameters(json)).contains(expected);
        assertThat(DhruSimulatorController.parameters("")).contains(Map.of());
        assertThat(DhruSimulatorController.parameters("%%% not base64")).isEmpty();
        assertThat(DhruSimulatorController.parameters("<PARAMETERS><IMEI>")).isEmpty();
    }

    @Test
    void simulatorsCanBeSwitchedOff() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withBean(LedgerProperties.class, () -> new LedgerProperties(dataDir, null, null, null, null))
                .withUserConfiguration(DhruSimulator.class, DhruSimulatorController.class);

        runner.run(context -> assertThat(context).hasSingleBean(DhruSimulator.class)
                                                 .hasSingleBean(DhruSimulatorController.class)
                                                 .hasSingleBean(DhruSimulatorProperties.class));
        runner.withPropertyValues("ledger.simulators.enabled=false")
              .run(context -> assertThat(context).doesNotHaveBean(DhruSimulator.class)
                                                 .doesNotHaveBean(DhruSimulatorController.class));
    }
}
