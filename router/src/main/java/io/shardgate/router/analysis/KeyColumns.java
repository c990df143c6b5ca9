package io.shardgate.router.analysis;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the analyzer needs to know about the shard map: which tables are sharded, by which column, and which are
 * broadcast (a full copy in every group). It knows nothing of shards or algorithms. Table names are matched
 * case-insensitively; implementations must be safe to call from many threads.
 */
public interface KeyColumns {

    /** The sharding key column of {@code table}, or null when the table is not sharded. */
    String keyColumnOf(String table);

    /** True when {@code table} is a broadcast table (same rows in every group). */
    boolean isBroadcast(String table);

    /**
     * Schema-aware variant, called by the analyzer with the qualifier written in the statement (null when the
     * name was not qualified). The default ignores the schema: a proxy exposes one logical database.
     */
    default String keyColumnOf(String schema, String table) {
        return keyColumnOf(table);
    }

    /** Schema-aware variant of {@link #isBroadcast(String)}; the default ignores the schema. */
    default boolean isBroadcast(String schema, String table) {
        return isBroadcast(table);
    }

    /** No sharded or broadcast tables. */
    KeyColumns NONE = of(Map.of(), Set.of());

    /** A fixed description: {@code keyByTable} maps sharded table to key column; names compared case-insensitively. */
    static KeyColumns of(Map<String, String> keyByTable, Collection<String> broadcast) {
        Map<String, String> keys = new HashMap<>();
        keyByTable.forEach((t, c) -> keys.put(t.toLowerCase(Locale.ROOT), c));
        Set<String> bc = new HashSet<>();
        broadcast.forEach(t -> bc.add(t.toLowerCase(Locale.ROOT)));
        return new KeyColumns() {
            @Override
            public String keyColumnOf(String table) {
                return keys.get(table.toLowerCase(Locale.ROOT));
            }

            @Override
            public boolean isBroadcast(String table) {
                return bc.contains(table.toLowerCase(Locale.ROOT));
            }

            @Override
            public String toString() {
                return "KeyColumns" + keys + " broadcast" + bc;
            }
        };
    }
}
