package shop.ledger.command.order;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.Role;
import shop.ledger.api.order.OrderCommands.CancelOrder;
import shop.ledger.api.order.OrderCommands.OrderFields;
import shop.ledger.api.order.OrderCommands.PlaceOrder;
import shop.ledger.api.order.OrderCommands.ResolveByRejecting;
import shop.ledger.api.order.OrderCommands.ResolveWithReference;
import shop.ledger.api.order.OrderStatus;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;

import java.util.UUID;

@RestController
@Tag(name = "Orders")
public class OrderCommandController {

    public record FieldsBody(@Size(max = 100) String model, @Size(max = 100) String network,
                             @Size(max = 100) String serialNumber) {
    }

    public record PlaceOrderBody(@NotNull UUID serviceId, @Size(max = 64) String imei, @Valid FieldsBody fields) {
    }

    public record OrderAnswer(UUID orderId, OrderStatus status) {
    }

    public record StatusAnswer(OrderStatus status) {
    }

    /** Either {@code supplierReference} (found at the supplier) or {@code reject: true} with a reason. */
    public record ResolutionBody(@Size(max = 255) String supplierReference, Boolean reject,
                                 @Size(max = 500) String reason) {
    }

    private final CommandGateway commands;

    public OrderCommandController(CommandGateway commands) {
        this.commands = commands;
    }

    @PostMapping("/api/orders")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Order a service: validated, then its price is reserved, then it is PENDING")
    public OrderAnswer place(@Valid @RequestBody PlaceOrderBody body) {
        Caller caller = customer();
        FieldsBody fields = body.fields();
        UUID orderId = UUID.randomUUID();
        commands.sendAndWait(new PlaceOrder(orderId, caller.accountId(), caller.walletId(), body.serviceId(),
                body.imei() == null ? null : body.imei().strip(),
                fields == null ? OrderFields.NONE : new OrderFields(fields.model(), fields.network(), fields.serialNumber())));
        return new OrderAnswer(orderId, OrderStatus.PENDING);
    }

    @PostMapping("/api/orders/{orderId}/cancel")
    @Operation(summary = "Cancel while PENDING (the reservation is released); 409 order-in-process afterwards")
    public StatusAnswer cancel(@PathVariable UUID orderId) {
        commands.sendAndWait(new CancelOrder(orderId, customer().accountId()));
        return new StatusAnswer(OrderStatus.CANCELLED);
    }

    @PostMapping("/api/admin/orders/{orderId}/resolution")
    @Operation(summary = "Resolve a NEEDS_ATTENTION order (ADMIN): the supplier's reference, or a rejection")
    public StatusAnswer resolve(@PathVariable UUID orderId, @Valid @RequestBody ResolutionBody body) {
        UUID staffId = CurrentCaller.get().accountId();
        boolean reject = Boolean.TRUE.equals(body.reject());
        boolean reference = body.supplierReference() != null && !body.supplierReference().isBlank();
        if (reject == reference) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "give either supplierReference, or reject: true with a reason");
        }
        if (reference) {
            commands.sendAndWait(new ResolveWithReference(orderId, body.supplierReference(), staffId));
            return new StatusAnswer(OrderStatus.IN_PROCESS);
        }
        commands.sendAndWait(new ResolveByRejecting(orderId, body.reason(), staffId));
        return new StatusAnswer(OrderStatus.REJECTED);
    }

    private static Caller customer() {
        Caller caller = CurrentCaller.get();
        if (!caller.has(Role.CUSTOMER) || caller.walletId() == null) {
            throw new RuleViolation(ProblemType.FORBIDDEN, "orders are placed by customers");
        }
        return caller;
    }
}
