package io.shardgate.proxy.merge;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.shardgate.proxy.merge.GroupFold.Fold.COUNT;
import static io.shardgate.proxy.merge.GroupFold.Fold.KEY;
import static io.shardgate.proxy.merge.GroupFold.Fold.MAX;
import static io.shardgate.proxy.merge.GroupFold.Fold.MIN;
import static io.shardgate.proxy.merge.GroupFold.Fold.SUM;
import static org.assertj.core.api.Assertions.assertThat;

class GroupFoldTest {
    private static final ColumnDef INT = new ColumnDef("db", "t", "k", 63, 11, ColumnType.LONG, 0, 0);
    private static final ColumnDef BIGINT = new ColumnDef("db", "t", "n", 63, 21, ColumnType.LONGLONG, 0, 0);
    private static final ColumnDef DEC = new ColumnDef("db", "t", "s", 63, 40, ColumnType.NEWDECIMAL, 0, 2);

    private static byte[] b(Object o) {
        return o == null ? null : o.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static TextRow row(Object... v) {
        byte[][] out = new byte[v.length][];
        for (int i = 0; i < v.length; i++) out[i] = b(v[i]);
        return new TextRow(out);
    }

    private static List<String> text(TextRow r) {
        List<String> out = new ArrayList<>();
        for (byte[] v : r.values()) out.add(v == null ? null : new String(v, StandardCharsets.US_ASCII));
        return out;
    }

    @Test
    void scalarAggregatesFromThreeShardsBecomeOneRow() {
        // SELECT COUNT(*), SUM(x), MIN(x), MAX(x) FROM t -- each shard answered one row; shard 2 had no rows
        GroupFold f = new GroupFold(List.of(BIGINT, DEC, DEC, DEC), List.of(COUNT, SUM, MIN, MAX));
        assertThat(f.offer(row(3, "10.50", "1.25", "7.00"))).isNull();
        assertThat(f.offer(row(2, "-4.25", "-3.00", "0.50"))).isNull();
        assertThat(f.offer(row(0, null, null, null))).isNull();
        assertThat(text(f.finish())).containsExactly("5", "6.25", "-3.00", "7.00");
        assertThat(f.finish()).isNull();
    }

    @Test
    void sumOfOnlyNullsStaysNullAndCountOfNothingIsZero() {
        GroupFold f = new GroupFold(List.of(BIGINT, DEC), List.of(COUNT, SUM));
        f.offer(row(0, null));
        f.offer(row(0, null));
        assertThat(text(f.finish())).containsExactly("0", null);
    }

    /** Grouped partial aggregates from shards, merged by key and folded, equal aggregating all rows at once. */
    @Property(tries = 300)
    void foldingShardGroupsEqualsAggregatingEverything(@ForAll @IntRange(min = 1, max = 4) int shards,
                                                       @ForAll @Size(max = 60) List<@IntRange(min = -50, max = 50) Integer> values,
                                                       @ForAll long seed) {
        Random rnd = new Random(seed);
        // rows (group, value) spread over shards; each shard computes GROUP BY group: COUNT, SUM, MIN, MAX
        List<Map<Integer, long[]>> perShard = new ArrayList<>();
        for (int s = 0; s < shards; s++) perShard.add(new TreeMap<>());
        Map<Integer, long[]> whole = new TreeMap<>();
        for (int v : values) {
            int g = rnd.nextInt(5);
            accumulate(perShard.get(rnd.nextInt(shards)), g, v);
            accumulate(whole, g, v);
        }
        SortedMerge merge = new SortedMerge(shards, List.of(new SortedMerge.SortKey(0, false, INT)), 0, -1, 1000);
        for (int s = 0; s < shards; s++) {
            for (Map.Entry<Integer, long[]> e : perShard.get(s).entrySet()) {
                long[] a = e.getValue();
                merge.offer(s, row(e.getKey(), a[0], a[1], a[2], a[3]));
            }
            merge.finish(s);
        }
        GroupFold fold = new GroupFold(List.of(INT, BIGINT, DEC, INT, INT), List.of(KEY, COUNT, SUM, MIN, MAX));
        List<List<String>> got = new ArrayList<>();
        TextRow r;
        while ((r = merge.poll()) != null) {
            TextRow done = fold.offer(r);
            if (done != null) got.add(text(done));
        }
        TextRow last = fold.finish();
        if (last != null) got.add(text(last));

        List<List<String>> expected = new ArrayList<>();
        whole.forEach((g, a) -> expected.add(List.of("" + g, "" + a[0], "" + a[1], "" + a[2], "" + a[3])));
        assertThat(got).isEqualTo(expected);
    }

    private static void accumulate(Map<Integer, long[]> m, int group, int v) {
        long[] a = m.computeIfAbsent(group, g -> new long[]{0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
        a[0]++;
        a[1] += v;
        a[2] = Math.min(a[2], v);
        a[3] = Math.max(a[3], v);
    }
}
