package shop.ledger.platform.db;

import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.function.Supplier;

/**
 * Work that commits on its own, whatever the caller's transaction does afterwards: it runs in a new transaction (the
 * caller's, if any, is suspended meanwhile) and is committed when it returns. For facts that must outlive a rollback
 * of the caller: a claim taken before an outside call, a refusal's stored answer, a run registered for another thread
 * to see.
 * <p>
 * It takes a second connection from the pool while the caller holds its own; work that a burst of requests may all
 * need at once (login throttling) uses a pool of its own instead ({@code command.identity.IndependentJdbc}).
 */
public final class OwnTransaction {

    private final TransactionTemplate template;

    public OwnTransaction(PlatformTransactionManager transactions) {
        this.template = new TransactionTemplate(transactions);
        this.template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** Runs {@code work} in a transaction of its own and commits it; its result is returned once committed. */
    public <T> T call(Supplier<T> work) {
        return template.execute(status -> work.get());
    }

    /** Runs {@code work} in a transaction of its own and commits it. */
    public void run(Runnable work) {
        template.executeWithoutResult(status -> work.run());
    }
}
