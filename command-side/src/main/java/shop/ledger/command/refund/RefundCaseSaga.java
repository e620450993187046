package shop.ledger.command.refund;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.SagaLifecycle;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.refund.RefundCases.CloseRefundCase;
import shop.ledger.api.refund.RefundCases.EscalateRefundCase;
import shop.ledger.api.refund.RefundCases.RefundCaseClosed;
import shop.ledger.api.refund.RefundCases.RefundCaseDecided;
import shop.ledger.api.refund.RefundCases.RefundCaseOpened;

import java.util.UUID;

/**
 * The 1-7 working-day window of a refund case (R5, R6): a persisted deadline at {@code decisionDueBy}
 * escalates an undecided case to staff (never a refund); an order that completes or is rejected by the
 * supplier meanwhile closes the case. The deadline lives in PostgreSQL and fires after restarts.
 */
@Saga
@ProcessingGroup(RefundCaseSaga.PROCESSING_GROUP)
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public class RefundCaseSaga {

    public static final String PROCESSING_GROUP = "refund-case";
    static final String DECISION_DUE = "decision-due";

    record DecisionDue(UUID refundCaseId) {
    }

    private UUID refundCaseId;

    @StartSaga
    @SagaEventHandler(associationProperty = "refundCaseId")
    void on(RefundCaseOpened event, DeadlineManager deadlines) {
        refundCaseId = event.refundCaseId();
        SagaLifecycle.associateWith("orderId", event.orderId().toString());
        deadlines.schedule(event.decisionDueBy(), DECISION_DUE, new DecisionDue(refundCaseId));
    }

    @DeadlineHandler(deadlineName = DECISION_DUE)
    void decisionDue(DecisionDue due, CommandGateway commands) {
        commands.sendAndWait(new EscalateRefundCase(refundCaseId));
    }

    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderCompleted event, CommandGateway commands) {
        commands.sendAndWait(new CloseRefundCase(refundCaseId, "the order completed while the case was open"));
    }

    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderRejected event, CommandGateway commands) {
        commands.sendAndWait(new CloseRefundCase(refundCaseId,
                "the supplier rejected the order while the case was open; its price was released"));
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "refundCaseId")
    void on(RefundCaseDecided event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(DECISION_DUE);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "refundCaseId")
    void on(RefundCaseClosed event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(DECISION_DUE);
    }
}
