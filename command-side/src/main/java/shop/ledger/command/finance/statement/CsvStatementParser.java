package shop.ledger.command.finance.statement;

import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The payout provider's CSV statement: the header {@code payout_reference,amount,currency,status,booked_at},
 * then one payout per line: amounts in major units ({@code 30.00} USD is 3000 cents), status words as
 * {@link StatementValues#status} reads them. Fields follow RFC 4180 (optionally in double quotes, a quote inside doubled);
 * spaces around a field are ignored, lines end in CRLF, LF or CR, a UTF-8 byte order mark is skipped and empty
 * lines at the end are ignored. Line numbers are those of the file: the header is line 1.
 */
final class CsvStatementParser {

    static final List<String> HEADER = List.of("payout_reference", "amount", "currency", "status", "booked_at");

    private CsvStatementParser() {
    }

    static ParsedStatement parse(String text, int maxLines) {
        List<String> physical = lines(text.startsWith("\uFEFF") ? text.substring(1) : text);
        int last = physical.size();
        while (last > 0 && physical.get(last - 1).isBlank()) {
            last--;
        }
        if (last == 0) {
            throw new StatementRejected(1, "the statement is empty; expected the header " + String.join(",", HEADER));
        }
        List<String> header = fields(1, physical.get(0));
        if (!header.equals(HEADER)) {
            throw new StatementRejected(1, "the header must be exactly " + String.join(",", HEADER));
        }
        if (last - 1 > maxLines) {
            throw new StatementRejected(maxLines + 2, "a statement may hold at most " + maxLines + " lines");
        }

        List<StatementLine> lines = new ArrayList<>(last - 1);
        Map<String, Integer> seen = new HashMap<>();
        for (int index = 1; index < last; index++) {
            int lineNumber = index + 1;
            String line = physical.get(index);
            if (line.isBlank()) {
                throw new StatementRejected(lineNumber, "empty line in the middle of the statement");
            }
            List<String> fields = fields(lineNumber, line);
            if (fields.size() != HEADER.size()) {
                throw new StatementRejected(lineNumber, "expected " + HEADER.size() + " fields ("
                        + String.join(",", HEADER) + "), found " + fields.size());
            }
            String reference = StatementValues.reference(lineNumber, fields.get(0));
            String currency = StatementValues.currency(lineNumber, fields.get(2));
            Money amount = StatementValues.amount(lineNumber, fields.get(1), currency);
            String status = StatementValues.status(lineNumber, fields.get(3));
            Instant bookedAt = StatementValues.instant(lineNumber, fields.get(4), false);
            Integer first = seen.putIfAbsent(reference, lineNumber);
            if (first != null) {
                throw new StatementRejected(lineNumber, "payout reference " + StatementValues.quote(reference)
                        + " is already on line " + first);
            }
            lines.add(new StatementLine(lineNumber, reference, amount, status, bookedAt));
        }
        return new ParsedStatement(ParsedStatement.CSV, lines);
    }

    /** The physical lines, split at CRLF, LF or a lone CR. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    /**
     * The fields of one line (RFC 4180), each stripped of surrounding spaces. A quoted field may hold commas
     * and doubled quotes; a line break inside one is not accepted (no statement value has one).
     */
    static List<String> fields(int lineNumber, String line) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && isSpace(line.charAt(i))) {
                i++;
            }
            StringBuilder field = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                if (!closed) {
                    throw new StatementRejected(lineNumber, "field " + (fields.size() + 1)
                            + " opens a quote that is not closed on this line");
                }
                while (i < n && isSpace(line.charAt(i))) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new StatementRejected(lineNumber, "field " + (fields.size() + 1)
                            + " has characters after its closing quote");
                }
                fields.add(field.toString().strip());
            } else {
                while (i < n && line.charAt(i) != ',') {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        throw new StatementRejected(lineNumber, "field " + (fields.size() + 1)
                                + " has a quote but does not start with one");
                    }
                    field.append(c);
                }
                fields.add(field.toString().strip());
            }
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
