package shop.ledger.standalone.query;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.MetaData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.operations.ProjectionOverview;
import shop.ledger.query.operations.ProjectionOverview.Projection;
import shop.ledger.query.wallet.JournalProjection;
import shop.ledger.query.wallet.WalletProjection;

import javax.sql.DataSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A measurement, not part of the suite (issue 7; see the notes on replay performance): how fast the wallet and
 * journal read models are rebuilt, against plain JDBC paging over the same events. Runs only with
 * {@code -Dledger.replay.probe=true} (optionally {@code -Dledger.replay.probe.wallets=} and
 * {@code .events-per-wallet=}); prints its figures and checks only that a replay rebuilds the same rows.
 * <pre>
 * mvn -o -pl standalone -am verify -Dtest=ReplayThroughputProbe -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dledger.replay.probe=true -DargLine="-XX:StartFlightRecording=filename=/tmp/replay.jfr,settings=profile"
 * </pre>
 */
@ReadSideTest
@EnabledIfSystemProperty(named = "ledger.replay.probe", matches = "true")
class ReplayThroughputProbe {

    @Autowired
    EventStore eventStore;
    @Autowired
    TransactionManager transactionManager;
    @Autowired
    ProjectionOperations operations;
    @Autowired
    DataSource dataSource;
    @Autowired
    JdbcClient jdbc;

    /** CPU seconds spent by this JVM and by the test PostgreSQL's processes: wall time lies on a shared machine. */
    private double[] cpuAtStart = new double[2];
    private int postmaster;

    @Test
    void replayAgainstPlainPaging() throws Exception {
        postmaster = postmasterOf(shop.ledger.platform.testing.TestDatabase.server().getPort());
        int wallets = Integer.getInteger("ledger.replay.probe.wallets", 500);
        int perWallet = Integer.getInteger("ledger.replay.probe.events-per-wallet", 400);
        long started = System.nanoTime();
        cpuAtStart = cpu();
        append(wallets, perWallet);
        report("append (events/s, not tuned here)", (long) wallets * (perWallet + 1), started);
        started = System.nanoTime();
        cpuAtStart = cpu();
        awaitCaughtUp(WalletProjection.PROCESSING_GROUP);
        awaitCaughtUp(JournalProjection.PROCESSING_GROUP);
        report("live catch-up after the append, wallets + journal", (long) wallets * (perWallet + 1), started);
        long total = jdbc.sql("SELECT count(*) FROM domainevententry").query(Long.class).single();

        for (int round = 0; round < 2; round++) {
            started = System.nanoTime();
            cpuAtStart = cpu();
            long read = plainPaging(1000);
            report("plain JDBC paging, 1000 per page, round " + round, read, started);
        }
        started = System.nanoTime();
            cpuAtStart = cpu();
        report("Axon stream read with payload deserialised", streamAll(total), started);

        List<Map<String, Object>> walletRows = jdbc.sql("SELECT * FROM wallet_view ORDER BY wallet_id").query().listOfRows();
        for (String processor : List.of(WalletProjection.PROCESSING_GROUP, JournalProjection.PROCESSING_GROUP,
                WalletProjection.PROCESSING_GROUP)) {
            started = System.nanoTime();
            cpuAtStart = cpu();
            operations.replay(processor);
            awaitCaughtUp(processor);
            report("replay " + processor, total, started);
        }
        assertThat(jdbc.sql("SELECT * FROM wallet_view ORDER BY wallet_id").query().listOfRows()).isEqualTo(walletRows);
    }

    private void append(int wallets, int perWallet) {
        List<DomainEventMessage<?>> pending = new ArrayList<>();
        Instant at = Instant.now();
        for (int w = 0; w < wallets; w++) {
            UUID walletId = UUID.randomUUID();
            pending.add(event(walletId, 0, new WalletOpened(walletId, UUID.randomUUID(), "USD"), at));
            long available = 0;
            for (int i = 1; i <= perWallet; i++) {
                available += i;
                pending.add(event(walletId, i, new FundsDeposited(walletId, UUID.randomUUID(), Money.of(i, "USD"),
                        "psp-" + w + "-" + i, available, 0), at));
            }
            if (pending.size() >= 5000) {
                List<DomainEventMessage<?>> batch = List.copyOf(pending);
                transactionManager.executeInTransaction(() -> eventStore.publish(batch));
                pending.clear();
            }
        }
        if (!pending.isEmpty()) {
            transactionManager.executeInTransaction(() -> eventStore.publish(pending));
        }
    }

