package shop.ledger.standalone.query;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericTrackedDomainEventMessage;
import org.axonframework.eventhandling.GenericTrackedEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.MetaData;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.Money;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseEscalated;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;
import shop.ledger.platform.crypto.KeyVault;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes an order's history straight into the event store, as the Order aggregate would (domain events
 * with aggregate id = order id and increasing sequence numbers), so the read side is tested on its own.
 * Refund cases of an order are written the same way, as the RefundCase aggregate would.
 */
final class OrderEventsFixture {

    /** Metadata that marks the fixture's events, which the fulfilment saga is not shown ({@link ReadSideTest}). */
    static final String MARKER = "readSideFixture";
    /** A valid IMEI (15 digits, Luhn check digit). */
    static final String IMEI = "490154203237518";

    private final EventStore eventStore;
    private final KeyVault vault;

    OrderEventsFixture(EventStore eventStore, KeyVault vault) {
        this.eventStore = eventStore;
        this.vault = vault;
    }

    /** One order's events, built in order and appended together. */
    final class History {
        final UUID orderId = UUID.randomUUID();
        final UUID customerId;
        final List<DomainEventMessage<?>> events = new ArrayList<>();
        private Instant clock = Instant.now().truncatedTo(ChronoUnit.MILLIS).minus(1, ChronoUnit.HOURS);
        private int published;

        History(UUID customerId) {
            this.customerId = customerId;
        }

        History placed(UUID walletId, String serviceName, long price) {
            return then(new OrderPlaced(orderId, customerId, walletId, UUID.randomUUID(), serviceName,
                    vault.encrypt(customerId, IMEI), vault.encrypt(customerId, "{}"), Money.of(price, "USD"), "P3D",
                    "simulator", "1001"));
        }

        History then(Object payload) {
            events.add(new GenericDomainEventMessage<>("Order", orderId.toString(), events.size(), payload,
                    MetaData.with(MARKER, true), UUID.randomUUID().toString(), tick()));
            return this;
        }

        /** A minute after the order's (or its cases') latest event: one clock for the order and its cases. */
        private Instant tick() {
            clock = clock.plusSeconds(60);
            return clock;
        }

        /** A refund case of this order, opened now with its decision due by {@code decisionDueBy}. */
        RefundCase refundCase(Instant decisionDueBy) {
            return new RefundCase(this, decisionDueBy);
        }

        String encrypt(String plain) {
            return vault.encrypt(customerId, plain);
        }

        Instant at(int index) {
            return events.get(index).getTimestamp();
        }

        /** Appends the events not appended yet, so a history can be written in steps. */
        History publish() {
            eventStore.publish(events.subList(published, events.size()));
            published = events.size();
            return this;
        }
    }

    /** One refund case's events (aggregate id = case id), timed on its order's clock. */
    final class RefundCase {
        final UUID refundCaseId = UUID.randomUUID();
        final History order;
        final List<DomainEventMessage<?>> events = new ArrayList<>();
        private int published;

        private RefundCase(History order, Instant decisionDueBy) {
            this.order = order;
            Instant openedAt = order.tick();
            add(new RefundCaseOpened(refundCaseId, order.orderId, order.customerId, UUID.randomUUID(),
                    Money.of(0, "USD"), openedAt, decisionDueBy), openedAt);
        }

        RefundCase escalated() {
            Instant at = order.tick();
            return add(new RefundCaseEscalated(refundCaseId, order.orderId, at), at);
        }

        RefundCase decided(Outcome outcome, String note) {
            Instant at = order.tick();
            return add(new RefundCaseDecided(refundCaseId, order.orderId, outcome, note, "staff:test", at), at);
        }

        RefundCase closed(String reason) {
            Instant at = order.tick();
            return add(new RefundCaseClosed(refundCaseId, order.orderId, reason, at), at);
        }

        Instant at(int index) {
            return events.get(index).getTimestamp();
        }

        /** Appends the events not appended yet. */
        RefundCase publish() {
            eventStore.publish(events.subList(published, events.size()));
            published = events.size();
            return this;
        }

        private RefundCase add(Object payload, Instant at) {
            events.add(new GenericDomainEventMessage<>("RefundCase", refundCaseId.toString(), events.size(), payload,
                    MetaData.with(MARKER, true), UUID.randomUUID().toString(), at));
            return this;
        }
    }

    History order(UUID customerId) {
        return new History(customerId);
    }

    /** The event's global position in the store, as a streaming processor would have seen it. */
    static long position(JdbcClient jdbc, EventMessage<?> event) {
        return jdbc.sql("SELECT globalindex FROM domainevententry WHERE eventidentifier = ?")
                   .param(event.getIdentifier()).query(Long.class).single();
    }

    /** The event store's head: every event appended so far is at or below it, so a read after it shows them all. */
    static long head(JdbcClient jdbc) {
        return jdbc.sql("SELECT coalesce(max(globalindex), 0) FROM domainevententry").query(Long.class).single();
    }

    /** Hands an already processed event to a projection once more: what a redelivery does. */
    static void redeliver(Object projection, JdbcClient jdbc, EventMessage<?> event) {
        GlobalSequenceTrackingToken token = new GlobalSequenceTrackingToken(position(jdbc, event));
        TrackedEventMessage<?> tracked = event instanceof DomainEventMessage<?> domain
                ? new GenericTrackedDomainEventMessage<>(token, domain)
                : new GenericTrackedEventMessage<>(token, event);
        try {
            new AnnotationEventHandlerAdapter(projection).handle(tracked);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
