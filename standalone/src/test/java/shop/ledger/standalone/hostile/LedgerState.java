package shop.ledger.standalone.hostile;

import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.List;

/**
 * What a refused request must leave as it was: the event store (no event carries the request's correlation id;
 * background work of earlier accepted requests may append its own) and a digest of the tables requests write
 * synchronously: idempotency records, accounts and their data keys, deposit references, catalogue codes and the
 * refund-request log. Cheap enough to take before and after every request.
 */
final class LedgerState {

    /** The head of the event store and the digest of the tables. */
    record Snapshot(long head, String digest) {
    }

    private static final List<String> TABLES = List.of("account", "data_key", "deposit_reference", "catalogue_code",
            "refund_request_log");

    private final JdbcClient jdbc;
    private final String sql;

    LedgerState(JdbcClient jdbc) {
        this.jdbc = jdbc;
        StringBuilder digest = new StringBuilder("""
                SELECT (SELECT coalesce(max(globalindex), -1) FROM domainevententry),
                       md5(coalesce((SELECT string_agg(t.caller || ' ' || t.idem_key || ' ' || t.status || ' ' || t.request_hash,
                                                      '|' ORDER BY t.caller, t.idem_key) FROM idempotency_record t
                                     WHERE CAST(:marker AS text) IS NULL OR position(CAST(:marker AS text) in t.idem_key) = 0), '')""");
        for (String table : TABLES) {
            digest.append("\n || '#' || coalesce((SELECT string_agg(md5(t::text), '' ORDER BY md5(t::text)) FROM ")
                  .append(table).append(" t), '')");
        }
        this.sql = digest.append(")").toString();
    }

    /** The state, leaving out the idempotency records whose key holds {@code keyMarker} (the request's own). */
    Snapshot take(String keyMarker) {
        return jdbc.sql(sql).param("marker", keyMarker)
                   .query((rs, n) -> new Snapshot(rs.getLong(1), rs.getString(2))).single();
    }

    /** Events appended after {@code head} on behalf of the request with this correlation id. */
    List<String> eventsOf(String correlationId, long head) {
        return jdbc.sql("""
                            SELECT payloadtype FROM domainevententry
                            WHERE globalindex > ? AND position(? in convert_from(metadata, 'UTF8')) > 0
                            ORDER BY globalindex""")
                   .params(head, "\"" + correlationId + "\"")
                   .query(String.class).list();
    }

    /** The statuses stored for the Idempotency-Keys holding the marker (refused answers are remembered). */
    List<Integer> storedStatuses(String keyMarker) {
        return jdbc.sql("SELECT status FROM idempotency_record WHERE position(? in idem_key) > 0").param(keyMarker)
                   .query(Integer.class).list();
    }

    long head() {
        return jdbc.sql("SELECT coalesce(max(globalindex), -1) FROM domainevententry").query(Long.class).single();
    }
}