    private static DomainEventMessage<?> event(UUID walletId, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>("Wallet", walletId.toString(), sequence, payload,
                MetaData.with(OrderEventsFixture.MARKER, true), UUID.randomUUID().toString(), at);
    }

    /** Every column Axon reads, page by page by global index: the floor for any reader of the store. */
    private long plainPaging(int pageSize) throws Exception {
        long count = 0;
        long bytes = 0;
        long last = -1;
        try (Connection connection = dataSource.getConnection();
             PreparedStatement page = connection.prepareStatement("""
                     SELECT globalIndex, eventIdentifier, aggregateIdentifier, sequenceNumber, type, timeStamp,
                            payloadType, payloadRevision, payload, metaData
                     FROM domainevententry WHERE globalIndex > ? ORDER BY globalIndex LIMIT ?""")) {
            while (true) {
                page.setLong(1, last);
                page.setInt(2, pageSize);
                int rows = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        last = rs.getLong(1);
                        bytes += rs.getString(2).length() + rs.getString(3).length() + rs.getBytes(9).length
                                + rs.getBytes(10).length;
                        rows++;
                    }
                }
                count += rows;
                if (rows < pageSize) {
                    break;
                }
            }
        }
        assertThat(bytes).isPositive();
        return count;
    }

    private long streamAll(long total) throws Exception {
        long count = 0;
        try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(null)) {
            while (count < total && stream.hasNextAvailable()) {
                stream.nextAvailable().getPayload();
                count++;
            }
        }
        return count;
    }

    private void awaitCaughtUp(String name) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 600_000;
        while (System.currentTimeMillis() < deadline) {
            ProjectionOverview overview = operations.overview();
            Projection projection = overview.items().stream().filter(item -> item.name().equals(name)).findFirst()
                                            .orElseThrow();
            if (projection.running() && !projection.replaying() && projection.position() != null
                    && projection.position() >= overview.headPosition()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not catch up");
    }

    private void report(String what, long events, long startedNanos) throws IOException {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double[] now = cpu();
        double jvm = now[0] - cpuAtStart[0];
        double postgres = now[1] - cpuAtStart[1];
        System.out.printf("REPLAY-PROBE %-52s %8d events %7.2f s %8.0f events/s | cpu jvm %6.2f s pg %6.2f s"
                        + " -> %8.0f events per cpu-second%n", what, events, seconds, events / seconds, jvm, postgres,
                events / (jvm + postgres));
    }

    /** [this JVM's CPU seconds, the CPU seconds of the postmaster's live children (its backends)]. */
    private double[] cpu() throws IOException {
        double jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        double postgres = 0;
        long ticks = 100; // USER_HZ on Linux
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    int pid = Integer.parseInt(process.getFileName().toString());
                    int parent = Integer.parseInt(fields[1]);
                    if (pid == postmaster || parent == postmaster) {
                        postgres += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) ticks;
                    }
                } catch (IOException | RuntimeException gone) {
                    // a process that ended meanwhile
                }
            }
        }
        return new double[] {jvm, postgres};
    }

    /** The postmaster started with {@code -p port}. */
    private static int postmasterOf(int port) throws IOException {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    List<String> args = List.of(Files.readString(process.resolve("cmdline")).split("\u0000"));
                    int p = args.indexOf("-p");
                    if (p >= 0 && p + 1 < args.size() && args.get(p + 1).equals(String.valueOf(port))
                            && args.get(0).endsWith("postgres")) {
                        return Integer.parseInt(process.getFileName().toString());
                    }
                } catch (IOException | RuntimeException gone) {
                    // a process that ended meanwhile
                }
            }
        }
        throw new IllegalStateException("no postmaster on port " + port);
    }
}
