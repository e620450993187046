package shop.ledger.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;

/** What a failed check prints: the streams, sagas and processor positions behind the entities it names. */
final class Diagnostics {

    private Diagnostics() {
    }

    static String dump(DurablePostgres postgres, Collection<String> aggregateIds) {
        StringBuilder out = new StringBuilder("\n--- diagnostics ---\n");
        try (Connection connection = postgres.connect()) {
            for (String id : aggregateIds) {
                out.append("stream ").append(id).append(":\n");
                query(connection, out, """
                        SELECT globalindex, sequencenumber, payloadtype, timestamp, xmin::text FROM domainevententry
                        WHERE aggregateidentifier = ? ORDER BY sequencenumber""", id);
                out.append("neighbours of its last event:\n");
                query(connection, out, """
                        SELECT globalindex, aggregateidentifier, payloadtype, timestamp, xmin::text FROM domainevententry
                        WHERE globalindex BETWEEN (SELECT max(globalindex) - 6 FROM domainevententry WHERE aggregateidentifier = ?)
                                              AND (SELECT max(globalindex) + 6 FROM domainevententry WHERE aggregateidentifier = ?)
                        ORDER BY globalindex""", id, id);
                out.append("order-fulfilment tokens stored around it (3 before, 3 after, by segment):\n");
                query(connection, out, """
                        WITH p AS (SELECT max(globalindex) AS pos FROM domainevententry WHERE aggregateidentifier = ?),
                             h AS (SELECT t.*, (t.token::json->>'index')::bigint AS idx FROM diag_token_history t)
                        SELECT h.id, h.segment, h.owner, h.tx, h.at, h.token FROM h WHERE h.id IN (
                            SELECT id FROM (SELECT h.id, row_number() OVER (PARTITION BY h.segment ORDER BY h.id DESC) r
                                            FROM h, p WHERE h.idx < p.pos) a WHERE r <= 3
                            UNION
                            SELECT id FROM (SELECT h.id, row_number() OVER (PARTITION BY h.segment ORDER BY h.id) r
                                            FROM h, p WHERE h.idx >= p.pos) b WHERE r <= 3)
                        ORDER BY h.segment, h.id""", id);
                out.append("sagas:\n");
                query(connection, out, """
                        SELECT a.sagaid, a.sagatype, a.associationkey, convert_from(s.serializedsaga, 'UTF8')
                        FROM associationvalueentry a LEFT JOIN sagaentry s ON s.sagaid = a.sagaid
                        WHERE a.associationvalue = ?""", id);
                out.append("supplier calls:\n");
                query(connection, out, "SELECT attempt, claimed_at FROM supplier_call WHERE order_id::text = ?", id);
            }
            out.append("deadlines (db-scheduler):\n");
            query(connection, out, """
                    SELECT task_instance, execution_time, picked, picked_by, last_heartbeat, consecutive_failures,
                           last_failure, version FROM scheduled_tasks ORDER BY execution_time""");
            out.append("tokens:\n");
            query(connection, out, """
                    SELECT processorname, segment, owner, timestamp, convert_from(token, 'UTF8') FROM tokenentry
                    ORDER BY processorname, segment""");
            out.append("head: ");
            query(connection, out, "SELECT max(globalindex), count(*) FROM domainevententry");
        } catch (SQLException e) {
            out.append("(diagnostics failed: ").append(e.getMessage()).append(")\n");
        }
        return out.toString();
    }

    /**
     * For a failure that names ids (a refund case, an order, an Idempotency-Key): every row that holds one of them
     * in the event store, the refund-case command state and the stored idempotent answers.
     */
    static String dumpIdsIn(DurablePostgres postgres, String failure) {
        java.util.regex.Matcher uuids = java.util.regex.Pattern
                .compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(failure);
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        while (uuids.find()) {
            ids.add(uuids.group());
        }
        StringBuilder out = new StringBuilder("\n--- rows naming " + ids + " ---\n");
        try (Connection connection = postgres.connect()) {
            out.append("wallets processor tokens (index, gaps):\n");
            query(connection, out, """
                    SELECT segment, owner, timestamp, convert_from(token, 'UTF8') FROM tokenentry
                    WHERE processorname = 'wallets' ORDER BY segment""");
            for (String id : ids) {
                out.append(id).append(":\n statement lines of the wallets whose events name it:\n");
                query(connection, out, """
                        SELECT l.wallet_id, l.sequence, l.kind, l.line_id, l.deposit_id, l.order_id FROM statement_line l
                        WHERE l.wallet_id::text IN (SELECT aggregateidentifier FROM domainevententry
                                                    WHERE position(convert_to(?, 'UTF8') in payload) > 0)
                        ORDER BY l.wallet_id, l.sequence""", id);
                out.append(" events:\n");
                query(connection, out, """
                        SELECT globalindex, sequencenumber, payloadtype, timestamp FROM domainevententry
                        WHERE aggregateidentifier = ? ORDER BY sequencenumber""", id);
                out.append(" events that name it:\n");
                query(connection, out, """
                        SELECT globalindex, aggregateidentifier, sequencenumber, payloadtype, timestamp FROM domainevententry
                        WHERE position(convert_to(?, 'UTF8') in payload) > 0 ORDER BY globalindex""", id);
                out.append(" open_refund_case / refund_request_log:\n");
                query(connection, out, "SELECT 'open', order_id, refund_case_id FROM open_refund_case "
                                       + "WHERE order_id::text = ? OR refund_case_id::text = ?", id, id);
                query(connection, out, "SELECT 'log', refund_case_id, customer_id, requested_at FROM refund_request_log "
                                       + "WHERE refund_case_id::text = ?", id);
                out.append(" idempotency records (by key, or holding the id in the stored answer):\n");
                query(connection, out, """
                        SELECT caller, idem_key, status, convert_from(body, 'UTF8') FROM idempotency_record
                        WHERE idem_key = ? OR position(convert_to(?, 'UTF8') in coalesce(body, ''::bytea)) > 0""", id, id);
            }
        } catch (SQLException e) {
            out.append("(diagnostics failed: ").append(e.getMessage()).append(")\n");
        }
        return out.toString();
    }

    private static void query(Connection connection, StringBuilder out, String sql, Object... parameters) {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                int columns = rows.getMetaData().getColumnCount();
                while (rows.next()) {
                    out.append("  ");
                    for (int c = 1; c <= columns; c++) {
                        out.append(rows.getString(c)).append(c < columns ? " | " : "\n");
                    }
                }
            }
        } catch (SQLException e) {
            out.append("  (").append(e.getMessage()).append(")\n");
        }
    }
}
