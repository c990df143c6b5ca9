package io.shardgate.rules;

import java.util.List;
import java.util.Set;

/**
 * Maps a value of a table's key column (a signed 64-bit integer) to the shard that holds the row. Implementations
 * are immutable, and {@link #shardFor} allocates nothing: the router calls it for every statement.
 */
public sealed interface ShardingAlgorithm permits RangeAlgorithm, HashModAlgorithm, HashSlotAlgorithm {

    /**
     * The shard holding rows whose key equals {@code key}.
     *
     * @throws NoShardException when no shard holds that value (only a range map can leave values uncovered)
     */
    String shardFor(long key);

    /**
     * Every shard that can hold a row whose key is in the closed interval [{@code fromInclusive}, {@code toInclusive}]
     * (what {@code BETWEEN} and {@code <, <=, >, >=} conditions need), exactly: a shard is in the set if and only if
     * some value of the interval maps to it. Values a range map does not cover contribute nothing, so the set may be
     * empty; it is empty too when {@code fromInclusive > toInclusive}. Iteration follows {@link #shards()} order.
     */
    Set<String> shardsFor(long fromInclusive, long toInclusive);

    /**
     * Every shard this algorithm can route to, each once: for hash mod in the order listed, for range and slots in
     * key order (the shard of the lowest range or slot first). {@link #shardsFor} iterates in this order.
     */
    List<String> shards();
}
