package shop.ledger.query.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A WHERE clause of a read-model query built from optional filters: each condition joins with AND, and a filter
 * left empty (null) adds nothing. Conditions are SQL text with {@code ?} for their values, never the values.
 */
public final class Conditions {

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    private Conditions() {
    }

    /** The first condition, always applied. */
    public static Conditions where(String condition, Object... values) {
        return new Conditions().and(condition, values);
    }

    public Conditions and(String condition, Object... values) {
        sql.append(sql.isEmpty() ? "" : " AND ").append(condition);
        params.addAll(List.of(values));
        return this;
    }

    /** {@code condition} with {@code value} as its one parameter, only if a value is given. */
    public Conditions andIfGiven(Object value, String condition) {
        return value == null ? this : and(condition, value);
    }

    /** {@code whenTrue} or {@code whenFalse} by a yes/no filter, or nothing if it is not given. */
    public Conditions andEither(Boolean filter, String whenTrue, String whenFalse) {
        return filter == null ? this : and(filter ? whenTrue : whenFalse);
    }

    /** The conditions, without the word WHERE. */
    public String sql() {
        return sql.toString();
    }

    /** The values of the conditions' parameters, in order, followed by {@code more} (e.g. a LIMIT's). */
    public List<Object> params(Object... more) {
        List<Object> all = new ArrayList<>(params);
        all.addAll(List.of(more));
        return all;
    }
}
