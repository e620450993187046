package shop.ledger.command.refund;

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
import shop.ledger.api.refund.RefundCases.CaseStatus;
import shop.ledger.api.refund.RefundCases.DecideRefundCase;
import shop.ledger.api.refund.RefundCases.OpenRefundCase;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;

import java.time.Instant;
import java.util.UUID;

@RestController
@Tag(name = "Refund cases")
public class RefundCaseController {

    public record Opened(UUID refundCaseId, CaseStatus status, Instant decisionDueBy) {
    }

    public record DecisionBody(@NotNull Outcome outcome, @Size(max = 1000) String note) {
    }

    public record Decided(UUID refundCaseId, CaseStatus status) {
    }

    private final CommandGateway commands;

    public RefundCaseController(CommandGateway commands) {
        this.commands = commands;
    }

    @PostMapping("/api/orders/{orderId}/verification-requests")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "742# Order Check / Verification & Refund Request for an overdue order in process")
    public Opened open(@PathVariable UUID orderId) {
        Caller caller = CurrentCaller.get();
        if (!caller.has(Role.CUSTOMER)) {
            throw new RuleViolation(ProblemType.FORBIDDEN, "verification requests are made by the order's customer");
        }
        UUID refundCaseId = UUID.randomUUID();
        Instant decisionDueBy = commands.sendAndWait(new OpenRefundCase(refundCaseId, orderId, caller.accountId()));
        return new Opened(refundCaseId, CaseStatus.OPEN, decisionDueBy);
    }

    @PostMapping("/api/admin/refund-cases/{refundCaseId}/decision")
    @Operation(summary = "Record the supplier's decision (ADMIN): APPROVED refunds, REJECTED lets the order go on")
    public Decided decide(@PathVariable UUID refundCaseId, @Valid @RequestBody DecisionBody body) {
        commands.sendAndWait(new DecideRefundCase(refundCaseId, body.outcome(), body.note(),
                CurrentCaller.get().actor()));
        return new Decided(refundCaseId, body.outcome() == Outcome.APPROVED ? CaseStatus.APPROVED : CaseStatus.REJECTED);
    }
}
