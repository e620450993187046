package shop.ledger.command.finance.statement;

import shop.ledger.api.common.Money;
import shop.ledger.platform.IsoTime;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Currency;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The values of a statement line as both formats carry them, checked the same way: a payout reference,
 * an amount in major units of an ISO-4217 currency, a booking instant. Each check names the line it is for.
 */
final class StatementValues {

    /** The longest payout reference accepted (ISO 20022 allows 35; providers' own references stay far below). */
    static final int MAX_REFERENCE_LENGTH = 255;

    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,20}(\\.[0-9]{1,20})?");
    private static final Pattern ISO_4217 = Pattern.compile("[A-Z]{3}");
    private static final int EXCERPT = 40;
    /** Bookings are dated within these bounds (years 1970 to 9999). */
    static final Instant EARLIEST_BOOKING = Instant.parse("1970-01-01T00:00:00Z");
    static final Instant LATEST_BOOKING = Instant.parse("9999-01-01T00:00:00Z");

    private StatementValues() {
    }

    static String reference(int line, String raw) {
        if (raw == null || raw.isBlank()) {
            throw new StatementRejected(line, "the payout reference is missing");
        }
        String reference = raw.strip();
        if (reference.length() > MAX_REFERENCE_LENGTH) {
            throw new StatementRejected(line, "the payout reference is longer than " + MAX_REFERENCE_LENGTH
                    + " characters");
        }
        for (int i = 0; i < reference.length(); i++) {
            if (Character.isISOControl(reference.charAt(i))) {
                throw new StatementRejected(line, "the payout reference contains a control character");
            }
        }
        return reference;
    }

    /**
     * A provider's status word, read as the ledger's: {@code PAID}, {@code BOOKED}, {@code SETTLED} or
     * {@code COMPLETED} is PAID; {@code FAILED}, {@code RETURNED} or {@code REVERSED} is FAILED (any case).
     * Any other word refuses the statement (API.md v2, Withdrawals; ReconciliationApiTest).
     */
    static String status(int line, String raw) {
        String word = raw == null ? "" : raw.strip();
        return switch (word.toUpperCase(Locale.ROOT)) {
            case "PAID", "BOOKED", "SETTLED", "COMPLETED" -> "PAID";
            case "FAILED", "RETURNED", "REVERSED" -> "FAILED";
            default -> throw new StatementRejected(line, "status " + quote(word) + " is none of PAID, BOOKED, "
                    + "SETTLED, COMPLETED (paid) or FAILED, RETURNED, REVERSED (failed)");
        };
    }

    static String currency(int line, String raw) {
        String code = raw == null ? "" : raw.strip();
        if (!ISO_4217.matcher(code).matches()) {
            throw new StatementRejected(line, "currency " + quote(code) + " is not an ISO-4217 code (3 upper-case letters)");
        }
        try {
            Currency currency = Currency.getInstance(code);
            if (currency.getDefaultFractionDigits() < 0) {
                throw new StatementRejected(line, "currency " + code + " has no minor unit and cannot be paid out");
            }
        } catch (IllegalArgumentException unknown) {
            throw new StatementRejected(line, "currency " + quote(code) + " is not a known ISO-4217 currency");
        }
        return code;
    }

    /**
     * An amount in major units ("12.5" USD is 1250 cents) with at most the currency's minor digits, positive,
     * and no larger than a single movement of the ledger ({@link Money#MAX_AMOUNT}).
     */
    static Money amount(int line, String raw, String currency) {
        String text = raw == null ? "" : raw.strip();
        if (text.isEmpty()) {
            throw new StatementRejected(line, "the amount is missing");
        }
        if (text.startsWith("-")) {
            throw new StatementRejected(line, "amount " + quote(text) + " is negative");
        }
        if (!DECIMAL.matcher(text).matches()) {
            throw new StatementRejected(line, "amount " + quote(text)
                    + " is not a decimal number in major units (digits, optionally a '.' and the minor digits)");
        }
        int digits = Currency.getInstance(currency).getDefaultFractionDigits();
        BigDecimal major = new BigDecimal(text);
        if (major.stripTrailingZeros().scale() > digits) {
            throw new StatementRejected(line, "amount " + quote(text) + " has more than " + digits
                    + " decimal digits, the minor unit of " + currency);
        }
        long minor;
        try {
            minor = major.movePointRight(digits).longValueExact();
        } catch (ArithmeticException overflow) {
            throw new StatementRejected(line, "amount " + quote(text) + " is too large");
        }
        if (minor > Money.MAX_AMOUNT) {
            throw new StatementRejected(line, "amount " + quote(text) + " is larger than any single payout ("
                    + BigDecimal.valueOf(Money.MAX_AMOUNT, digits).toPlainString() + " " + currency + ")");
        }
        if (minor == 0) {
            throw new StatementRejected(line, "amount " + quote(text) + " is zero");
        }
        return Money.of(minor, currency);
    }

    /**
     * An ISO-8601 instant ({@code 2025-03-14T10:15:30Z}), a date-time with an offset, or a date (the start of
     * that day in UTC). A date-time without an offset is read as UTC only when {@code localIsUtc}. Years 1970 to
     * 9998 only.
     */
    static Instant instant(int line, String raw, boolean localIsUtc) {
        Instant instant = parseInstant(line, raw, localIsUtc);
        // a year like +999999999 parses, but no day after it exists: the matching would overflow on it
        if (instant.isBefore(EARLIEST_BOOKING) || !instant.isBefore(LATEST_BOOKING)) {
            throw new StatementRejected(line, "booking time " + quote(raw.strip()) + " is not between "
                    + EARLIEST_BOOKING + " and " + LATEST_BOOKING);
        }
        return instant;
    }

    private static Instant parseInstant(int line, String raw, boolean localIsUtc) {
        String text = raw == null ? "" : raw.strip();
        if (text.isEmpty()) {
            throw new StatementRejected(line, "the booking time is missing");
        }
        Optional<Instant> written = IsoTime.instant(text)
                .or(() -> IsoTime.date(text).map(day -> day.atStartOfDay(ZoneOffset.UTC).toInstant()));
        if (written.isPresent()) {
            return written.get();
        }
        if (localIsUtc) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                // reported below
            }
        }
        throw new StatementRejected(line, "booking time " + quote(text)
                + " is not an ISO-8601 instant (2025-03-14T10:15:30Z) or date (2025-03-14)");
    }

    /** A short, printable excerpt of an offending value for the error message. */
    static String quote(String value) {
        StringBuilder shown = new StringBuilder("'");
        int length = Math.min(value.length(), EXCERPT);
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            shown.append(Character.isISOControl(c) ? '?' : c);
        }
        return shown.append(value.length() > EXCERPT ? "…'" : "'").toString();
    }
}
