package shop.ledger.command.wallet;

import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.WeakReferenceCache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Axon's {@link WeakReferenceCache}, plus strong references to the most recently used entries. A weak
 * reference alone lets every garbage collection drop the cached wallets (nothing else holds an aggregate
 * between commands), so a busy wallet was reloaded from its snapshot and events after each collection. The
 * pinned set keeps the hot wallets; the weak cache keeps whatever else memory allows, as before.
 */
final class PinnedAggregateCache implements Cache {

    private final WeakReferenceCache cache = new WeakReferenceCache();
    private final Map<Object, Object> pinned;

    PinnedAggregateCache(int pinnedEntries) {
        this.pinned = new LinkedHashMap<>(Math.max(16, pinnedEntries * 4 / 3 + 1), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Object> eldest) {
                return size() > pinnedEntries;
            }
        };
    }

    @Override
    public <K, V> V get(K key) {
        V value = cache.get(key);
        if (value != null) {
            pin(key, value);
        }
        return value;
    }

    @Override
    public void put(Object key, Object value) {
        cache.put(key, value);
        if (value != null) {
            pin(key, value);
        }
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        boolean added = cache.putIfAbsent(key, value);
        if (added && value != null) {
            pin(key, value);
        }
        return added;
    }

    @Override
    public <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
        T value = cache.computeIfAbsent(key, valueSupplier);
        if (value != null) {
            pin(key, value);
        }
        return value;
    }

    @Override
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        cache.computeIfPresent(key, update);
        Object value = cache.get(key);
        synchronized (pinned) {
            if (value == null) {
                pinned.remove(key);
            } else {
                pinned.put(key, value);
            }
        }
    }

    @Override
    public boolean remove(Object key) {
        synchronized (pinned) {
            pinned.remove(key);
        }
        return cache.remove(key);
    }

    @Override
    public void removeAll() {
        synchronized (pinned) {
            pinned.clear();
        }
        cache.removeAll();
    }

    @Override
    public boolean containsKey(Object key) {
        return cache.containsKey(key);
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener cacheEntryListener) {
        return cache.registerCacheEntryListener(cacheEntryListener);
    }

    private void pin(Object key, Object value) {
        synchronized (pinned) {
            pinned.put(key, value);
        }
    }
}
