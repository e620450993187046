package shop.ledger.platform.web;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/** Recognises "the database is away" anywhere in a cause chain, whichever layer wrapped it. */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    public static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CannotGetJdbcConnectionException || t instanceof CannotCreateTransactionException
                    || t instanceof DataAccessResourceFailureException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException || t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && (isConnectionState(sql.getSQLState()) || isClosedPoolConnection(sql))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
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
