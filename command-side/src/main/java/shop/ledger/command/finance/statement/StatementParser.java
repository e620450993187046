package shop.ledger.command.finance.statement;

import org.springframework.stereotype.Component;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a payout provider's statement (R10) into statement lines, all or nothing: a statement with anything
 * malformed is refused whole with a {@link StatementRejected} that names the line that failed, so the caller
 * answers 400 and applies nothing.
 *
 * <p>Formats:
 * <ul>
 *   <li>CSV ({@code text/csv}): header {@code payout_reference,amount,currency,status,booked_at}, see
 *       {@link CsvStatementParser}; the line number is the file's line, the header being line 1;</li>
 *   <li>ISO 20022 camt.053 ({@code application/xml}, {@code text/xml} or any {@code +xml} type), see
 *       {@link Camt053StatementParser}: the line number is the 1-based ordinal of the entry ({@code Ntry}).</li>
 * </ul>
 * A generic content type (none, {@code text/plain}, {@code application/octet-stream}, what browsers send for a
 * {@code .csv} file) is resolved by looking at the content: XML starts with {@code <}, anything else is read as
 * CSV. Any other type, {@code application/json} among them, is refused ({@link UnsupportedStatementType}).
 *
 * <p>In every format: amounts are in major units with at most the currency's minor digits (12.5 USD is 1250
 * cents), positive, of a known ISO-4217 currency; statuses read as PAID or FAILED; each payout reference appears
 * once; a statement holds at most {@value #MAX_LINES} lines and {@value #MAX_BYTES} bytes. Thread-safe.
 */
@Component
public class StatementParser {

    public static final int MAX_LINES = 100_000;
    public static final int MAX_BYTES = 32 * 1024 * 1024;

    private static final Set<String> CSV_TYPES = Set.of("text/csv", "application/csv", "text/x-csv",
            "text/comma-separated-values", "application/x-csv");
    private static final Set<String> XML_TYPES = Set.of("application/xml", "text/xml");
    private static final Set<String> GENERIC_TYPES = Set.of("", "*/*", "text/plain", "application/octet-stream",
            "application/vnd.ms-excel", "binary/octet-stream", "application/x-www-form-urlencoded");

    private final int maxLines;

    public StatementParser() {
        this(MAX_LINES);
    }

    /** With another line limit (tests). */
    StatementParser(int maxLines) {
        this.maxLines = maxLines;
    }

    /**
     * @param body        the statement as received
     * @param contentType the request's {@code Content-Type}, with parameters (a {@code charset} is honoured); may
     *                    be null
     * @throws StatementRejected when anything in it is malformed; {@link StatementRejected#lineNumber()} is the
     *                           CSV line (header = 1) or the camt.053 entry's ordinal, 0 for the whole statement
     */
    public ParsedStatement parse(byte[] body, String contentType) {
        if (body == null || body.length == 0) {
            throw new StatementRejected(0, "the statement is empty");
        }
        if (body.length > MAX_BYTES) {
            throw new StatementRejected(0, "the statement is larger than " + MAX_BYTES + " bytes");
        }
        String type = mediaType(contentType);
        Charset charset = charset(contentType);
        if (CSV_TYPES.contains(type)) {
            return CsvStatementParser.parse(decode(body, charset, true), maxLines);
        }
        if (XML_TYPES.contains(type) || type.endsWith("+xml")) {
            return xml(body, charset);
        }
        if (!GENERIC_TYPES.contains(type)) {
            throw new UnsupportedStatementType("content type " + type + " is not a statement format: send text/csv "
                    + "or application/xml (ISO 20022 camt.053)");
        }
        return switch (sniff(body)) {
            case '<' -> xml(body, charset);
            case '{', '[' -> throw new UnsupportedStatementType("JSON is not a statement format: send text/csv or "
                    + "application/xml (ISO 20022 camt.053)");
            default -> CsvStatementParser.parse(decode(body, charset, true), maxLines);
        };
    }

    private ParsedStatement xml(byte[] body, Charset charset) {
        // the XML declaration or byte order mark names the encoding, unless the content type did
        return charset == null ? Camt053StatementParser.parse(body, maxLines)
                : Camt053StatementParser.parse(decode(body, charset, false), maxLines);
    }

    /** The first character that is not a byte order mark or white space (ASCII-compatible encodings). */
    private static char sniff(byte[] body) {
        int i = 0;
        if (body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            i = 3;
        } else if (body.length >= 2 && ((body[0] & 0xFF) == 0xFE && (body[1] & 0xFF) == 0xFF
                || (body[0] & 0xFF) == 0xFF && (body[1] & 0xFF) == 0xFE)) {
            return '<'; // UTF-16: only XML declares itself that way
        }
        for (; i < body.length; i++) {
            char c = (char) (body[i] & 0xFF);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return c;
            }
        }
        return ' ';
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /** The content type's charset parameter, or null when it names none. */
    private static Charset charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            int equals = parameter.indexOf('=');
            if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("charset")) {
                String name = parameter.substring(equals + 1).strip().replace("\"", "");
                try {
                    return Charset.forName(name);
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    throw new UnsupportedStatementType("charset " + StatementValues.quote(name) + " is not supported");
                }
            }
        }
        return null;
    }

    /**
     * Strict decoding (UTF-8 unless named): a malformed byte is refused, with the line it is on for CSV (for XML
     * lines are entries, unknown before parsing: 0).
     */
    static String decode(byte[] body, Charset charset, boolean csv) {
        CharsetDecoder decoder = (charset == null ? StandardCharsets.UTF_8 : charset).newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16L,
                (long) (body.length * (double) decoder.maxCharsPerByte()) + 16));
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = csv ? 1 : 0;
            for (int i = 0; csv && i < in.position(); i++) {
                if (body[i] == '\n' || body[i] == '\r' && (i + 1 >= body.length || body[i + 1] != '\n')) {
                    line++;
                }
            }
            throw new StatementRejected(line, "the text is not valid " + decoder.charset().name()
                    + " (byte " + (in.position() + 1) + ")");
        }
        if (result.isOverflow()) {
            throw new IllegalStateException(new CharacterCodingException());
        }
        return out.flip().toString();
    }
}
