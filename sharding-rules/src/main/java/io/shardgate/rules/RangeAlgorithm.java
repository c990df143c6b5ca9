package io.shardgate.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Range sharding: contiguous half-open ranges {@code [from, to)} of the key, each owned by one shard. A key
 * {@code k} belongs to the range with {@code from <= k < to}; keys below the first range's {@code from} or at or
 * above the last range's {@code to} belong to no shard ({@link NoShardException}). Negative keys are ordinary
 * values. Since {@code to} is exclusive, {@link Long#MAX_VALUE} itself can never be covered.
 *
 * <p>The ranges are kept sorted by {@code from} and must touch without gaps or overlaps (each {@code from} equals
 * the previous {@code to}); lookup is a binary search over the {@code from} values.
 */
public final class RangeAlgorithm implements ShardingAlgorithm {

    /** Keys {@code from <= k < to} live in {@code shard}. */
    public record Range(long from, long to, String shard) {
        public Range {
            Objects.requireNonNull(shard, "shard");
            if (from >= to) throw new IllegalArgumentException("empty range [" + from + ", " + to + ")");
        }

        public boolean contains(long key) {
            return key >= from && key < to;
        }

        @Override
        public String toString() {
            return "[" + from + ", " + to + ") -> " + shard;
        }
    }

    private final String table;
    private final String keyColumn;
    private final List<Range> ranges;
    private final long[] froms;
    private final long end;
    private final int[] owner;          // range index -> index into shards
    private final List<String> shards;

    /**
     * @param table, keyColumn only name the table in {@link NoShardException} messages
     * @param ranges in any order; sorted here, and must be contiguous once sorted
     */
    public RangeAlgorithm(String table, String keyColumn, List<Range> ranges) {
        this.table = Objects.requireNonNull(table, "table");
        this.keyColumn = Objects.requireNonNull(keyColumn, "keyColumn");
        if (ranges.isEmpty()) throw new IllegalArgumentException("a range map needs at least one range");
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::from));
        this.ranges = List.copyOf(sorted);
        int n = sorted.size();
        froms = new long[n];
        owner = new int[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Range r = sorted.get(i);
            if (i > 0 && r.from() != sorted.get(i - 1).to()) {
                throw new IllegalArgumentException((r.from() < sorted.get(i - 1).to() ? "overlap" : "gap")
                        + " between " + sorted.get(i - 1) + " and " + r);
            }
            froms[i] = r.from();
            int s = names.indexOf(r.shard());
            if (s < 0) {
                s = names.size();
                names.add(r.shard());
            }
            owner[i] = s;
        }
        end = sorted.get(n - 1).to();
        shards = List.copyOf(names);
    }

    /** The ranges sorted by {@code from}. */
    public List<Range> ranges() {
        return ranges;
    }

    @Override
    public String shardFor(long key) {
        int i = indexOf(key);
        if (i < 0) {
            throw new NoShardException(table, keyColumn, key,
                    "its ranges cover " + froms[0] + " <= " + keyColumn + " < " + end + " only");
        }
        return shards.get(owner[i]);
    }

    @Override
    public Set<String> shardsFor(long fromInclusive, long toInclusive) {
        long lo = Math.max(fromInclusive, froms[0]);
        long hi = Math.min(toInclusive, end - 1);
        if (lo > hi) return Set.of();
        boolean[] hit = new boolean[shards.size()];
        for (int i = indexOf(lo), last = indexOf(hi); i <= last; i++) {
            hit[owner[i]] = true;
        }
        return ShardSets.of(shards, hit);
    }

    @Override
    public List<String> shards() {
        return shards;
    }

    /** Index of the range holding {@code key}, or -1. */
    private int indexOf(long key) {
        if (key < froms[0] || key >= end) return -1;
        int i = Arrays.binarySearch(froms, key);
        // not found: -(insertion point) - 1, and the holder is the range just before the insertion point
        return i >= 0 ? i : -i - 2;
    }

    @Override
    public String toString() {
        return "range " + ranges;
    }
}
