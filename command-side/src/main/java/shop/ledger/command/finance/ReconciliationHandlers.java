package shop.ledger.command.finance;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.Repository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.withdrawal.Withdrawals.MarkWithdrawalReconciled;
import shop.ledger.api.withdrawal.Withdrawals.Mismatch;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import shop.ledger.api.withdrawal.Withdrawals.RunReconciliation;
import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Matches a payout provider's statement against the ledger's withdrawals (R10) and records the run, all in
 * one transaction: either every matched withdrawal is marked reconciled together with the run's event, or
 * nothing is.
 */
@Component
public class ReconciliationHandlers {

    /** The matching rules, recorded with every run so its result can be replayed and explained. */
    public static final String RULES = "v1: statement payout_reference = withdrawal id; then amount, currency and "
            + "status (PAID/FAILED) compared; unmatched withdrawals = PAID, not yet reconciled, paid before the end "
            + "of the statement's last booking day (UTC) and absent from the statement";

    private record Payout(UUID withdrawalId, String status, long amount, String currency, boolean reconciled) {
    }

    private final Repository<Reconciliation> reconciliations;
    private final CommandGateway commands;
    private final JdbcClient jdbc;
    private final Clock clock;

    public ReconciliationHandlers(Repository<Reconciliation> reconciliations, CommandGateway commands, JdbcClient jdbc,
                                  Clock clock) {
        this.reconciliations = reconciliations;
        this.commands = commands;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @CommandHandler
    public ReconciliationCompleted run(RunReconciliation command) throws Exception {
        List<UUID> matched = new ArrayList<>();
        List<String> unmatchedLines = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        Set<UUID> onStatement = new HashSet<>();
        Instant lastBooking = Instant.EPOCH;

        for (StatementLine line : command.lines()) {
            if (line.bookedAt() != null && line.bookedAt().isAfter(lastBooking)) {
                lastBooking = line.bookedAt();
            }
            Optional<Payout> payout = payout(line.payoutReference());
            if (payout.isEmpty()) {
                unmatchedLines.add(line.payoutReference());
                continue;
            }
            Payout ledger = payout.get();
            onStatement.add(ledger.withdrawalId());
            List<Mismatch> differences = compare(line, ledger);
            if (differences.isEmpty()) {
                matched.add(ledger.withdrawalId());
                if ("PAID".equals(ledger.status())) {
                    commands.sendAndWait(new MarkWithdrawalReconciled(ledger.withdrawalId(), command.reconciliationId()));
                }
            } else {
                mismatches.addAll(differences);
            }
        }

        Instant endOfLastDay = lastBooking.atZone(ZoneOffset.UTC).toLocalDate().plusDays(1).atStartOfDay(ZoneOffset.UTC)
                                          .toInstant();
        List<UUID> unmatchedWithdrawals = jdbc.sql("""
                                                       SELECT withdrawal_id FROM payout_record
                                                       WHERE status = 'PAID' AND NOT reconciled AND paid_at < ?
                                                       ORDER BY paid_at""")
                                              .param(Timestamp.from(endOfLastDay))
                                              .query(UUID.class).list()
                                              .stream().filter(id -> !onStatement.contains(id)).toList();

        ReconciliationCompleted completed = new ReconciliationCompleted(command.reconciliationId(), command.format(),
                RULES, command.lines().size(), matched, unmatchedLines, unmatchedWithdrawals, mismatches,
                command.submittedBy(), clock.instant());
        reconciliations.newInstance(() -> new Reconciliation(completed));
        return completed;
    }

    private Optional<Payout> payout(String reference) {
        UUID withdrawalId;
        try {
            withdrawalId = UUID.fromString(reference.strip());
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
        return jdbc.sql("SELECT withdrawal_id, status, amount, currency, reconciled FROM payout_record WHERE withdrawal_id = ?")
                   .param(withdrawalId)
                   .query((rs, n) -> new Payout(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3),
                           rs.getString(4), rs.getBoolean(5)))
                   .optional();
    }

    private static List<Mismatch> compare(StatementLine line, Payout ledger) {
        List<Mismatch> differences = new ArrayList<>();
        String reference = line.payoutReference();
        if (line.amount().amount() != ledger.amount()) {
            differences.add(new Mismatch(reference, ledger.withdrawalId(), "amount",
                    Long.toString(line.amount().amount()), Long.toString(ledger.amount())));
        }
        if (!line.amount().currency().equals(ledger.currency().strip())) {
            differences.add(new Mismatch(reference, ledger.withdrawalId(), "currency", line.amount().currency(),
                    ledger.currency().strip()));
        }
        String statementStatus = line.status() == null ? "" : line.status().toUpperCase();
        if (!statementStatus.equals(ledger.status())) {
            differences.add(new Mismatch(reference, ledger.withdrawalId(), "status", statementStatus, ledger.status()));
        }
        return differences;
    }
}
