package shop.ledger.api.common;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An amount of money in integer minor units (cents for USD) of one ISO-4217 currency.
 * Arithmetic is exact and refuses to overflow: a ledger must never wrap around.
 */
public record Money(long amount, String currency) {

    /**
     * The largest single amount the ledger accepts (one billion in major units): every sum of such
     * movements is checked with exact arithmetic, and this bound keeps honest totals far below overflow.
     */
    public static final long MAX_AMOUNT = 100_000_000_000L;

    private static final Pattern ISO_4217 = Pattern.compile("[A-Z]{3}");

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (!ISO_4217.matcher(currency).matches()) {
            throw new IllegalArgumentException("currency must be an ISO-4217 code, got " + currency);
        }
    }

    public static Money of(long amount, String currency) {
        return new Money(amount, currency);
    }

    public boolean positive() {
        return amount > 0;
    }

    public Money negate() {
        return new Money(Math.negateExact(amount), currency);
    }
}
