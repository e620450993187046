package shop.ledger.query.withdrawal;

import shop.ledger.api.withdrawal.Withdrawals.WithdrawalView;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;

/**
 * The finance export of withdrawals, one line each (RFC 4180, CRLF): amounts in major units of their currency
 * ({@code 12.50}), times as ISO-8601 UTC instants, empty fields for what has not happened yet. A payout reference
 * that a spreadsheet would take for a formula (starting with = + - @ or a tab) is prefixed with an apostrophe.
 */
final class WithdrawalCsv {

    static final String HEADER_LINE =
            "withdrawal_id,customer_id,amount,currency,status,requested_at,payout_reference,paid_at,reconciled";
    static final String EOL = "\r\n";

    private WithdrawalCsv() {
    }

    static String line(WithdrawalView view) {
        return String.join(",",
                view.withdrawalId().toString(),
                view.customerId().toString(),
                major(view.amount().amount(), view.amount().currency()),
                view.amount().currency(),
                view.status().name(),
                instant(view.requestedAt()),
                field(defuse(view.payoutReference())),
                instant(view.paidAt()),
                Boolean.toString(view.reconciled())) + EOL;
    }

    /** 1250 USD cents as "12.50"; 1500 JPY as "1500". */
    static String major(long minor, String currency) {
        int digits;
        try {
            digits = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
        } catch (IllegalArgumentException unknown) {
            digits = 2;
        }
        return BigDecimal.valueOf(minor, digits).toPlainString();
    }

    private static String instant(Instant instant) {
        return instant == null ? "" : instant.toString();
    }

    private static String defuse(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        char first = text.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                ? "'" + text : text;
    }

    /** Quoted when it holds a comma, a quote or a line break; quotes doubled. */
    static String field(String text) {
        if (text == null) {
            return "";
        }
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
