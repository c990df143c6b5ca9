package io.shardgate.rules;

import java.util.Objects;

/** A table whose rows are spread over shards by the value of one integer column, {@code keyColumn}. */
public record ShardedTable(String name, String keyColumn, ShardingAlgorithm algorithm) implements TableRule {
    public ShardedTable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyColumn, "keyColumn");
        Objects.requireNonNull(algorithm, "algorithm");
    }

    /** Whether {@code column} names the key column; case-insensitive, as MySQL column names are. */
    public boolean isKeyColumn(String column) {
        return keyColumn.equalsIgnoreCase(column);
    }

    /** The shard holding rows whose key column equals {@code key}. @throws NoShardException (range maps only) */
    public String shardFor(long key) {
        return algorithm.shardFor(key);
    }
}
