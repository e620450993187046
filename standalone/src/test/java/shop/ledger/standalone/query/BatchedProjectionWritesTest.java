package shop.ledger.standalone.query;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.AbstractEventProcessor;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericTrackedDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Money;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderResolvedByStaff;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.AdjustBalance;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.OpenWallet;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.api.wallet.WalletEvents.MoneyMoved;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.query.operations.ProjectionOperations;
import shop.ledger.query.operations.ProjectionOverview.Projection;
import shop.ledger.query.order.OrderProjection;
import shop.ledger.query.wallet.JournalProjection;
import shop.ledger.query.wallet.WalletProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.query.OrderEventsFixture.History;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The projections queue their writes per processor batch and send them as JDBC batches when the batch commits
 * (query.support.BatchedWrites). A whole long history handled in one unit of work must land exactly as event
 * by event, a redelivered batch must change nothing, and a replay must rebuild the same rows.
 */
@ReadSideTest
class BatchedProjectionWritesTest {

    private static final int WALLET_CYCLES = 1000;

    @LocalServerPort
    int port;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventStore eventStore;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    TransactionManager transactionManager;
    @Autowired
    ProjectionOperations operations;
    @Autowired
    KeyVault vault;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
    }

    @Test
    void aWalletWithThousandsOfEventsLandsExactlyInOneUnitOfWorkAgainAndOnReplay() {
        UUID walletId = walletWithLongHistory();
        List<DomainEventMessage<?>> events = eventStore.readEvents(walletId.toString(), 0).asStream()
                                                        .<DomainEventMessage<?>>map(event -> event).toList();
        assertThat(events).hasSize(1 + 3 * WALLET_CYCLES);
        MoneyMoved last = (MoneyMoved) events.get(events.size() - 1).getPayload();

        awaitCaughtUp(WalletProjection.PROCESSING_GROUP);
        awaitCaughtUp(JournalProjection.PROCESSING_GROUP);
        Map<String, Object> wallet = walletRow(walletId);
        List<Map<String, Object>> lines = lines(walletId);
        List<Map<String, Object>> postings = postings(walletId);
        assertThat(wallet).containsEntry("available", last.availableAfter()).containsEntry("held", last.heldAfter())
                          .containsEntry("last_sequence", (long) events.size() - 1);
        assertThat(lines).hasSize(3 * WALLET_CYCLES);
        assertThat(postings).hasSize(2 * 3 * WALLET_CYCLES);
        assertThat(jdbc.sql("SELECT COALESCE(SUM(amount), 0) FROM journal_posting WHERE wallet_id = ?")
                       .param(walletId).query(Long.class).single()).isZero();

        // the whole history as one batch, onto empty rows: the same rows as event by event
        jdbc.sql("DELETE FROM statement_line WHERE wallet_id = ?").param(walletId).update();
        jdbc.sql("DELETE FROM wallet_view WHERE wallet_id = ?").param(walletId).update();
        jdbc.sql("DELETE FROM journal_posting WHERE wallet_id = ?").param(walletId).update();
        handleInOneUnitOfWork(List.of(WalletProjection.PROCESSING_GROUP, JournalProjection.PROCESSING_GROUP), events);
        assertThat(walletRow(walletId)).isEqualTo(wallet);
        assertThat(lines(walletId)).isEqualTo(lines);
        assertThat(postings(walletId)).isEqualTo(postings);

        // redelivered, whole or a slice from the middle: nothing changes, the balance never goes back
        handleInOneUnitOfWork(List.of(WalletProjection.PROCESSING_GROUP, JournalProjection.PROCESSING_GROUP), events);
        handleInOneUnitOfWork(List.of(WalletProjection.PROCESSING_GROUP), events.subList(1000, 1500));
        assertThat(walletRow(walletId)).isEqualTo(wallet);
        assertThat(lines(walletId)).isEqualTo(lines);
        assertThat(postings(walletId)).isEqualTo(postings);

        // and rebuilt by the processor from the start of the stream
        List<Map<String, Object>> allWallets = jdbc.sql("SELECT * FROM wallet_view ORDER BY wallet_id").query().listOfRows();
        long allLines = jdbc.sql("SELECT count(*) FROM statement_line").query(Long.class).single();
        operations.replay(WalletProjection.PROCESSING_GROUP);
        awaitCaughtUp(WalletProjection.PROCESSING_GROUP);
        assertThat(jdbc.sql("SELECT * FROM wallet_view ORDER BY wallet_id").query().listOfRows()).isEqualTo(allWallets);
        assertThat(jdbc.sql("SELECT count(*) FROM statement_line").query(Long.class).single()).isEqualTo(allLines);
        assertThat(lines(walletId)).isEqualTo(lines);
    }

    /**
     * An order's timeline entry reads the status its row has after the event: with many orders' events in one
     * batch, each row and its entries must still be written in event order.
     */
    @Test
    void manyOrdersInOneUnitOfWorkKeepTheirTimelinesInEventOrder() {
        Customer customer = api.register("batch-" + UUID.randomUUID().toString().substring(0, 8));
        OrderEventsFixture fixture = new OrderEventsFixture(eventStore, vault);
        List<History> orders = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            History order = fixture.order(customer.customerId()).placed(customer.walletId(), "Unlock " + i, 100 + i);
            order.then(new OrderSubmissionStarted(order.orderId, 1));
            switch (i % 3) {
                case 0 -> order.then(new OrderSubmitted(order.orderId, 1, "SUP-" + i, order.at(0), order.at(0).plusSeconds(3600)))
                               .then(new OrderCompleted(order.orderId, order.encrypt("CODE-" + i), order.at(0).plusSeconds(60)));
                case 1 -> order.then(new OrderSubmissionFailed(order.orderId, 1, "busy", false))
                               .then(new OrderRejected(order.orderId, "no more attempts", order.at(0).plusSeconds(60)));
                default -> order.then(new OrderNeedsAttention(order.orderId, 1, "lost answer"))
                                .then(new OrderResolvedByStaff(order.orderId, UUID.randomUUID(), "found at the supplier"))
                                .then(new OrderSubmitted(order.orderId, 1, "SUP-" + i, order.at(0), order.at(0).plusSeconds(60)));
            }
            orders.add(order);
        }
        // interleaved as they would be in the store when many orders move at once
        List<DomainEventMessage<?>> interleaved = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            for (History order : orders) {
                if (step < order.events.size()) {
                    interleaved.add(order.events.get(step));
                }
            }
        }
        eventStore.publish(interleaved);
        List<UUID> ids = orders.stream().map(order -> order.orderId).toList();
        awaitCaughtUp(OrderProjection.PROCESSING_GROUP);
        List<Map<String, Object>> rows = orderRows(ids);
        List<Map<String, Object>> timelines = timelines(ids);
        assertThat(rows).hasSize(150);
        assertThat(timelines).hasSize(150 + orders.stream().mapToInt(order -> order.events.size() - 1).sum());
        assertThat(rows).extracting(row -> row.get("status")).containsOnly("COMPLETED", "REJECTED", "IN_PROCESS");
        // an entry shows the status the order had once its event was applied
        assertThat(timelines).filteredOn(row -> String.valueOf(row.get("note")).startsWith("Resolved by staff"))
                             .extracting(row -> row.get("status")).hasSize(50).containsOnly("NEEDS_ATTENTION");

        jdbc.sql("DELETE FROM order_timeline WHERE order_id IN (:ids)").param("ids", ids).update();
        jdbc.sql("DELETE FROM order_view WHERE order_id IN (:ids)").param("ids", ids).update();
        handleInOneUnitOfWork(List.of(OrderProjection.PROCESSING_GROUP), interleaved);
        assertThat(orderRows(ids)).isEqualTo(rows);
        assertThat(timelines(ids)).isEqualTo(timelines);

        handleInOneUnitOfWork(List.of(OrderProjection.PROCESSING_GROUP), interleaved);
        assertThat(orderRows(ids)).isEqualTo(rows);
        assertThat(timelines(ids)).isEqualTo(timelines);

        operations.replay(OrderProjection.PROCESSING_GROUP);
        awaitCaughtUp(OrderProjection.PROCESSING_GROUP);
        assertThat(orderRows(ids)).isEqualTo(rows);
        assertThat(timelines(ids)).isEqualTo(timelines);
    }

    /** Deposits by adjustment, then reserve and capture or release: three movements per cycle. */
    private UUID walletWithLongHistory() {
        UUID walletId = UUID.randomUUID();
        commands.sendAndWait(new OpenWallet(walletId, UUID.randomUUID(), "USD"));
        for (int i = 0; i < WALLET_CYCLES; i++) {
            commands.sendAndWait(new AdjustBalance(walletId, UUID.randomUUID(), Money.of(1000 + i, "USD"), "top-up " + i));
            UUID reservation = UUID.randomUUID();
            commands.sendAndWait(new ReserveFunds(walletId, reservation, Money.of(300 + i % 7, "USD"),
                    ReservationPurpose.ORDER, UUID.randomUUID()));
            if (i % 2 == 0) {
                commands.sendAndWait(new CaptureReservation(walletId, reservation));
            } else {
                commands.sendAndWait(new ReleaseReservation(walletId, reservation, "rejected " + i));
            }
        }
        return walletId;
    }

    /** What a processor does with one batch, here with all of the given events: one unit of work, one transaction. */
    private void handleInOneUnitOfWork(List<String> processors, List<? extends EventMessage<?>> events) {
        List<EventHandlerInvoker> invokers = processors.stream()
                .map(name -> processing.eventProcessor(name, AbstractEventProcessor.class).orElseThrow().eventHandlerInvoker())
                .toList();
        List<EventMessage<?>> tracked = events.stream().<EventMessage<?>>map(this::tracked).toList();
        BatchingUnitOfWork<EventMessage<?>> unitOfWork = new BatchingUnitOfWork<>(tracked);
        unitOfWork.attachTransaction(transactionManager);
        unitOfWork.executeWithResult(() -> {
            for (EventHandlerInvoker invoker : invokers) {
                invoker.handle(unitOfWork.getMessage(), Segment.ROOT_SEGMENT);
            }
            return null;
        });
        assertThat(unitOfWork.getExecutionResults().values()).noneMatch(result -> result.isExceptionResult());
    }

    private EventMessage<?> tracked(EventMessage<?> event) {
        long position = OrderEventsFixture.position(jdbc, event);
        return new GenericTrackedDomainEventMessage<>(new GlobalSequenceTrackingToken(position), (DomainEventMessage<?>) event);
    }

    private void awaitCaughtUp(String name) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            var overview = operations.overview();
            Projection projection = overview.items().stream().filter(item -> item.name().equals(name)).findFirst()
                                            .orElseThrow();
            return projection.running() && !projection.replaying() && projection.position() != null
                    && projection.position() >= overview.headPosition();
        });
    }

    private Map<String, Object> walletRow(UUID walletId) {
        return jdbc.sql("SELECT * FROM wallet_view WHERE wallet_id = ?").param(walletId).query().singleRow();
    }

    private List<Map<String, Object>> lines(UUID walletId) {
        return jdbc.sql("SELECT * FROM statement_line WHERE wallet_id = ? ORDER BY sequence").param(walletId)
                   .query().listOfRows();
    }

    private List<Map<String, Object>> postings(UUID walletId) {
        return jdbc.sql("SELECT * FROM journal_posting WHERE wallet_id = ? ORDER BY event_id, leg").param(walletId)
                   .query().listOfRows();
    }

    private List<Map<String, Object>> orderRows(List<UUID> ids) {
        return jdbc.sql("SELECT * FROM order_view WHERE order_id IN (:ids) ORDER BY order_id").param("ids", ids)
                   .query().listOfRows();
    }

    private List<Map<String, Object>> timelines(List<UUID> ids) {
        return jdbc.sql("SELECT * FROM order_timeline WHERE order_id IN (:ids) ORDER BY event_id").param("ids", ids)
                   .query().listOfRows();
    }
}
