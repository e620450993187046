package shop.ledger.query.wallet;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.wallet.WalletEvents.BalanceAdjusted;
import shop.ledger.api.wallet.WalletEvents.FundsDeposited;
import shop.ledger.api.wallet.WalletEvents.FundsReserved;
import shop.ledger.api.wallet.WalletEvents.MoneyMoved;
import shop.ledger.api.wallet.WalletEvents.ReservationCaptured;
import shop.ledger.api.wallet.WalletEvents.ReservationReleased;
import shop.ledger.api.wallet.WalletEvents.WalletOpened;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletQueries.FindStatement;
import shop.ledger.api.wallet.WalletQueries.FindWallet;
import shop.ledger.api.wallet.WalletQueries.FindWalletOfCustomer;
import shop.ledger.api.wallet.WalletQueries.StatementLine;
import shop.ledger.api.wallet.WalletQueries.StatementPage;
import shop.ledger.api.wallet.WalletQueries.WalletView;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import shop.ledger.query.support.KeysetPage;
import shop.ledger.query.support.ReadModelTables;

/**
 * The wallet read model: balances and statement lines. Each line records the balances the event left
 * behind. Rows are written in the processor's transaction, with its token: a batch is applied exactly
 * once, and a redelivered event changes nothing (lines are keyed by event id, balances by sequence).
 * Writes are batched per processor batch ({@link BatchedWrites}): of a wallet's balance updates in one
 * batch only the newest is sent, as the balances each event states make the earlier ones redundant.
 */
@Component
@ProcessingGroup(WalletProjection.PROCESSING_GROUP)
@ReadModelTables({"wallet_view", "statement_line"})
public class WalletProjection {

    public static final String PROCESSING_GROUP = "wallets";

    private static final String OPEN_WALLET = """
            INSERT INTO wallet_view (wallet_id, customer_id, currency, available, held, last_sequence)
            VALUES (?, ?, ?, 0, 0, ?) ON CONFLICT (wallet_id) DO NOTHING""";
    private static final String SET_BALANCES = """
            UPDATE wallet_view SET available = ?, held = ?, last_sequence = ?
            WHERE wallet_id = ? AND last_sequence < ?""";
    private static final String ADD_LINE = """
            INSERT INTO statement_line (line_id, wallet_id, sequence, occurred_at, kind, amount,
                available_change, held_change, available_after, held_after,
                order_id, withdrawal_id, refund_case_id, deposit_id, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (line_id) DO NOTHING""";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public WalletProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(WalletOpened event, DomainEventMessage<?> message) {
        writes.write(event.walletId(), OPEN_WALLET,
                event.walletId(), event.customerId(), event.currency(), message.getSequenceNumber());
    }

    @EventHandler
    void on(MoneyMoved event, DomainEventMessage<?> message) {
        long sequence = message.getSequenceNumber();
        writes.writeLatest(event.walletId(), SET_BALANCES,
                event.availableAfter(), event.heldAfter(), sequence, event.walletId(), sequence);
        References references = References.of(event);
        UUID lineId = UUID.fromString(message.getIdentifier());
        writes.write(lineId, ADD_LINE,
                lineId, event.walletId(), sequence, Timestamp.from(message.getTimestamp()), kind(event),
                Math.abs(event.amount().amount()), event.availableChange(), event.heldChange(),
                event.availableAfter(), event.heldAfter(), references.orderId(), references.withdrawalId(),
                references.refundCaseId(), references.depositId(), references.reason());
    }

    @QueryHandler
    public Optional<WalletView> handle(FindWallet query) {
        return jdbc.sql("SELECT * FROM wallet_view WHERE wallet_id = ?").param(query.walletId())
                   .query(WalletProjection::wallet).optional();
    }

    @QueryHandler
    public Optional<WalletView> handle(FindWalletOfCustomer query) {
        return jdbc.sql("SELECT * FROM wallet_view WHERE customer_id = ?").param(query.customerId())
                   .query(WalletProjection::wallet).optional();
    }

    @QueryHandler
    public StatementPage handle(FindStatement query) {
        List<StatementLine> lines = jdbc.sql("""
                                                 SELECT * FROM statement_line
                                                 WHERE wallet_id = ? AND sequence < ?
                                                 ORDER BY sequence DESC LIMIT ?""")
                                        .params(query.walletId(),
                                                KeysetPage.before(query.beforeSequence()),
                                                KeysetPage.rowsToRead(query.limit()))
                                        .query(WalletProjection::line)
                                        .list();
        KeysetPage<StatementLine> page = KeysetPage.of(lines, query.limit(), StatementLine::sequence);
        return new StatementPage(page.items(), page.nextBefore());
    }

    static String kind(MoneyMoved event) {
        if (event instanceof FundsDeposited) {
            return "DEPOSIT";
        } else if (event instanceof FundsReserved) {
            return "RESERVE";
        } else if (event instanceof ReservationCaptured) {
            return "CAPTURE";
        } else if (event instanceof ReservationReleased) {
            return "RELEASE";
        }
        return "ADJUSTMENT";
    }

    /** The business reference of a movement, in the statement's columns. */
    record References(UUID orderId, UUID withdrawalId, UUID refundCaseId, UUID depositId, String reason) {

        static References of(MoneyMoved event) {
            if (event instanceof FundsDeposited e) {
                return new References(null, null, null, e.depositId(), null);
            } else if (event instanceof FundsReserved e) {
                return of(e.purpose(), e.referenceId(), null);
            } else if (event instanceof ReservationCaptured e) {
                return of(e.purpose(), e.referenceId(), null);
            } else if (event instanceof ReservationReleased e) {
                return of(e.purpose(), e.referenceId(), e.reason());
            }
            return new References(null, null, null, null, ((BalanceAdjusted) event).reason());
        }

        private static References of(ReservationPurpose purpose, UUID reference, String reason) {
            return switch (purpose) {
                case ORDER -> new References(reference, null, null, null, reason);
                case WITHDRAWAL -> new References(null, reference, null, null, reason);
                case REFUND_CASE_FEE -> new References(null, null, reference, null, reason);
            };
        }
    }

    private static WalletView wallet(ResultSet rs, int row) throws SQLException {
        long available = rs.getLong("available");
        long held = rs.getLong("held");
        return new WalletView(rs.getObject("wallet_id", UUID.class), rs.getObject("customer_id", UUID.class),
                rs.getString("currency"), available, held, available + held);
    }

    private static StatementLine line(ResultSet rs, int row) throws SQLException {
        return new StatementLine(rs.getObject("line_id", UUID.class), rs.getLong("sequence"),
                rs.getTimestamp("occurred_at").toInstant(), rs.getString("kind"), rs.getLong("amount"),
                rs.getLong("available_change"), rs.getLong("held_change"), rs.getLong("available_after"),
                rs.getLong("held_after"), rs.getObject("order_id", UUID.class),
                rs.getObject("withdrawal_id", UUID.class), rs.getObject("refund_case_id", UUID.class),
                rs.getObject("deposit_id", UUID.class), rs.getString("reason"));
    }
}
