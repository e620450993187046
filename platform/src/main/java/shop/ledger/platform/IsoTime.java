package shop.ledger.platform;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The written forms of time the ledger reads from outside (query filters, providers' statements): an ISO-8601
 * instant ({@code 2025-03-14T10:15:30Z}), a date-time with an offset ({@code 2025-03-14T12:15:30+02:00}), or a
 * date ({@code 2025-03-14}). What a date stands for (the start or the end of its UTC day) is the caller's to say.
 */
public final class IsoTime {

    private IsoTime() {
    }

    /** An instant, or a date-time with an offset; empty for anything else, a date among them. */
    public static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException notAnInstant) {
            // perhaps with an offset
        }
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException notWithOffset) {
            return Optional.empty();
        }
    }

    /** A date; empty for anything else. */
    public static Optional<LocalDate> date(String text) {
        try {
            return Optional.of(LocalDate.parse(text));
        } catch (DateTimeParseException notADate) {
            return Optional.empty();
        }
    }
}
