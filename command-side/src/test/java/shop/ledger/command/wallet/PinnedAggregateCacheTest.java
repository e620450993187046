package shop.ledger.command.wallet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The wallet cache keeps the most recently used entries through garbage collections. */
class PinnedAggregateCacheTest {

    @Test
    void theMostRecentlyUsedEntriesSurviveGarbageCollection() {
        PinnedAggregateCache cache = new PinnedAggregateCache(2);
        cache.put("a", new StringBuilder("wallet a"));
        cache.put("b", new StringBuilder("wallet b"));
        cache.put("c", new StringBuilder("wallet c"));
        assertThat((Object) cache.get("b")).isNotNull(); // b is now the most recent, c the one before

        for (int i = 0; i < 5; i++) {
            System.gc();
        }

        assertThat(cache.get("b").toString()).isEqualTo("wallet b");
        assertThat(cache.get("c").toString()).isEqualTo("wallet c");
        assertThat(cache.containsKey("b")).isTrue();
    }

    @Test
    void removedEntriesAreGoneAndNotPinned() {
        PinnedAggregateCache cache = new PinnedAggregateCache(10);
        cache.put("a", new StringBuilder("wallet a"));
        cache.put("b", new StringBuilder("wallet b"));
        assertThat(cache.remove("a")).isTrue();
        assertThat((Object) cache.get("a")).isNull();

        cache.removeAll();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertThat((Object) cache.get("b")).isNull();
        assertThat(cache.putIfAbsent("b", new StringBuilder("again"))).isTrue();
        assertThat(cache.putIfAbsent("b", new StringBuilder("twice"))).isFalse();
        assertThat(cache.get("b").toString()).isEqualTo("again");
    }
}
