package shop.ledger.command.finance.statement;

/**
 * A statement sent with a content type that is neither CSV nor XML (for instance {@code application/json}),
 * or generic content that looks like neither. Always {@link #lineNumber()} 0. A subtype, so a caller may answer
 * 415 instead of 400 if it likes; it is a {@link StatementRejected} all the same.
 */
public class UnsupportedStatementType extends StatementRejected {

    public UnsupportedStatementType(String reason) {
        super(0, reason);
    }
}
