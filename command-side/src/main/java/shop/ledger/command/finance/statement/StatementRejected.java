package shop.ledger.command.finance.statement;

/**
 * A provider statement that cannot be read as a whole: the reconciliation answers 400 naming the line that
 * failed and applies nothing.
 *
 * <p>{@code lineNumber} is, for a CSV statement, the physical line of the file counted from 1 (the header is
 * line 1, the first payout line 2); for a camt.053 statement, the 1-based ordinal of the entry ({@code Ntry})
 * in document order across all its {@code Stmt}. {@code 0} means the statement as a whole (empty, too large,
 * of an unsupported type, not well-formed XML outside any entry, a DOCTYPE declaration).
 */
public class StatementRejected extends RuntimeException {

    private final int lineNumber;
    private final String reason;

    public StatementRejected(int lineNumber, String reason) {
        super((lineNumber > 0 ? "line " + lineNumber + ": " : "") + reason, null, false, false);
        this.lineNumber = lineNumber;
        this.reason = reason;
    }

    /** The failing CSV line (header = 1), or the failing camt.053 entry's ordinal; 0 for the whole statement. */
    public int lineNumber() {
        return lineNumber;
    }

    /** What is wrong, for the finance team (never more than a short excerpt of the offending value). */
    public String reason() {
        return reason;
    }
}
