package shop.ledger.command.finance.statement;

import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import java.util.List;
import java.util.Objects;

/**
 * A provider statement read whole and valid: its format and its payout lines in document order.
 *
 * @param format {@link #CSV} or {@link #CAMT053}
 * @param lines  one per payout: amounts in minor units, status {@code PAID} or {@code FAILED}, unique payout
 *               references; {@code lineNumber} as in {@link StatementRejected}
 */
public record ParsedStatement(String format, List<StatementLine> lines) {

    public static final String CSV = "CSV";
    public static final String CAMT053 = "CAMT053";

    public ParsedStatement {
        Objects.requireNonNull(format, "format");
        lines = List.copyOf(lines);
    }
}
