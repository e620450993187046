package shop.ledger.command.wallet;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.wallet.WalletCommands.DepositFunds;

import java.util.Optional;
import java.util.UUID;

/**
 * Credits a wallet at most once per payment-provider reference. The reference is claimed in a
 * set-based table in the same transaction as the deposit event, so two concurrent deliveries of one
 * payment cannot both credit: the second waits on the unique key and then finds the first.
 */
@Service
public class Deposits {

    /** The deposit, and whether this call made it (false: the reference was seen before). */
    public record Outcome(UUID depositId, boolean created) {
    }

    private final JdbcClient jdbc;
    private final CommandGateway commands;

    public Deposits(JdbcClient jdbc, CommandGateway commands) {
        this.jdbc = jdbc;
        this.commands = commands;
    }

    @Transactional
    public Outcome deposit(UUID walletId, Money amount, String providerReference) {
        UUID depositId = UUID.randomUUID();
        int claimed = jdbc.sql("""
                        INSERT INTO deposit_reference (provider_reference, wallet_id, deposit_id, amount, currency)
                        VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider_reference) DO NOTHING""")
                          .params(providerReference, walletId, depositId, amount.amount(), amount.currency())
                          .update();
        if (claimed == 0) {
            return new Outcome(earlier(walletId, amount, providerReference), false);
        }
        commands.sendAndWait(new DepositFunds(walletId, depositId, amount, providerReference));
        return new Outcome(depositId, true);
    }

    private UUID earlier(UUID walletId, Money amount, String providerReference) {
        record Earlier(UUID walletId, UUID depositId, long amount, String currency) {
        }
        Optional<Earlier> earlier = jdbc.sql(
                        "SELECT wallet_id, deposit_id, amount, currency FROM deposit_reference WHERE provider_reference = ?")
                .param(providerReference)
                .query((rs, n) -> new Earlier(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getLong(3),
                        rs.getString(4)))
                .optional();
        Earlier found = earlier.orElseThrow(() -> new IllegalStateException("claimed reference vanished"));
        if (!found.walletId().equals(walletId) || found.amount() != amount.amount()
                || !found.currency().equals(amount.currency())) {
            throw new RuleViolation(ProblemType.CONFLICT,
                    "providerReference " + providerReference + " was already used for another deposit");
        }
        return found.depositId();
    }
}
