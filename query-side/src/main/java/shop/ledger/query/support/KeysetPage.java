package shop.ledger.query.support;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A page of a read model read newest first by a key (a position, a sequence number): the query asks for one row more
 * than the page ({@link #rowsToRead}) to know whether another page follows, and the key of the page's last item is
 * the next page's exclusive bound.
 */
public record KeysetPage<T>(List<T> items, Long nextBefore) {

    /** The key bound of a first page: everything. */
    public static long before(Long before) {
        return before == null ? Long.MAX_VALUE : before;
    }

    /** The LIMIT to read a page of {@code limit} items with. */
    public static int rowsToRead(int limit) {
        return limit + 1;
    }

    /** The page out of {@code rows}, read with {@link #rowsToRead}. */
    public static <T> KeysetPage<T> of(List<T> rows, int limit, ToLongFunction<T> key) {
        boolean more = rows.size() > limit;
        List<T> page = List.copyOf(more ? rows.subList(0, limit) : rows);
        return new KeysetPage<>(page, more ? key.applyAsLong(page.get(page.size() - 1)) : null);
    }
}
