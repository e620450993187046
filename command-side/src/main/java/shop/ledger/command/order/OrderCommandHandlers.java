package shop.ledger.command.order;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.common.Imei;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.order.OrderCommands.CancelOrder;
import shop.ledger.api.order.OrderCommands.CompleteOrder;
import shop.ledger.api.order.OrderCommands.MarkOrderNeedsAttention;
import shop.ledger.api.order.OrderCommands.OrderFields;
import shop.ledger.api.order.OrderCommands.PlaceOrder;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmissionFailed;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmitted;
import shop.ledger.api.order.OrderCommands.RejectOrder;
import shop.ledger.api.order.OrderCommands.ResolveByRejecting;
import shop.ledger.api.order.OrderCommands.ResolveWithReference;
import shop.ledger.api.order.OrderCommands.StartSubmission;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.command.catalogue.CatalogueService;
import shop.ledger.platform.crypto.KeyVault;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Carries out the Order's decisions together with what they mean for money and for the set-based rules,
 * in one unit of work and so in one database transaction: the order event, the Wallet's reservation event
 * and the open-order row commit together or not at all.
 */
@Component
public class OrderCommandHandlers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Repository<Order> orders;
    private final Repository<CatalogueService> catalogue;
    private final CommandGateway commands;
    private final KeyVault vault;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final OrderMoney money;

    public OrderCommandHandlers(Repository<Order> orders, Repository<CatalogueService> catalogue,
                                CommandGateway commands, KeyVault vault, JdbcClient jdbc, Clock clock,
                                OrderMoney money) {
        this.orders = orders;
        this.catalogue = catalogue;
        this.commands = commands;
        this.vault = vault;
        this.jdbc = jdbc;
        this.clock = clock;
        this.money = money;
    }

    /**
     * R8 then R2: everything is validated before any money moves; then the price is reserved (409
     * insufficient-funds refuses the whole order) and only then does the order exist, PENDING.
     */
    @CommandHandler
    public UUID place(PlaceOrder command) throws Exception {
        ServiceOffer offer = offer(command.serviceId());
        OrderFields fields = command.fields() == null ? OrderFields.NONE : command.fields();
        validate(offer, command.imei(), fields);

        String imei = command.imei() == null ? "" : command.imei();
        int claimed = jdbc.sql("""
                                   INSERT INTO open_order (customer_id, service_id, imei_fingerprint, order_id)
                                   VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                          .params(command.customerId(), offer.serviceId(), vault.fingerprint(command.customerId(), imei),
                                  command.orderId())
                          .update();
        if (claimed == 0) {
            throw new RuleViolation(ProblemType.DUPLICATE_ORDER,
                    "an order for this IMEI and service is already open; see GET /api/orders");
        }

        commands.sendAndWait(new ReserveFunds(command.walletId(), command.orderId(), offer.price(),
                ReservationPurpose.ORDER, command.orderId()));

        OrderPlaced placed = new OrderPlaced(command.orderId(), command.customerId(), command.walletId(),
                offer.serviceId(), offer.name(), vault.encrypt(command.customerId(), imei),
                vault.encrypt(command.customerId(), JSON.writeValueAsString(present(fields))), offer.price(),
                offer.deliveryEstimate().max(), offer.supplier().supplier(), offer.supplier().supplierServiceId());
        orders.newInstance(() -> new Order(placed));
        return command.orderId();
    }

    @CommandHandler
    public boolean handle(StartSubmission command) {
        return orders.load(command.orderId().toString()).invoke(Order::startSubmission);
    }

    @CommandHandler
    public void handle(RecordOrderSubmitted command) {
        orders.load(command.orderId().toString())
              .execute(order -> order.submitted(command.attempt(), command.supplierReference(), clock.instant()));
    }

    @CommandHandler
    public void handle(RecordOrderSubmissionFailed command) {
        Aggregate<Order> order = orders.load(command.orderId().toString());
        money.settle(order, order.invoke(o -> o.submissionFailed(command.attempt(), command.message(),
                command.retriesLeft(), clock.instant())), "submission refused by the supplier");
    }

    @CommandHandler
    public void handle(MarkOrderNeedsAttention command) {
        orders.load(command.orderId().toString()).execute(o -> o.needsAttention(command.attempt(), command.reason()));
    }

    @CommandHandler
    public void handle(MarkSubmittedOrderNeedsAttention command) {
        orders.load(command.orderId().toString())
              .execute(o -> o.submittedNeedsAttention(command.supplierReference(), command.reason()));
    }

    @CommandHandler
    public void handle(CompleteOrder command) {
        Aggregate<Order> order = orders.load(command.orderId().toString());
        UUID customerId = order.invoke(Order::customerId);
        String result = vault.isErased(customerId) ? KeyVault.ERASED
                : vault.encrypt(customerId, command.resultCode() == null ? "" : command.resultCode());
        money.settle(order, order.invoke(o -> o.complete(result, clock.instant())), null);
    }

    @CommandHandler
    public void handle(RejectOrder command) {
        Aggregate<Order> order = orders.load(command.orderId().toString());
        money.settle(order, order.invoke(o -> o.rejectedBySupplier(command.reason(), clock.instant())), "rejected by the supplier");
    }

    @CommandHandler
    public void handle(CancelOrder command) {
        Aggregate<Order> order = load(command.orderId());
        money.settle(order, order.invoke(o -> o.cancel(command.customerId(), clock.instant())), "cancelled by the customer");
    }

    @CommandHandler
    public void handle(ResolveWithReference command) {
        if (command.supplierReference() == null || command.supplierReference().isBlank()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "supplierReference is required");
        }
        load(command.orderId()).execute(o -> o.resolveWithReference(command.supplierReference().strip(),
                command.staffId(), clock.instant()));
    }

    @CommandHandler
    public void handle(ResolveByRejecting command) {
        if (command.reason() == null || command.reason().isBlank()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "a reason is required to reject");
        }
        Aggregate<Order> order = load(command.orderId());
        money.settle(order, order.invoke(o -> o.resolveByRejecting(command.reason().strip(), command.staffId(),
                clock.instant())), "rejected by staff: not found at the supplier");
    }

    private Aggregate<Order> load(UUID orderId) {
        try {
            return orders.load(orderId.toString());
        } catch (AggregateNotFoundException e) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such order");
        }
    }

    private ServiceOffer offer(UUID serviceId) {
        try {
            return catalogue.load(serviceId.toString()).invoke(CatalogueService::offer);
        } catch (AggregateNotFoundException e) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "no such service: " + serviceId);
        }
    }

    static void validate(ServiceOffer offer, String imei, OrderFields fields) {
        if (!offer.active()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "the service '" + offer.name() + "' is not available");
        }
        if (offer.kind() != ServiceKind.IMEI) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "'" + offer.name() + "' is requested for an order with POST /api/orders/{orderId}/verification-requests");
        }
        Requirements requires = offer.requires();
        if (requires.imei() && !Imei.isValid(imei)) {
            throw new RuleViolation(ProblemType.INVALID_IMEI, "an IMEI has 15 digits and a valid Luhn check digit");
        }
        if (!requires.imei() && imei != null && !imei.isEmpty() && !Imei.isValid(imei)) {
            throw new RuleViolation(ProblemType.INVALID_IMEI, "an IMEI has 15 digits and a valid Luhn check digit");
        }
        require(requires.model(), fields.model(), "model");
        require(requires.network(), fields.network(), "network");
        require(requires.serialNumber(), fields.serialNumber(), "serialNumber");
        for (String value : new String[]{fields.model(), fields.network(), fields.serialNumber()}) {
            if (value != null && value.length() > 100) {
                throw new RuleViolation(ProblemType.VALIDATION_FAILED, "order fields are at most 100 characters");
            }
        }
    }

    private static void require(boolean required, String value, String name) {
        if (required && (value == null || value.isBlank())) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "this service requires fields." + name);
        }
    }

    private static Map<String, String> present(OrderFields fields) {
        Map<String, String> present = new LinkedHashMap<>();
        if (fields.model() != null) {
            present.put("model", fields.model());
        }
        if (fields.network() != null) {
            present.put("network", fields.network());
        }
        if (fields.serialNumber() != null) {
            present.put("serialNumber", fields.serialNumber());
        }
        return present;
    }
}
