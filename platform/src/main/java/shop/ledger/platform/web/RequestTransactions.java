package shop.ledger.platform.web;

import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.messaging.GenericMessage;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import shop.ledger.platform.axon.EventTable;
import shop.ledger.platform.axon.RequestMetaData;
import shop.ledger.platform.axon.StoredEvents;

import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * The owner of a state-changing request's transaction: one root Axon unit of work, bound to one Spring transaction.
 * <p>
 * A command sent on the request thread runs in a unit of work nested in this root, so everything Axon ties to a unit
 * of work ends with the request's transaction, not with the command: the aggregate's lock (LockingRepository releases
 * it in the cleanup phase, which a nested unit of work runs only when its root does), the events (a nested unit of
 * work hands them to its root, which appends them in its prepare-commit) and the after-commit work. So no other unit
 * of work (a saga step, another request) loads the aggregate without the request's uncommitted events and then fails
 * its batch on the stream's sequence (RELIABILITY.md finding 11; RequestHoldsAggregateLockTest).
 * <p>
 * The root's message carries who and why ({@link RequestMetaData#of}) and its correlation data is exactly that, so the
 * commands made on the request thread carry the actor, correlation id and Idempotency-Key.
 * <p>
 * A success is acknowledged only for work that is wholly in this transaction ({@link RequestTransaction#commit}) and
 * only once COMMIT returned; a failed COMMIT is {@link CommitOutcomeUnknown}. A rollback, or a COMMIT that failed,
 * empties the aggregate caches: a cached aggregate may hold events that are not stored.
 * <p>
 * Room for what comes later: the transaction is attached to the root through Axon's {@code TransactionManager}
 * contract ({@link UnitOfWork#attachTransaction}), so (a) an endpoint that needs no database transaction (password
 * hashing done before any) can be given a root unit of work without one, or begin it only after the slow work; and
 * (b) a group of requests can share one commit by attaching a shared transaction whose commit a group committer
 * performs: each request's answer and position are already written in its prepare-commit, and its answer is sent
 * only when {@link RequestTransaction#commit} returns.
 */
@Component
public class RequestTransactions {

    private static final Logger log = LoggerFactory.getLogger(RequestTransactions.class);

    private final PlatformTransactionManager transactions;
    private final JdbcClient jdbc;
    private final EventTable events;
    private final ObjectProvider<Cache> aggregateCaches;

    public RequestTransactions(PlatformTransactionManager transactions, JdbcClient jdbc,
                               ObjectProvider<Cache> aggregateCaches) {
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.events = new EventTable(jdbc);
        this.aggregateCaches = aggregateCaches;
    }

    /** The request being served, as the root unit of work's message. */
    public record ServedRequest(String method, String path) {
    }

    /**
     * Starts the request's root unit of work and its transaction. Throws what the connection pool throws when no
     * connection comes (nothing began then; {@link shop.ledger.platform.web.DatabaseFailures} recognises it).
     */
    public RequestTransaction begin(HttpServletRequest request) {
        if (CurrentUnitOfWork.isStarted()) {
            // a unit of work left on a pooled thread would make this request's work nested in a stranger's
            throw new IllegalStateException("a unit of work is still active on this thread: "
                                            + CurrentUnitOfWork.get().getMessage().getPayloadType().getName());
        }
        Message<ServedRequest> message = new GenericMessage<>(
                new ServedRequest(request.getMethod(), request.getRequestURI()), RequestMetaData.of(request));
        DefaultUnitOfWork<Message<ServedRequest>> root = DefaultUnitOfWork.startAndGet(message);
        root.registerCorrelationDataProvider(Message::getMetaData);
        SpringTransaction transaction = new SpringTransaction();
        root.attachTransaction(() -> transaction.begin()); // a failure rolls the root back and is rethrown
        try {
            return new RequestTransaction(root, transaction, jdbc.sql("SELECT txid_current()").query(Long.class).single());
        } catch (RuntimeException e) {
            root.rollback(e);
            throw e;
        }
    }

    /** One request's root unit of work and transaction: commit it or roll it back, then close it. */
    public final class RequestTransaction implements AutoCloseable {
        private final UnitOfWork<?> root;
        private final SpringTransaction transaction;
        private final long transactionId;

        private RequestTransaction(UnitOfWork<?> root, SpringTransaction transaction, long transactionId) {
            this.root = root;
            this.transaction = transaction;
            this.transactionId = transactionId;
        }

        /**
         * Commits the request's work and answers the position it reached (API.md, X-Ledger-Position): the highest
         * global index of the events it stored, or, when it stored none, the event store's head read as its last
         * statement. Everything the request read was committed before that statement and every event it appends gets
         * its index after its reads, so either position covers all the request saw and did. Both are known before
         * COMMIT, so a stored answer keeps its position in the same transaction.
         * <p>
         * {@code storeAnswer} runs in the prepare-commit, after the events are appended, with the position; it
         * answers 1 once the answer is stored, or when there is none to store; any other count (the record's insert
         * wrote nothing) refuses the commit. Throws {@link WorkNotInTransaction} (rolled back), {@link CommitOutcomeUnknown},
         * or what appending the events threw (rolled back; a {@code ConcurrencyException} is a concurrent change).
         */
        public long commit(LongToIntFunction storeAnswer) {
            long[] position = {0};
            root.onPrepareCommit(u -> {
                acknowledgeOnlyOwnWork();
                position[0] = position();
                int stored = storeAnswer.applyAsInt(position[0]);
                if (stored != 1) {
                    throw new WorkNotInTransaction("the request's Idempotency-Key record was not stored (" + stored + " rows)");
                }
            });
            root.commit();
            return position[0];
        }

        /** Rolls the request's work back (nothing of it is stored), unless it has already ended. */
        public void rollback() {
            if (root.isActive() && root.phase().isBefore(UnitOfWork.Phase.ROLLBACK) && root.isCurrent()) {
                root.rollback();
            }
        }

        /** Leaves the thread as it found it, whatever happened: no unit of work, no transaction, no lock. */
        @Override
        public void close() {
            while (CurrentUnitOfWork.isStarted() && CurrentUnitOfWork.get() != root) {
                UnitOfWork<?> leftover = CurrentUnitOfWork.get();
                // the payload type only: a command payload may hold personal data
                log.error("a unit of work was left open inside the request: {}",
                        leftover.getMessage().getPayloadType().getName());
                leftover.rollback();
            }
            rollback();
        }

        /**
         * Before a success is committed: the request's work must still be in the transaction begun for it. A
         * transaction marked rollback-only, or another transaction id on the connection (something committed or
         * rolled back the connection underneath), would commit only part of the work, or none, behind a success.
         */
        private void acknowledgeOnlyOwnWork() {
            if (transaction.status.isRollbackOnly()) {
                throw new WorkNotInTransaction("the request succeeded but its transaction was marked rollback-only");
            }
            Long current = jdbc.sql("SELECT txid_current_if_assigned()").query(Long.class).single();
            if (current == null || current != transactionId) {
                throw new WorkNotInTransaction("the request's transaction " + transactionId
                                                + " was ended underneath it (now " + current + ")");
            }
        }

        private long position() {
            List<String> appended = StoredEvents.identifiers(root);
            return appended.isEmpty() ? Math.max(0, events.head()) : events.highestGlobalIndexOf(appended);
        }
    }

    /** The Spring transaction under a request's root unit of work, committed and rolled back by the root. */
    private final class SpringTransaction implements Transaction {
        private TransactionStatus status;

        SpringTransaction begin() {
            status = transactions.getTransaction(new DefaultTransactionDefinition());
            return this;
        }

        /** A failure leaves the outcome unknown: COMMIT may or may not have reached the disk. */
        @Override
        public void commit() {
            try {
                transactions.commit(status);
            } catch (RuntimeException e) {
                // Spring has ended the transaction; cached aggregates may hold its events
                aggregateCaches.forEach(Cache::removeAll);
                throw new CommitOutcomeUnknown(e);
            }
        }

        @Override
        public void rollback() {
            if (status == null || status.isCompleted()) {
                return;
            }
            try {
                transactions.rollback(status);
            } catch (TransactionException e) {
                // a connection lost with the database cannot roll back, but nothing of it was committed either:
                // the request's own outcome (its error, or 503 when the database is away) is the answer
                log.warn("rollback failed: {}", e.getMessage());
            } finally {
                // an aggregate cached by the rolled-back work would be ahead of the event store
                aggregateCaches.forEach(Cache::removeAll);
            }
        }
    }

    /** A success whose work is not (or not wholly) in the transaction about to commit. */
    public static final class WorkNotInTransaction extends RuntimeException {
        WorkNotInTransaction(String message) {
            super(message);
        }
    }

    /** A commit that failed: the request's work may or may not be stored. */
    public static final class CommitOutcomeUnknown extends RuntimeException {
        CommitOutcomeUnknown(RuntimeException cause) {
            super(cause);
        }
    }
}
