package shop.ledger.command.finance;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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
import shop.ledger.platform.web.MultipartBody;
import shop.ledger.platform.web.MultipartBody.Part;

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

    /** The form a browser sends: the statement file in the part named {@code file}. */
    @Schema(name = "StatementUpload")
    public record StatementUpload(@Schema(description = "the statement: CSV or ISO 20022 camt.053 XML",
            type = "string", format = "binary", requiredMode = Schema.RequiredMode.REQUIRED) String file) {
    }

    /**
     * The statement comes as the body or as the {@code file} part of a multipart/form-data upload (API.md v2). The
     * multipart body is read from the bytes, not by the servlet container: the request filter has read the body
     * already (spring.servlet.multipart.enabled is off). ReconciliationApiTest.
     */
    @PostMapping(path = "/api/finance/reconciliations",
            consumes = {"text/csv", "application/xml", "text/xml", "text/plain", "application/octet-stream",
                    MediaType.MULTIPART_FORM_DATA_VALUE})
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Reconcile the payout provider's statement (FINANCE): CSV or ISO 20022 camt.053, as the "
            + "body or as the file part of a multipart/form-data upload",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
                    @Content(mediaType = "text/csv", schema = @Schema(type = "string",
                            example = "payout_reference,amount,currency,status,booked_at\n"
                                    + "po_7f3c2a91,30.00,USD,PAID,2026-03-14T09:12:45Z")),
                    @Content(mediaType = "application/xml", schema = @Schema(type = "string",
                            description = "ISO 20022 camt.053 (BkToCstmrStmt)")),
                    @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                            schema = @Schema(implementation = StatementUpload.class))}))
    public ReconciliationAnswer reconcile(@RequestBody byte[] body,
                                          @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType) {
        Part statement = MultipartBody.isMultipartFormData(contentType) ? uploadedFile(contentType, body)
                : new Part("body", null, contentType, body);
        ParsedStatement parsed;
        try {
            // a part without a Content-Type is read by its content, as a text/plain body is
            parsed = parser.parse(statement.content(), statement.contentType());
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

    private static Part uploadedFile(String contentType, byte[] body) {
        try {
            return MultipartBody.parse(contentType, body).part("file").orElseThrow(() -> new RuleViolation(
                    ProblemType.VALIDATION_FAILED, "the multipart/form-data upload has no part named file"));
        } catch (MultipartBody.Malformed malformed) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "multipart/form-data: " + malformed.getMessage());
        }
    }
}
