package shop.ledger.query.support;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The projections' writes, collected per processor batch and sent as JDBC batches when the batch commits.
 * <p>
 * A pooled processor handles up to its batch size of events in one {@code BatchingUnitOfWork}, in one
 * transaction with its token. Handlers queue their statements here instead of executing them one by one;
 * the first statement of a unit of work registers a flush on its prepare-commit phase. That phase
 * runs inside the transaction (the work package stores its token in the same phase, registered earlier),
 * so rows and token still commit or roll back together. A failed flush rolls the whole batch back and the
 * processor retries it, as a failed statement did before.
 * <p>
 * Order. Every statement names the row it belongs to ({@code rowKey}: the wallet's id, an event's id, any
 * value whose equality means "the same row"; keys of different tables must not collide). Statements of one
 * row run in the order they were queued; statements of different rows may run in any order relative to each
 * other, so a statement must read and write only its own row (the order timeline's {@code INSERT ... SELECT}
 * reads its order's row, so it is queued on the order's key). The flush runs them in rounds: the n-th
 * statement of every row runs in round n, and each round sends one JDBC batch per distinct SQL.
 * <p>
 * Reads. Nothing queued is visible to SQL until the flush: a handler that must read rows written earlier in
 * the same batch calls {@link #flush()} first. Query handlers read committed rows and need nothing.
 * <p>
 * Rows. An {@code INSERT ... VALUES (...)} queued many times in a round is sent as multi-row inserts
 * ({@value #ROWS_PER_INSERT} rows a statement): PostgreSQL then plans and executes one statement per chunk
 * instead of one per row. Within a round every row key occurs once, so an upsert never meets its own row twice.
 * <p>
 * Outside a unit of work (a test calling a handler directly) a statement runs at once.
 */
@Component
public class BatchedWrites {

    private static final Logger log = LoggerFactory.getLogger(BatchedWrites.class);

    static final int ROWS_PER_INSERT = 100;
    /** {@code INSERT INTO t (columns) VALUES (one row's values) rest}; the values may nest parentheses twice deep. */
    private static final Pattern SINGLE_ROW_INSERT = Pattern.compile(
            "(?is)^(\\s*INSERT\\s+INTO\\s+[\\w.]+\\s*\\([^()]*\\)\\s*VALUES\\s*)"
            + "(\\((?:[^()']|\\((?:[^()']|\\([^()']*\\))*\\))*\\))(.*)$");

    private final JdbcTemplate jdbc;
    /** The unit of work's resource holding its pending writes; one name per instance of this class. */
    private final String resourceKey = BatchedWrites.class.getName() + "@" + Integer.toHexString(hashCode());

    public BatchedWrites(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Queues a statement of the row {@code rowKey}, to run after the row's earlier statements. */
    public void write(Object rowKey, String sql, Object... params) {
        Pending pending = pending();
        if (pending == null) {
            jdbc.update(sql, ps -> bind(ps, params));
        } else {
            pending.add(rowKey, sql, params, false);
        }
    }

    /**
     * Queues a statement that makes an earlier queued one of the same row and SQL redundant, if that one is
     * still the row's last: it then takes its place (e.g. "set the balance to the event's, if its sequence is
     * newer": only the newest of a batch matters). Use it only where applying both in order equals applying
     * the later one alone.
     */
    public void writeLatest(Object rowKey, String sql, Object... params) {
        Pending pending = pending();
        if (pending == null) {
            jdbc.update(sql, ps -> bind(ps, params));
        } else {
            pending.add(rowKey, sql, params, true);
        }
    }

    /** Runs what is queued in the current unit of work now, e.g. before a handler reads the rows. */
    public void flush() {
        Pending pending = pending();
        if (pending != null) {
            pending.flush(jdbc);
        }
    }

    /**
     * The writes of the unit of work the handler runs in (a processor's batch), flushed in its own prepare-commit,
     * in its transaction, right after its token. Not its root's: a batch nested under a unit of work left behind
     * on the worker thread would commit its token while a flush registered on that root never ran.
     */
    private Pending pending() {
        if (!CurrentUnitOfWork.isStarted()) {
            return null;
        }
        UnitOfWork<?> current = CurrentUnitOfWork.get();
        return current.getOrComputeResource(resourceKey, key -> {
            if (!current.isRoot()) {
                log.warn("projection writes in a nested unit of work (parent {}); they are flushed with it",
                        current.root().getMessage() == null ? "?" : current.root().getMessage().getIdentifier());
            }
            Pending created = new Pending();
            current.onPrepareCommit(unitOfWork -> created.flush(jdbc));
            return created;
        });
    }

    /** One queued statement; the arguments of a replaceable one may be overwritten by a newer one. */
    private static final class Statement {
        private final String sql;
        private final int round;
        private final boolean replaceable;
        private Object[] params;

        private Statement(String sql, int round, boolean replaceable, Object[] params) {
            this.sql = sql;
            this.round = round;
            this.replaceable = replaceable;
            this.params = params;
        }
    }

    /** The writes queued in one unit of work: per round, per SQL (in first-queued order), the argument rows. */
    private static final class Pending {
        private final Map<Object, Statement> lastOfRow = new HashMap<>();
        private final List<Map<String, List<Statement>>> rounds = new ArrayList<>();

        void add(Object rowKey, String sql, Object[] params, boolean replaceable) {
            Statement last = lastOfRow.get(rowKey);
            if (replaceable && last != null && last.replaceable && last.sql.equals(sql)) {
                last.params = params;
                return;
            }
            Statement statement = new Statement(sql, last == null ? 0 : last.round + 1, replaceable, params);
            lastOfRow.put(rowKey, statement);
            while (rounds.size() <= statement.round) {
                rounds.add(new LinkedHashMap<>());
            }
            rounds.get(statement.round).computeIfAbsent(sql, s -> new ArrayList<>()).add(statement);
        }

        void flush(JdbcTemplate jdbc) {
            for (Map<String, List<Statement>> round : rounds) {
                round.forEach((sql, statements) -> execute(jdbc, sql, statements));
            }
            rounds.clear();
            lastOfRow.clear();
        }

        private static void execute(JdbcTemplate jdbc, String sql, List<Statement> statements) {
            if (statements.size() == 1) {
                jdbc.update(sql, ps -> bind(ps, statements.get(0).params));
                return;
            }
            Matcher insert = SINGLE_ROW_INSERT.matcher(sql);
            if (insert.matches()) {
                insertRows(jdbc, insert.group(1), insert.group(2), insert.group(3), statements);
                return;
            }
            jdbc.batchUpdate(sql, new BatchPreparedStatementSetter() {
                @Override
                public void setValues(PreparedStatement ps, int i) throws SQLException {
                    bind(ps, statements.get(i).params);
                }

                @Override
                public int getBatchSize() {
                    return statements.size();
                }
            });
        }

        /** Full chunks as a JDBC batch of one multi-row statement, the remainder as one shorter statement. */
        private static void insertRows(JdbcTemplate jdbc, String head, String row, String tail,
                                       List<Statement> statements) {
            int full = statements.size() / ROWS_PER_INSERT;
            if (full > 0) {
                jdbc.batchUpdate(multiRow(head, row, tail, ROWS_PER_INSERT), new BatchPreparedStatementSetter() {
                    @Override
                    public void setValues(PreparedStatement ps, int chunk) throws SQLException {
                        bindRows(ps, statements.subList(chunk * ROWS_PER_INSERT, (chunk + 1) * ROWS_PER_INSERT));
                    }

                    @Override
                    public int getBatchSize() {
                        return full;
                    }
                });
            }
            List<Statement> rest = statements.subList(full * ROWS_PER_INSERT, statements.size());
            if (!rest.isEmpty()) {
                jdbc.update(multiRow(head, row, tail, rest.size()), ps -> bindRows(ps, rest));
            }
        }

        private static String multiRow(String head, String row, String tail, int rows) {
            StringBuilder sql = new StringBuilder(head.length() + tail.length() + rows * (row.length() + 2)).append(head);
            for (int i = 0; i < rows; i++) {
                sql.append(i == 0 ? "" : ", ").append(row);
            }
            return sql.append(tail).toString();
        }

        private static void bindRows(PreparedStatement ps, List<Statement> rows) throws SQLException {
            int index = 1;
            for (Statement statement : rows) {
                for (Object param : statement.params) {
                    bind(ps, index++, param);
                }
            }
        }
    }

    private static void bind(PreparedStatement ps, Object[] params) throws SQLException {
        for (int p = 0; p < params.length; p++) {
            bind(ps, p + 1, params[p]);
        }
    }

    private static void bind(PreparedStatement ps, int index, Object param) throws SQLException {
        if (param == null) {
            // untyped: PostgreSQL infers the column's type, no metadata round trip per null
            ps.setNull(index, Types.NULL);
        } else {
            ps.setObject(index, param);
        }
    }
}
