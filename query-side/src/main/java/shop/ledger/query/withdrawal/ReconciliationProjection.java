package shop.ledger.query.withdrawal;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackingToken;
import shop.ledger.platform.axon.GlobalIndex;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.withdrawal.Withdrawals.FindReconciliation;
import shop.ledger.api.withdrawal.Withdrawals.ReconciliationCompleted;
import tools.jackson.databind.json.JsonMapper;

import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import shop.ledger.query.support.ReadModelTables;

/**
 * The reconciliation runs as finance reads them back (R10): each {@link ReconciliationCompleted} kept whole as
 * JSON, with its counts beside it. A run is recorded once, so a redelivery inserts nothing.
 */
@Component
@ProcessingGroup(ReconciliationProjection.PROCESSING_GROUP)
@ReadModelTables("reconciliation_view")
public class ReconciliationProjection {

    public static final String PROCESSING_GROUP = "reconciliations";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public ReconciliationProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(ReconciliationCompleted event, EventMessage<?> message, TrackingToken token) {
        writes.write(event.reconciliationId(), """
                INSERT INTO reconciliation_view (reconciliation_id, position, format, submitted_by, completed_at,
                    statement_lines, matched, unmatched_statement_lines, unmatched_withdrawals, mismatches, contents)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS JSONB))
                ON CONFLICT (reconciliation_id) DO NOTHING""",
                event.reconciliationId(),
                GlobalIndex.of(message, token, jdbc),
                event.format(), event.submittedBy(),
                Timestamp.from(event.completedAt() == null ? message.getTimestamp() : event.completedAt()),
                event.statementLines(), size(event.matchedWithdrawals()), size(event.unmatchedStatementLines()),
                size(event.unmatchedWithdrawals()), size(event.mismatches()), JSON.writeValueAsString(event));
    }

    @QueryHandler
    public Optional<ReconciliationCompleted> handle(FindReconciliation query) {
        return jdbc.sql("SELECT contents::text FROM reconciliation_view WHERE reconciliation_id = ?")
                   .param(query.reconciliationId())
                   .query(String.class)
                   .optional()
                   .map(json -> JSON.readValue(json, ReconciliationCompleted.class));
    }

    private static int size(List<?> list) {
        return list == null ? 0 : list.size();
    }
}
