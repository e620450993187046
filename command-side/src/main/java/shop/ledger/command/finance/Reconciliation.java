package shop.ledger.command.finance;

import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;

import java.util.UUID;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/** One reconciliation run, recorded as an event: what was matched, when, and by which rules. */
@Aggregate
public class Reconciliation {

    @AggregateIdentifier
    private UUID reconciliationId;

    protected Reconciliation() {
    }

    Reconciliation(ReconciliationCompleted completed) {
        apply(completed);
    }

    @EventSourcingHandler
    void on(ReconciliationCompleted event) {
        reconciliationId = event.reconciliationId();
    }
}
