package shop.ledger.command.wallet;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.WalletCommands.AdjustBalance;
import shop.ledger.platform.web.ShopCurrency;

import java.util.UUID;

/** Staff money movements: deposits from the payment provider and audited adjustments. */
@RestController
@RequestMapping("/api/admin/wallets/{walletId}")
@Tag(name = "Wallet (staff)")
public class WalletCommandController {

    public record DepositRequest(@NotNull Long amount, @NotBlank String currency,
                                 @NotBlank @Size(max = 255) String providerReference) {
    }

    public record DepositResponse(UUID depositId) {
    }

    public record AdjustmentRequest(@NotNull Long amount, @NotBlank String currency,
                                    @NotBlank @Size(max = 500) String reason) {
    }

    public record AdjustmentResponse(UUID adjustmentId) {
    }

    private final Deposits deposits;
    private final CommandGateway commands;
    private final ShopCurrency currency;

    public WalletCommandController(Deposits deposits, CommandGateway commands, ShopCurrency currency) {
        this.deposits = deposits;
        this.commands = commands;
        this.currency = currency;
    }

    @PostMapping("/deposits")
    @Operation(summary = "Credit a deposit (ADMIN or FINANCE); the provider reference credits at most once")
    public ResponseEntity<DepositResponse> deposit(@PathVariable UUID walletId, @Valid @RequestBody DepositRequest request) {
        Money amount = currency.money(request.amount(), request.currency());
        Deposits.Outcome outcome = deposits.deposit(walletId, amount, request.providerReference().strip());
        return ResponseEntity.status(outcome.created() ? HttpStatus.CREATED : HttpStatus.OK)
                             .body(new DepositResponse(outcome.depositId()));
    }

    @PostMapping("/adjustments")
    @Operation(summary = "Adjust a balance (ADMIN), signed amount, with a mandatory reason")
    public ResponseEntity<AdjustmentResponse> adjust(@PathVariable UUID walletId,
                                                     @Valid @RequestBody AdjustmentRequest request) {
        UUID adjustmentId = UUID.randomUUID();
        commands.sendAndWait(new AdjustBalance(walletId, adjustmentId,
                currency.money(request.amount(), request.currency()), request.reason()));
        return ResponseEntity.status(HttpStatus.CREATED).body(new AdjustmentResponse(adjustmentId));
    }
}
