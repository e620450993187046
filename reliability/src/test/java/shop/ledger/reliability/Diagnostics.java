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
                        SELECT globalindex, sequencenumber, payloadtype, timestamp FROM domainevententry
                        WHERE aggregateidentifier = ? ORDER BY sequencenumber""", id);
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
