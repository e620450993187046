package shop.ledger.command.finance;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.withdrawal.Withdrawals.Mismatch;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import shop.ledger.api.withdrawal.Withdrawals.RunReconciliation;
import shop.ledger.command.finance.statement.ParsedStatement;
import shop.ledger.command.finance.statement.StatementParser;
import shop.ledger.command.finance.statement.StatementRejected;
import shop.ledger.command.finance.statement.UnsupportedStatementType;
import shop.ledger.platform.security.CurrentCaller;

import java.util.List;
import java.util.UUID;

@RestController
@Tag(name = "Finance")
public class ReconciliationController {

    public record ReconciliationAnswer(UUID reconciliationId, String format, int statementLines, int matched,
                                       int unmatchedStatementLines, int unmatchedWithdrawals,
                                       List<Mismatch> mismatches, List<UUID> matchedWithdrawals,
                                       List<String> unmatchedStatementReferences, List<UUID> unmatchedWithdrawalIds,
                                       String rules) {
    }

    private final StatementParser parser;
    private final CommandGateway commands;

    public ReconciliationController(StatementParser parser, CommandGateway commands) {
        this.parser = parser;
        this.commands = commands;
    }

    @PostMapping(path = "/api/finance/reconciliations",
            consumes = {"text/csv", "application/xml", "text/xml", "text/plain", "application/octet-stream"})
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Reconcile the payout provider's statement (FINANCE): CSV or ISO 20022 camt.053")
    public ReconciliationAnswer reconcile(@RequestBody byte[] statement,
                                          @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType) {
        ParsedStatement parsed;
        try {
            parsed = parser.parse(statement, contentType);
        } catch (UnsupportedStatementType unsupported) {
            throw new RuleViolation(ProblemType.UNSUPPORTED_MEDIA_TYPE, unsupported.reason());
        } catch (StatementRejected rejected) {
            // nothing is applied: the statement is refused whole, naming the line that failed
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, rejected.lineNumber() > 0
                    ? "statement line " + rejected.lineNumber() + ": " + rejected.reason()
                    : "statement rejected: " + rejected.reason());
        }
        ReconciliationCompleted run = commands.sendAndWait(new RunReconciliation(UUID.randomUUID(), parsed.format(),
                parsed.lines(), CurrentCaller.get().actor()));
        return new ReconciliationAnswer(run.reconciliationId(), run.format(), run.statementLines(),
                run.matchedWithdrawals().size(), run.unmatchedStatementLines().size(), run.unmatchedWithdrawals().size(),
                run.mismatches(), run.matchedWithdrawals(), run.unmatchedStatementLines(), run.unmatchedWithdrawals(),
                run.rules());
    }
}
