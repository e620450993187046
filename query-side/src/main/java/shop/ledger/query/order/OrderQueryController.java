package shop.ledger.query.order;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.order.OrderQueries.FindOrder;
import shop.ledger.api.order.OrderQueries.FindOrders;
import shop.ledger.api.order.OrderQueries.OrderPage;
import shop.ledger.api.order.OrderQueries.OrderView;
import shop.ledger.api.order.OrderQueries.TimelineEntry;
import shop.ledger.api.order.OrderStatus;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.platform.web.Cursors;
import shop.ledger.platform.web.Page;
import shop.ledger.query.position.ReadModel;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Orders as their owner and staff read them. A customer reaches only their own orders (another's id is
 * 404, so ids cannot be probed); staff (ADMIN, FINANCE, AUDITOR) see all, with the IMEI masked and the
 * result withheld (R13). The owner sees both decrypted; after erasure they read "[erased]" for everyone (R11).
 */
@RestController
@ReadModel(OrderProjection.PROCESSING_GROUP)
@Tag(name = "Orders")
public class OrderQueryController {

    /** What staff see in place of an order's result code. */
    public static final String PROTECTED = "[protected]";

    public record OrderResponse(UUID orderId, UUID serviceId, String serviceName, String imei, OrderStatus status,
                                Money price, Instant placedAt, Instant submittedAt, Instant estimatedBy,
                                boolean overdue, Instant completedAt, String result, String rejectionReason,
                                List<TimelineEntry> timeline) {
    }

    private final QueryGateway queries;
    private final KeyVault vault;

    public OrderQueryController(QueryGateway queries, KeyVault vault) {
        this.queries = queries;
        this.vault = vault;
    }

    @GetMapping("/api/orders/{orderId}")
    @Operation(summary = "One order with its timeline: the caller's own, or any for staff")
    public OrderResponse order(@PathVariable UUID orderId) {
        Caller caller = CurrentCaller.get();
        Optional<OrderView> order = queries.query(new FindOrder(orderId, restriction(caller)),
                ResponseTypes.optionalInstanceOf(OrderView.class)).join();
        return order.map(view -> present(view, caller))
                    .orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such order"));
    }

    @GetMapping("/api/orders")
    @Operation(summary = "The caller's orders, newest first; staff see all and may filter overdue=true")
    public Page<OrderResponse> orders(@RequestParam(required = false) OrderStatus status,
                                      @RequestParam(required = false) Boolean overdue,
                                      @RequestParam(required = false) Integer limit,
                                      @RequestParam(required = false) String cursor) {
        Caller caller = CurrentCaller.get();
        if (overdue != null && !caller.isStaff()) {
            throw new RuleViolation(ProblemType.FORBIDDEN, "the overdue filter is for staff");
        }
        OrderPage page = queries.query(new FindOrders(restriction(caller), status, overdue, Cursors.limit(limit),
                Cursors.decode(cursor)), OrderPage.class).join();
        return new Page<>(page.items().stream().map(view -> present(view, caller)).toList(),
                Cursors.encode(page.nextBeforePosition()));
    }

    /** Customers are restricted to their own orders; staff are not restricted. */
    private static UUID restriction(Caller caller) {
        return caller.isStaff() ? null : caller.accountId();
    }

    private OrderResponse present(OrderView view, Caller caller) {
        boolean owner = view.customerId().equals(caller.accountId());
        Optional<String> imei = vault.decrypt(view.customerId(), view.encryptedImei());
        String shownImei = imei.map(plain -> owner ? plain : mask(plain)).orElse(KeyVault.ERASED);
        String result = null;
        if (view.encryptedResult() != null) {
            result = owner ? vault.reveal(view.customerId(), view.encryptedResult()) : PROTECTED;
        }
        return new OrderResponse(view.orderId(), view.serviceId(), view.serviceName(), shownImei, view.status(),
                view.price(), view.placedAt(), view.submittedAt(), view.estimatedBy(), view.overdue(),
                view.completedAt(), result, view.rejectionReason(), view.timeline());
    }

    /** All but the last four digits hidden: enough for staff to tell orders apart (R13). */
    static String mask(String imei) {
        int shown = Math.min(4, imei.length());
        return "*".repeat(imei.length() - shown) + imei.substring(imei.length() - shown);
    }
}
