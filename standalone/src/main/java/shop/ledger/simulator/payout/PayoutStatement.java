package shop.ledger.simulator.payout;

import shop.ledger.simulator.payout.PayoutSimulator.Payout;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.List;

/**
 * The provider's daily statement as CSV, the format finance reconciles against:
 * <pre>
 * payout_reference,amount,currency,status,booked_at
 * 6f1c2b8e-4d0a-4c55-9a57-0c3e7d2b9f10,12.50,USD,PAID,2025-03-14T09:26:57.102Z
 * </pre>
 * {@code payout_reference} is the client's reference (its Idempotency-Key: the ledger's withdrawal id), which is what
 * finance matches on; {@code amount} is in major units with the currency's decimals, at least two (12.50 USD,
 * 1250.00 JPY, 1.250 BHD); {@code status} is PAID or FAILED; {@code booked_at} an ISO-8601 instant. Lines end with
 * LF; a field holding a comma, a quote or a line break is quoted (RFC 4180).
 */
public final class PayoutStatement {

    public static final String HEADER = "payout_reference,amount,currency,status,booked_at";

    private PayoutStatement() {
    }

    public static String csv(List<Payout> booked) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (Payout payout : booked) {
            csv.append(field(payout.reference())).append(',')
               .append(majorUnits(payout.amount(), payout.currency())).append(',')
               .append(field(payout.currency())).append(',')
               .append(payout.status()).append(',')
               .append(payout.bookedAt()).append('\n');
        }
        return csv.toString();
    }

    /** 1250 USD -> "12.50"; the currency's own decimals, but never fewer than two. */
    static String majorUnits(long minorUnits, String currency) {
        int decimals;
        try {
            decimals = Currency.getInstance(currency).getDefaultFractionDigits();
        } catch (IllegalArgumentException unknown) {
            decimals = 2;
        }
        decimals = decimals < 0 ? 2 : decimals;
        return BigDecimal.valueOf(minorUnits, decimals).setScale(Math.max(2, decimals), RoundingMode.UNNECESSARY)
                         .toPlainString();
    }

    private static String field(String value) {
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }
}
