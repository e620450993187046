package shop.ledger.query.live;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DisallowReplay;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.stereotype.Component;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderNeedsAttention;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.api.order.OrderStatus;
import shop.ledger.api.wallet.WalletEvents.MoneyMoved;

import java.time.Instant;
import java.util.UUID;

/**
 * Pushes a customer's order status and wallet balance changes to their open streams.
 * <p>
 * It runs in its own processor, which every query-side instance runs in full from the head of the event
 * stream on (see {@link LiveUpdatesConfiguration}): a customer's stream may be open on any instance, so each
 * instance must see every event, and only what happens from now on is news. It only pushes, after its
 * unit of work committed; the events themselves are committed already. It is never replayed: old news
 * would only confuse the clients.
 */
@Component
@DisallowReplay
@ProcessingGroup(LiveUpdates.PROCESSING_GROUP)
public class LiveUpdates {

    public static final String PROCESSING_GROUP = "live-updates";

    /** The SSE event {@code order}. */
    public record OrderUpdate(UUID orderId, OrderStatus status, Instant at) {
    }

    /** The SSE event {@code wallet}, amounts in minor units. */
    public record WalletUpdate(UUID walletId, long available, long held, long balance) {
    }

    private final LiveSubscriptions subscriptions;
    private final EventStore eventStore;
    /** Later order events name only the order: whose it is comes from its OrderPlaced. */
    private final Cache<UUID, UUID> ownerOfOrder = Caffeine.newBuilder().maximumSize(100_000).build();

    public LiveUpdates(LiveSubscriptions subscriptions, EventStore eventStore) {
        this.subscriptions = subscriptions;
        this.eventStore = eventStore;
    }

    @EventHandler
    void on(OrderPlaced event, @Timestamp Instant at) {
        ownerOfOrder.put(event.orderId(), event.customerId());
        order(event.orderId(), OrderStatus.PENDING, at);
    }

    @EventHandler
    void on(OrderSubmitted event, @Timestamp Instant at) {
        order(event.orderId(), OrderStatus.IN_PROCESS, at);
    }

    @EventHandler
    void on(OrderNeedsAttention event, @Timestamp Instant at) {
        order(event.orderId(), OrderStatus.NEEDS_ATTENTION, at);
    }

    @EventHandler
    void on(OrderCompleted event, @Timestamp Instant at) {
        order(event.orderId(), OrderStatus.COMPLETED, at);
    }

    @EventHandler
    void on(OrderRejected event, @Timestamp Instant at) {
        order(event.orderId(), OrderStatus.REJECTED, at);
    }

    @EventHandler
    void on(OrderCancelled event, @Timestamp Instant at) {
        order(event.orderId(), OrderStatus.CANCELLED, at);
    }

    @EventHandler
    void on(MoneyMoved event) {
        if (subscriptions.isEmpty()) {
            return;
        }
        WalletUpdate update = new WalletUpdate(event.walletId(), event.availableAfter(), event.heldAfter(),
                Math.addExact(event.availableAfter(), event.heldAfter()));
        afterCommit(() -> subscriptions.sendToWallet(event.walletId(), "wallet", update));
    }

    private void order(UUID orderId, OrderStatus status, Instant at) {
        if (subscriptions.isEmpty()) {
            return;
        }
        UUID customerId = ownerOfOrder.get(orderId, this::ownerFromEventStore);
        if (customerId != null) {
            OrderUpdate update = new OrderUpdate(orderId, status, at);
            afterCommit(() -> subscriptions.sendToCustomer(customerId, "order", update));
        }
    }

    /** An order placed before this instance started: its first event names the customer. */
    private UUID ownerFromEventStore(UUID orderId) {
        DomainEventStream events = eventStore.readEvents(orderId.toString(), 0);
        if (events.hasNext() && events.next().getPayload() instanceof OrderPlaced placed) {
            return placed.customerId();
        }
        return null;
    }

    /** Pushes only once the processor's batch committed, so a retried batch never pushes twice. */
    private static void afterCommit(Runnable push) {
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(unitOfWork -> push.run());
        } else {
            push.run();
        }
    }
}
