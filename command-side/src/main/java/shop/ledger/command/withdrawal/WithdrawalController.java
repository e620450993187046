package shop.ledger.command.withdrawal;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.Role;
import shop.ledger.api.withdrawal.Withdrawals.RequestWithdrawal;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalStatus;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.platform.security.SecondFactor;
import shop.ledger.platform.web.ShopCurrency;

import java.util.UUID;

@RestController
@Tag(name = "Withdrawals")
public class WithdrawalController {

    /** {@code method}: how the provider pays out, e.g. BANK_TRANSFER, PAYPAL, USDT_TRC20. */
    public record WithdrawalBody(@NotNull Long amount, @NotBlank String currency,
                                 @NotBlank @Pattern(regexp = "[A-Z0-9_]{2,32}") String method,
                                 @NotBlank @Size(max = 200) String destination) {
    }

    public record Requested(UUID withdrawalId, WithdrawalStatus status) {
    }

    private final CommandGateway commands;
    private final SecondFactor secondFactor;
    private final ShopCurrency currency;

    public WithdrawalController(CommandGateway commands, SecondFactor secondFactor, ShopCurrency currency) {
        this.commands = commands;
        this.secondFactor = secondFactor;
        this.currency = currency;
    }

    @PostMapping("/api/me/withdrawals")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Withdraw available funds; needs the X-OTP header of the caller's second factor")
    public Requested withdraw(@RequestHeader(name = "X-OTP", required = false) String otp,
                              @Valid @RequestBody WithdrawalBody body, HttpServletRequest request) {
        Caller caller = CurrentCaller.get();
        if (!caller.has(Role.CUSTOMER) || caller.walletId() == null) {
            throw new RuleViolation(ProblemType.FORBIDDEN, "withdrawals are made by customers from their wallet");
        }
        switch (secondFactor.verify(caller.accountId(), otp, request.getRemoteAddr())) {
            case NOT_ENABLED -> throw new RuleViolation(ProblemType.OTP_REQUIRED,
                    "withdrawals need two-factor authentication: enable it with POST /api/me/2fa");
            case MISSING -> throw new RuleViolation(ProblemType.OTP_REQUIRED, "send the current code in X-OTP");
            case INVALID -> throw new RuleViolation(ProblemType.INVALID_OTP, "the code is wrong, expired or already used");
            case ACCEPTED -> {
            }
        }
        UUID withdrawalId = UUID.randomUUID();
        commands.sendAndWait(new RequestWithdrawal(withdrawalId, caller.accountId(), caller.walletId(),
                currency.money(body.amount(), body.currency()), body.method(), body.destination().strip()));
        return new Requested(withdrawalId, WithdrawalStatus.REQUESTED);
    }
}
