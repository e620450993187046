package shop.ledger.platform.web;

import org.springframework.stereotype.Component;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.LedgerProperties;

/** The shop's one currency: amounts in any other are refused with {@code currency-mismatch}. */
@Component
public class ShopCurrency {

    private final String code;

    public ShopCurrency(LedgerProperties properties) {
        this.code = properties.currency();
        Money.of(0, code); // fail at start-up on a bad configuration
    }

    public String code() {
        return code;
    }

    public Money money(long amount, String currency) {
        if (!code.equals(currency)) {
            throw new RuleViolation(ProblemType.CURRENCY_MISMATCH, "the shop currency is " + code + ", not " + currency);
        }
        return Money.of(amount, currency);
    }
}
