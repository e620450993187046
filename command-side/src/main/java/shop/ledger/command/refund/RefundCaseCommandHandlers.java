package shop.ledger.command.refund;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.catalogue.Catalogue;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.refund.RefundCases.CloseRefundCase;
import shop.ledger.api.refund.RefundCases.DecideRefundCase;
import shop.ledger.api.refund.RefundCases.EscalateRefundCase;
import shop.ledger.api.refund.RefundCases.OpenRefundCase;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;
import shop.ledger.command.catalogue.CatalogueAdmin;
import shop.ledger.command.catalogue.CatalogueService;
import shop.ledger.command.order.Order;
import shop.ledger.command.order.OrderMoney;
import shop.ledger.command.refund.RefundCase.FeeSettlement;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Opens and ends refund cases together with everything they touch, in one unit of work: the order (an
 * approval cancels it and releases its price), the case's fee in the Wallet, and the set-based rules
 * (one open case per order, a daily limit per customer).
 */
@Component
public class RefundCaseCommandHandlers {

    private final Repository<RefundCase> cases;
    private final Repository<Order> orders;
    private final Repository<CatalogueService> catalogue;
    private final CatalogueAdmin catalogueCodes;
    private final OrderMoney orderMoney;
    private final CommandGateway commands;
    private final JdbcClient jdbc;
    private final RefundSettings settings;
    private final Clock clock;

    public RefundCaseCommandHandlers(Repository<RefundCase> cases, Repository<Order> orders,
                                     Repository<CatalogueService> catalogue, CatalogueAdmin catalogueCodes,
                                     OrderMoney orderMoney, CommandGateway commands, JdbcClient jdbc,
                                     RefundSettings settings, Clock clock) {
        this.cases = cases;
        this.orders = orders;
        this.catalogue = catalogue;
        this.catalogueCodes = catalogueCodes;
        this.orderMoney = orderMoney;
        this.commands = commands;
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    /** R5 and R9: overdue, one open case per order, a daily limit; then the fee is held and the clock starts. */
    /** Answers when the decision is due. */
    @CommandHandler
    public Instant open(OpenRefundCase command) throws Exception {
        Instant now = clock.instant();
        UUID walletId = order(command.orderId()).invoke(o -> o.verificationAllowed(command.customerId(), now));

        int claimed = jdbc.sql("INSERT INTO open_refund_case (order_id, refund_case_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                          .params(command.orderId(), command.refundCaseId()).update();
        if (claimed == 0) {
            throw new RuleViolation(ProblemType.REFUND_CASE_OPEN,
                    "a verification request for this order is already open; its decision is due within 7 working days");
        }

        // one customer's requests are counted one at a time, so the limit holds under concurrency
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))").param("refund-requests:" + command.customerId())
            .query(Object.class).single();
        WorkingCalendar calendar = settings.calendar();
        long today = jdbc.sql("SELECT count(*) FROM refund_request_log WHERE customer_id = ? AND requested_at >= ?")
                         .params(command.customerId(), java.sql.Timestamp.from(calendar.startOfDay(calendar.dayOf(now))))
                         .query(Long.class).single();
        if (today >= settings.maxRequestsPerDay()) {
            throw new RuleViolation(ProblemType.TOO_MANY_REQUESTS, "at most " + settings.maxRequestsPerDay()
                    + " verification requests a day; repeated requests do not speed up the supplier");
        }

        Money fee = fee();
        if (fee.amount() > 0) {
            commands.sendAndWait(new ReserveFunds(walletId, command.refundCaseId(), fee,
                    ReservationPurpose.REFUND_CASE_FEE, command.refundCaseId()));
        }
        jdbc.sql("INSERT INTO refund_request_log (refund_case_id, customer_id, requested_at) VALUES (?, ?, ?)")
            .params(command.refundCaseId(), command.customerId(), java.sql.Timestamp.from(now)).update();
        Instant due = calendar.addWorkingDays(now, settings.decisionWorkingDays());
        cases.newInstance(() -> new RefundCase(new RefundCaseOpened(command.refundCaseId(), command.orderId(),
                command.customerId(), walletId, fee, now, due)));
        return due;
    }

    /**
     * R6: the supplier's decision. Approved: the order is cancelled and its price released (the refund),
     * exactly once, with the case; rejected: the order goes on. A second decision changes nothing.
     */
    @CommandHandler
    public void decide(DecideRefundCase command) {
        Aggregate<RefundCase> refundCase = refundCase(command.refundCaseId());
        Instant now = clock.instant();
        boolean decided = refundCase.invoke(c -> c.decide(command.outcome(), command.note(), command.decidedBy(), now));
        if (!decided) {
            return;
        }
        if (command.outcome() == Outcome.APPROVED) {
            Aggregate<Order> order = order(refundCase.invoke(RefundCase::orderId));
            orderMoney.settle(order, order.invoke(o -> o.cancelForApprovedRefund(command.refundCaseId(), now)),
                    "refund approved by the supplier");
        }
        ended(refundCase);
    }

    @CommandHandler
    public void escalate(EscalateRefundCase command) {
        refundCase(command.refundCaseId()).invoke(c -> c.escalate(clock.instant()));
    }

    @CommandHandler
    public void close(CloseRefundCase command) {
        Aggregate<RefundCase> refundCase = refundCase(command.refundCaseId());
        if (refundCase.invoke(c -> c.close(command.reason(), clock.instant()))) {
            ended(refundCase);
        }
    }

    /** The case is over: its fee is settled and the order may get a new case later. */
    private void ended(Aggregate<RefundCase> refundCase) {
        UUID caseId = UUID.fromString(refundCase.identifierAsString());
        FeeSettlement fee = refundCase.invoke(RefundCase::feeSettlement);
        UUID walletId = refundCase.invoke(RefundCase::walletId);
        if (fee == FeeSettlement.CAPTURE) {
            commands.sendAndWait(new CaptureReservation(walletId, caseId));
        } else if (fee == FeeSettlement.RELEASE) {
            commands.sendAndWait(new ReleaseReservation(walletId, caseId, "refund approved: the request's fee returns"));
        }
        jdbc.sql("DELETE FROM open_refund_case WHERE refund_case_id = ?").param(caseId).update();
    }

    private Money fee() {
        return catalogueCodes.serviceWithCode(Catalogue.VERIFICATION_CODE)
                             .map(id -> catalogue.load(id.toString()).invoke(CatalogueService::offer).price())
                             .orElse(Money.of(0, "USD"));
    }

    private Aggregate<Order> order(UUID orderId) {
        try {
            return orders.load(orderId.toString());
        } catch (AggregateNotFoundException e) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such order");
        }
    }

    private Aggregate<RefundCase> refundCase(UUID refundCaseId) {
        try {
            return cases.load(refundCaseId.toString());
        } catch (AggregateNotFoundException e) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such refund case");
        }
    }
}
