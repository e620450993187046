package shop.ledger.query.operations;

import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fresh copies of read-model tables in a schema of their own, and the swap that puts them in place of the live ones.
 * <p>
 * A copy has the live table's columns, defaults, constraints, indexes (under the same names, so later migrations
 * find them by name after the swap) and the privileges other roles hold on it. The tables must belong to the
 * ledger's own database user, who creates the copies and moves them. It is created with only the indexes that
 * enforce uniqueness (the projections' {@code ON CONFLICT} needs them), so the bulk of the rebuild skips the other
 * indexes' upkeep; {@link #complete} builds them in one pass each and analyses the tables before the swap. (Unlogged
 * copies made logged before the swap were measured slower: the table is then written twice.)
 * <p>
 * The swap runs inside the caller's transaction, which holds ACCESS EXCLUSIVE locks on the live tables: the live
 * tables move to a retired schema, the copies to {@code public}. Queries waiting on the locks then find the new
 * tables by name; PostgreSQL re-plans prepared statements whose tables changed.
 */
final class ShadowTables {

    static final String LIVE = "public";
    private static final String REBUILD_PREFIX = "ledger_rebuild_";
    private static final String RETIRED_PREFIX = "ledger_retired_";
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private final JdbcTemplate jdbc;

    ShadowTables(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Where a run builds its copies. */
    static String schemaOf(UUID run) {
        return REBUILD_PREFIX + run.toString().replace("-", "");
    }

    /** Where a run's swap puts the tables it replaced, until they are dropped. */
    static String retiredSchemaOf(UUID run) {
        return RETIRED_PREFIX + run.toString().replace("-", "");
    }

    /** Empty copies of the live tables in {@code schema}, with their constraints and unique indexes. */
    void create(String schema, List<String> tables) {
        drop(schema);
        jdbc.execute("CREATE SCHEMA " + name(schema));
        for (String table : tables) {
            String live = LIVE + "." + name(table);
            Integer foreignKeys = jdbc.queryForObject("""
                    SELECT count(*) FROM pg_constraint
                    WHERE contype = 'f' AND (conrelid = ?::regclass OR confrelid = ?::regclass)""",
                    Integer.class, live, live);
            if (foreignKeys != null && foreignKeys > 0) {
                throw new IllegalStateException(live + " takes part in a foreign key: a read model cannot be swapped");
            }
            String copy = name(schema) + "." + name(table);
            jdbc.execute("CREATE TABLE " + copy + " (LIKE " + live
                         + " INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS)");
            List<Map<String, Object>> constraints = jdbc.queryForList("""
                    SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
                    WHERE conrelid = ?::regclass AND contype IN ('p', 'u', 'c', 'x') ORDER BY contype, conname""", live);
            for (Map<String, Object> constraint : constraints) {
                jdbc.execute("ALTER TABLE " + copy + " ADD CONSTRAINT " + quoted((String) constraint.get("conname"))
                             + " " + constraint.get("definition"));
            }
            for (String index : indexes(table, true)) {
                jdbc.execute(inSchema(index, table, schema));
            }
            // what other roles may do with the live table (a reporting role's SELECT, say), they may with the copy
            for (String grant : jdbc.queryForList("""
                    SELECT format('GRANT %s ON %I.%I TO %s', p.privilege_type, ?::text, p.table_name,
                                  CASE WHEN p.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(p.grantee) END)
                    FROM information_schema.table_privileges p JOIN pg_tables t
                      ON t.schemaname = p.table_schema AND t.tablename = p.table_name
                    WHERE p.table_schema = 'public' AND p.table_name = ? AND p.grantee <> t.tableowner""",
                    String.class, schema, table)) {
                jdbc.execute(grant);
            }
        }
    }

    /** The remaining indexes and planner statistics: the copies are then ready to be swapped in. */
    void complete(String schema, List<String> tables) {
        for (String table : tables) {
            for (String index : indexes(table, false)) {
                jdbc.execute(inSchema(index, table, schema));
            }
            String copy = name(schema) + "." + name(table);
            jdbc.execute("ANALYZE " + copy);
        }
    }

    /** In the caller's transaction, which holds the live tables' locks: the copies take their places. */
    void swapIn(String schema, String retiredSchema, List<String> tables) {
        jdbc.execute("CREATE SCHEMA " + name(retiredSchema));
        for (String table : tables) {
            jdbc.execute("ALTER TABLE " + LIVE + "." + name(table) + " SET SCHEMA " + name(retiredSchema));
            jdbc.execute("ALTER TABLE " + name(schema) + "." + name(table) + " SET SCHEMA " + LIVE);
        }
    }

    /** The locks a swap needs, taken in one statement (a fixed order: two swaps cannot deadlock each other). */
    void lockLive(List<String> tables) {
        String list = tables.stream().sorted().map(t -> LIVE + "." + name(t)).reduce((a, b) -> a + ", " + b).orElseThrow();
        jdbc.execute("LOCK TABLE " + list + " IN ACCESS EXCLUSIVE MODE");
    }

    void drop(String schema) {
        jdbc.execute("DROP SCHEMA IF EXISTS " + name(schema) + " CASCADE");
    }

    /** Schemas of runs, rebuilt or retired, that are not among {@code keep}: left behind by a crash. */
    List<String> leftovers(List<UUID> keep) {
        List<String> kept = keep.stream().flatMap(run -> List.of(schemaOf(run), retiredSchemaOf(run)).stream()).toList();
        return jdbc.queryForList("""
                SELECT nspname FROM pg_namespace
                WHERE nspname LIKE 'ledger\\_rebuild\\_%' OR nspname LIKE 'ledger\\_retired\\_%'""", String.class)
                   .stream().filter(schema -> !kept.contains(schema)).toList();
    }

    /** The live table's indexes that no constraint owns: the unique ones, or the others. */
    private List<String> indexes(String table, boolean unique) {
        return jdbc.queryForList("""
                SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x
                WHERE x.indrelid = ?::regclass AND x.indisunique = ?
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY x.indexrelid""", String.class, LIVE + "." + name(table), unique);
    }

    /** {@code CREATE INDEX n ON public.t ...} as the same index of {@code schema.t}. */
    private static String inSchema(String indexDefinition, String table, String schema) {
        Matcher on = Pattern.compile(" ON (ONLY )?" + LIVE + "\\." + Pattern.quote(table) + " ").matcher(indexDefinition);
        if (!on.find()) {
            throw new IllegalStateException("unexpected index definition: " + indexDefinition);
        }
        return indexDefinition.substring(0, on.start()) + " ON " + name(schema) + "." + name(table) + " "
               + indexDefinition.substring(on.end());
    }

    private static String name(String identifier) {
        if (!NAME.matcher(identifier).matches()) {
            throw new IllegalArgumentException("not a plain SQL name: " + identifier);
        }
        return identifier;
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
