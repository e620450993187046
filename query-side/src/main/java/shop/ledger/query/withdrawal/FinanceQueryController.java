package shop.ledger.query.withdrawal;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.withdrawal.Withdrawals.FindReconciliation;
import shop.ledger.api.withdrawal.Withdrawals.FindWithdrawals;
import shop.ledger.api.withdrawal.Withdrawals.Mismatch;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPage;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalStatus;
import shop.ledger.platform.IsoTime;
import shop.ledger.platform.web.Cursors;
import shop.ledger.platform.web.Page;
import shop.ledger.query.position.ReadModel;
import shop.ledger.query.withdrawal.WithdrawalQueryController.WithdrawalResponse;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The finance team's reads (R10), FINANCE only ({@code /api/finance/**}): every customer's withdrawals, as a
 * page or as a CSV export of a whole period, and the reconciliation runs recorded against the provider's
 * statements.
 */
@RestController
@ReadModel(WithdrawalProjection.PROCESSING_GROUP)
@Tag(name = "Finance")
public class FinanceQueryController {

    static final String CSV = "text/csv";
    private static final String PERIOD = "ISO-8601 instant (2025-03-14T00:00:00Z) or date (2025-03-14, the start of "
            + "that day in UTC; for 'to' the whole day is included)";

    /**
     * A reconciliation run: counts and, beside them, the ids they count.
     *
     * @param matched                      withdrawals matched to a statement line ({@code matchedWithdrawals})
     * @param unmatchedStatementLines      statement lines no withdrawal matched ({@code unmatchedStatementReferences})
     * @param unmatchedWithdrawals         withdrawals awaiting a statement line that had none ({@code unmatchedWithdrawalIds})
     * @param mismatches                   statement lines and withdrawals that matched by reference but disagree
     */
    public record ReconciliationResponse(UUID reconciliationId, String format, String rules, int statementLines,
                                         int matched, int unmatchedStatementLines, int unmatchedWithdrawals,
                                         List<Mismatch> mismatches, String submittedBy, Instant completedAt,
                                         List<UUID> matchedWithdrawals, List<String> unmatchedStatementReferences,
                                         List<UUID> unmatchedWithdrawalIds) {

        static ReconciliationResponse of(ReconciliationCompleted run) {
            List<UUID> matched = orEmpty(run.matchedWithdrawals());
            List<String> unmatchedLines = orEmpty(run.unmatchedStatementLines());
            List<UUID> unmatchedWithdrawals = orEmpty(run.unmatchedWithdrawals());
            return new ReconciliationResponse(run.reconciliationId(), run.format(), run.rules(), run.statementLines(),
                    matched.size(), unmatchedLines.size(), unmatchedWithdrawals.size(), orEmpty(run.mismatches()),
                    run.submittedBy(), run.completedAt(), matched, unmatchedLines, unmatchedWithdrawals);
        }

        private static <T> List<T> orEmpty(List<T> list) {
            return list == null ? List.of() : list;
        }
    }

    private final QueryGateway queries;

    public FinanceQueryController(QueryGateway queries) {
        this.queries = queries;
    }

