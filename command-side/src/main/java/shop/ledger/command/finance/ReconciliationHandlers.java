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

import java.sql.ResultSet;
import java.sql.SQLException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Matches a payout provider's statement against the ledger's withdrawals (R10) and records the run, all in
 * one transaction: either every matched withdrawal is marked reconciled together with the run's event, or
 * nothing is.
 */
@Component
public class ReconciliationHandlers {

    /** The matching rules, recorded with every run so its result can be replayed and explained. */
    public static final String RULES = "v2: statement reference = the provider's payout reference, or the withdrawal "
            + "id with or without hyphens; then amount, currency and status (PAID/FAILED) compared; a withdrawal "
            + "named by two lines is matched by the first; unmatched withdrawals = PAID, not yet reconciled, paid "
            + "before the end of the statement's last booking day (UTC) and absent from the statement";

    /** A withdrawal id as providers print it: the UUID's 32 hex digits, with its four hyphens or none. */
    private static final Pattern WITHDRAWAL_ID = Pattern.compile(
            "([0-9a-fA-F]{8})(-?)([0-9a-fA-F]{4})\\2([0-9a-fA-F]{4})\\2([0-9a-fA-F]{4})\\2([0-9a-fA-F]{12})");

    private static final String SELECT_PAYOUT = "SELECT withdrawal_id, status, amount, currency, reconciled "
            + "FROM payout_record";

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
            if (!onStatement.add(ledger.withdrawalId())) {
                // the same withdrawal under its other name (payout reference and id, hyphens or none)
                mismatches.add(new Mismatch(line.payoutReference(), ledger.withdrawalId(), "reference",
                        line.payoutReference(), "matched by an earlier line of the statement"));
                continue;
            }
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

    /**
     * The withdrawal a statement line names: by the provider's payout reference (payout_record keeps it with the
     * payout's events; a reference two payouts share matches neither), else by the withdrawal id, which camt.053
     * statements print without hyphens (EndToEndId holds 35 characters). ReconciliationApiTest.
     */
    private Optional<Payout> payout(String reference) {
        String text = reference.strip();
        List<Payout> byPayoutReference = jdbc.sql(SELECT_PAYOUT + " WHERE payout_reference = ? LIMIT 2")
                                             .param(text).query(ReconciliationHandlers::payout).list();
        if (!byPayoutReference.isEmpty()) {
            return byPayoutReference.size() == 1 ? Optional.of(byPayoutReference.get(0)) : Optional.empty();
        }
        Matcher id = WITHDRAWAL_ID.matcher(text);
        if (!id.matches()) {
            return Optional.empty();
        }
        UUID withdrawalId = UUID.fromString(String.join("-", id.group(1), id.group(3), id.group(4), id.group(5),
                id.group(6)));
        return jdbc.sql(SELECT_PAYOUT + " WHERE withdrawal_id = ?").param(withdrawalId)
                   .query(ReconciliationHandlers::payout).optional();
    }

    private static Payout payout(ResultSet rs, int row) throws SQLException {
        return new Payout(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5));
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
