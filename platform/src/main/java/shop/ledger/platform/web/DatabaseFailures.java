package shop.ledger.platform.web;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a database failure means, read anywhere in a cause chain, whichever layer wrapped it: the one walker of cause
 * chains and their SQLSTATEs ({@link #hasSqlState}), and "the database is away" ({@link #isDatabaseUnavailable}).
 */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    public static boolean isDatabaseUnavailable(Throwable failure) {
        return anyInChain(failure, t -> t instanceof CannotGetJdbcConnectionException
                || t instanceof CannotCreateTransactionException || t instanceof DataAccessResourceFailureException
                || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                || t instanceof ConnectException
                || t instanceof SQLException sql && (isConnectionState(sql.getSQLState()) || isClosedPoolConnection(sql)));
    }

    /**
     * Whether an {@link SQLException} in the chain carries one of {@code sqlStates}. The driver may put the state on a
     * batch's next exception rather than on the one thrown, so those are read as well.
     */
    public static boolean hasSqlState(Throwable failure, String... sqlStates) {
        Set<String> states = Set.of(sqlStates);
        return anyInChain(failure, t -> t instanceof SQLException sql && states.contains(sql.getSQLState()));
    }

    /** Whether {@code test} holds for the failure, a cause of it, or a next exception of an SQLException among them. */
    public static boolean anyInChain(Throwable failure, Predicate<Throwable> test) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (test.test(t)) {
                return true;
            }
            if (t instanceof SQLException sql) {
                for (SQLException next = sql.getNextException(); next != null && seen.add(next);
                     next = next.getNextException()) {
                    if (test.test(next)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * HikariCP's answer on a connection it has already marked broken (the first failure carried SQLSTATE 08xxx or
     * 57P0x): "Connection is closed", with no SQLSTATE. Spring reports it, e.g., when the rollback after a failed
     * COMMIT finds the connection gone, and that rollback failure replaces the commit failure.
     */
    private static boolean isClosedPoolConnection(SQLException sql) {
        return sql.getSQLState() == null && "Connection is closed".equals(sql.getMessage());
    }

    /**
     * SQLSTATE class 08 (connection exception: refused, broken, "An I/O error occurred while sending to the
     * backend") and the server going down or not yet accepting connections (57P01 admin shutdown, 57P02 crash
     * shutdown, 57P03 cannot connect now: starting up or in recovery). The PostgreSQL driver reports these as plain
     * SQLExceptions, often wrapped by Axon's own exceptions.
     */
    private static boolean isConnectionState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                                    || sqlState.equals("57P03"));
    }
}