    @GetMapping("/api/finance/withdrawals")
    @Operation(summary = "Every customer's withdrawals, newest first, by status and period of request",
            description = "With Accept: text/csv or format=csv the whole selection comes as one CSV file instead "
                    + "(no paging): " + WithdrawalCsv.HEADER_LINE)
    public Page<WithdrawalResponse> withdrawals(@RequestParam(required = false) WithdrawalStatus status,
                                                @Parameter(description = "true: only those the payout provider "
                                                        + "keeps refusing, which staff must look at; false: the others")
                                                @RequestParam(required = false) Boolean needsAttention,
                                                @Parameter(description = "requested at or after; " + PERIOD)
                                                @RequestParam(required = false) String from,
                                                @Parameter(description = "requested before; " + PERIOD)
                                                @RequestParam(required = false) String to,
                                                @RequestParam(required = false) Integer limit,
                                                @RequestParam(required = false) String cursor,
                                                @Parameter(description = "csv for the CSV export; json (the default)")
                                                @RequestParam(required = false) String format) {
        if (format != null && !format.equals("json")) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "format must be csv or json");
        }
        Period period = Period.of(from, to);
        WithdrawalPage page = queries.query(new FindWithdrawals(null, status, period.from(), period.to(),
                Cursors.limit(limit), Cursors.decode(cursor), needsAttention), WithdrawalPage.class).join();
        return new Page<>(page.items().stream().map(WithdrawalResponse::of).toList(),
                Cursors.encode(page.nextBeforePosition()));
    }

    /** The CSV export asked for by {@code Accept: text/csv}. */
    @GetMapping(value = "/api/finance/withdrawals", produces = CSV)
    @Operation(summary = "Every customer's withdrawals, newest first, by status and period of request",
            description = "With Accept: text/csv or format=csv the whole selection comes as one CSV file instead "
                    + "(no paging): " + WithdrawalCsv.HEADER_LINE)
    @ApiResponse(responseCode = "200", description = "OK", content = @Content(mediaType = CSV,
            schema = @Schema(type = "string", description = WithdrawalCsv.HEADER_LINE)))
    public void withdrawalsCsv(@RequestParam(required = false) WithdrawalStatus status,
                               @RequestParam(required = false) String from,
                               @RequestParam(required = false) String to,
                               HttpServletResponse response) throws IOException {
        export(status, from, to, response);
    }

    /** The CSV export asked for by {@code ?format=csv}. */
    @GetMapping(value = "/api/finance/withdrawals", params = "format=csv")
    @Operation(hidden = true)
    public void withdrawalsCsvByParameter(@RequestParam(required = false) WithdrawalStatus status,
                                          @RequestParam(required = false) String from,
                                          @RequestParam(required = false) String to,
                                          HttpServletResponse response) throws IOException {
        export(status, from, to, response);
    }

    @ReadModel(ReconciliationProjection.PROCESSING_GROUP)
    @GetMapping("/api/finance/reconciliations/{reconciliationId}")
    @Operation(summary = "One reconciliation run: what matched, what did not, and what disagreed")
    public ReconciliationResponse reconciliation(@PathVariable UUID reconciliationId) {
        Optional<ReconciliationCompleted> run = queries.query(new FindReconciliation(reconciliationId),
                ResponseTypes.optionalInstanceOf(ReconciliationCompleted.class)).join();
        return run.map(ReconciliationResponse::of)
                  .orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such reconciliation"));
    }

    /**
     * Streams the whole selection, newest first, a page of {@value Cursors#MAX_LIMIT} at a time: memory stays
     * flat however long the period. The parameters are checked before anything is written, so a bad request
     * still answers problem+json.
     */
    private void export(WithdrawalStatus status, String from, String to, HttpServletResponse response)
            throws IOException {
        Period period = Period.of(from, to);
        response.setContentType(CSV + ";charset=UTF-8");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"withdrawals.csv\"");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        PrintWriter out = response.getWriter();
        out.write(WithdrawalCsv.HEADER_LINE + WithdrawalCsv.EOL);
        Long before = null;
        do {
            WithdrawalPage page = queries.query(new FindWithdrawals(null, status, period.from(), period.to(),
                    Cursors.MAX_LIMIT, before, null), WithdrawalPage.class).join();
            page.items().forEach(view -> out.write(WithdrawalCsv.line(view)));
            out.flush();
            before = page.nextBeforePosition();
        } while (before != null);
    }

    /** The period of request: {@code from} inclusive, {@code to} exclusive (a date as {@code to} includes that day). */
    record Period(Instant from, Instant to) {

        static Period of(String from, String to) {
            Period period = new Period(bound("from", from, false), bound("to", to, true));
            if (period.from != null && period.to != null && !period.from.isBefore(period.to)) {
                throw new RuleViolation(ProblemType.VALIDATION_FAILED, "from must be before to");
            }
            return period;
        }

        private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
        private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

        private static Instant bound(String name, String value, boolean end) {
            Instant bound = parse(name, value, end);
            // the database's timestamps end long before Instant's: refuse rather than overflow
            if (bound != null && (bound.isBefore(EARLIEST) || bound.isAfter(LATEST))) {
                throw new RuleViolation(ProblemType.VALIDATION_FAILED, name + " must be between years 1 and 9999");
            }
            return bound;
        }

        private static Instant parse(String name, String value, boolean end) {
            if (value == null || value.isBlank()) {
                return null;
            }
            String text = value.strip();
            // a date stands for the start of its UTC day, or as an end for the start of the next
            return IsoTime.instant(text)
                          .or(() -> IsoTime.date(text).map(day -> (end ? day.plusDays(1) : day)
                                                                  .atStartOfDay(ZoneOffset.UTC).toInstant()))
                          .orElseThrow(() -> new RuleViolation(ProblemType.VALIDATION_FAILED,
                                  name + " must be an ISO-8601 instant or date"));
        }
    }
}
