package shop.ledger.command.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.security.CurrentCaller;

import java.util.UUID;

/** Erasure of a customer's personal data (R11), for ADMIN (the security chain guards /api/admin/**). */
@RestController
@Tag(name = "Identity")
public class ErasureController {

    private final Accounts accounts;

    public ErasureController(Accounts accounts) {
        this.accounts = accounts;
    }

    @DeleteMapping("/api/admin/customers/{customerId}/personal-data")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Erase a customer's personal data (ADMIN): their data key is destroyed, so their email, "
            + "IMEIs and payout destinations read \"[erased]\" everywhere from then on; amounts and the audit trail "
            + "stay; the account can no longer log in. Recorded as PersonalDataErased; erasing again changes nothing "
            + "(204); an unknown customer is 404")
    public void erase(@PathVariable UUID customerId) {
        if (!accounts.erasePersonalData(customerId, CurrentCaller.get().accountId())) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such customer");
        }
    }
}
