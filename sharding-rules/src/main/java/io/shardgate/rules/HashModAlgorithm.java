package io.shardgate.rules;

import java.util.List;
import java.util.Set;

/**
 * Hash sharding by modulo: key {@code k} lives in {@code shards[Math.floorMod(k, n)]}, {@code n} being the number of
 * listed shards, in the order listed. {@code floorMod} is never negative, so negative keys count down from the end:
 * with 4 shards, key -1 goes to shards[3] and key -4 to shards[0]. Every key maps to a shard.
 *
 * <p>Adding a shard changes {@code n} and moves almost every key; use {@link HashSlotAlgorithm} for tables that
 * must grow.
 */
public final class HashModAlgorithm implements ShardingAlgorithm {
    private final List<String> shards;

    /** @param shards the shards in routing order, none twice */
    public HashModAlgorithm(List<String> shards) {
        if (shards.isEmpty()) throw new IllegalArgumentException("a hash map needs at least one shard");
        this.shards = ShardSets.distinct(shards, "hash");
    }

    @Override
    public String shardFor(long key) {
        return shards.get(Math.floorMod(key, shards.size()));
    }

    /**
     * Exact: consecutive keys have consecutive residues modulo {@code n}, so an interval of {@code n} or more keys
     * touches every shard, and a shorter one touches the residues from {@code floorMod(from, n)} onwards, wrapping.
     */
    @Override
    public Set<String> shardsFor(long fromInclusive, long toInclusive) {
        if (fromInclusive > toInclusive) return Set.of();
        int n = shards.size();
        // to - from, read unsigned, is the true distance even when the subtraction overflows a signed long
        if (Long.compareUnsigned(toInclusive - fromInclusive, n - 1) >= 0) return ShardSets.all(shards);
        boolean[] hit = new boolean[n];
        int start = Math.floorMod(fromInclusive, n);
        for (long k = 0, count = toInclusive - fromInclusive + 1; k < count; k++) {
            hit[(int) ((start + k) % n)] = true;
        }
        return ShardSets.of(shards, hit);
    }

    @Override
    public List<String> shards() {
        return shards;
    }

    @Override
    public String toString() {
        return "hash mod " + shards.size() + " " + shards;
    }
}
