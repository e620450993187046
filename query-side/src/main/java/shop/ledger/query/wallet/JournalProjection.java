package shop.ledger.query.wallet;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletEvents.BalanceAdjusted;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.api.wallet.WalletEvents.FundsReserved;
import shop.ledger.api.wallet.WalletEvents.MoneyMoved;
import shop.ledger.api.wallet.WalletEvents.ReservationCaptured;
import shop.ledger.api.wallet.WalletEvents.ReservationReleased;
import shop.ledger.api.wallet.WalletQueries.FindTrialBalance;
import shop.ledger.api.wallet.WalletQueries.TrialBalance;
import shop.ledger.api.wallet.WalletQueries.TrialBalances;

import java.sql.Timestamp;
import java.util.List;
import java.util.UUID;
import shop.ledger.query.support.ReadModelTables;

/**
 * The double-entry journal. Every wallet movement posts one debit and one equal credit (debits positive,
 * credits negative) between the ledger's accounts, so the postings of each currency sum to zero:
 * <pre>
 *   deposit            Dr payment_clearing     Cr customer_available
 *   reserve            Dr customer_available   Cr customer_held
 *   capture (order)    Dr customer_held        Cr revenue
 *   capture (payout)   Dr customer_held        Cr payout_clearing
 *   release            Dr customer_held        Cr customer_available
 *   adjustment credit  Dr adjustments          Cr customer_available
 *   adjustment debit   Dr customer_available   Cr adjustments
 * </pre>
 */
@Component
@ProcessingGroup(JournalProjection.PROCESSING_GROUP)
@ReadModelTables("journal_posting")
public class JournalProjection {

    public static final String PROCESSING_GROUP = "journal";

    public enum Account {
        CUSTOMER_AVAILABLE, CUSTOMER_HELD, PAYMENT_CLEARING, REVENUE, PAYOUT_CLEARING, ADJUSTMENTS
    }

    private static final String POST = """
            INSERT INTO journal_posting (event_id, leg, occurred_at, account, wallet_id, currency, amount)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, leg) DO NOTHING""";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public JournalProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(MoneyMoved event, EventMessage<?> message) {
        long amount = Math.abs(event.amount().amount());
        Account debit;
        Account credit;
        if (event instanceof FundsDeposited) {
            debit = Account.PAYMENT_CLEARING;
            credit = Account.CUSTOMER_AVAILABLE;
        } else if (event instanceof FundsReserved) {
            debit = Account.CUSTOMER_AVAILABLE;
            credit = Account.CUSTOMER_HELD;
        } else if (event instanceof ReservationCaptured captured) {
            debit = Account.CUSTOMER_HELD;
            credit = captured.purpose() == ReservationPurpose.WITHDRAWAL ? Account.PAYOUT_CLEARING : Account.REVENUE;
        } else if (event instanceof ReservationReleased) {
            debit = Account.CUSTOMER_HELD;
            credit = Account.CUSTOMER_AVAILABLE;
        } else if (((BalanceAdjusted) event).amount().amount() > 0) {
            debit = Account.ADJUSTMENTS;
            credit = Account.CUSTOMER_AVAILABLE;
        } else {
            debit = Account.CUSTOMER_AVAILABLE;
            credit = Account.ADJUSTMENTS;
        }
        post(message, 0, debit, event.walletId(), event.amount().currency(), amount);
        post(message, 1, credit, event.walletId(), event.amount().currency(), -amount);
    }

    private void post(EventMessage<?> message, int leg, Account account, UUID walletId, String currency, long amount) {
        // a posting is its own row: every posting of a batch goes in one JDBC batch
        writes.write(List.of(message.getIdentifier(), leg), POST,
                message.getIdentifier(), leg, Timestamp.from(message.getTimestamp()), account.name(), walletId,
                currency, amount);
    }

    @QueryHandler
    public TrialBalances handle(FindTrialBalance query) {
        return new TrialBalances(jdbc.sql("""
                                              SELECT currency,
                                                     COALESCE(SUM(amount) FILTER (WHERE amount > 0), 0) AS debits,
                                                     COALESCE(-SUM(amount) FILTER (WHERE amount < 0), 0) AS credits,
                                                     COALESCE(SUM(amount), 0) AS net
                                              FROM journal_posting GROUP BY currency ORDER BY currency""")
                                         .query((rs, n) -> new TrialBalance(rs.getString(1), rs.getLong(2),
                                                 rs.getLong(3), rs.getLong(4)))
                                         .list());
    }
}
