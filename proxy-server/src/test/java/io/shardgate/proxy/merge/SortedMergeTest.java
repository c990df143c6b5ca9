package io.shardgate.proxy.merge;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SortedMergeTest {
    private static final ColumnDef INT = new ColumnDef("db", "t", "k", 63, 11, ColumnType.LONG, 0, 0);

    private static TextRow row(Integer key, int source, int seq) {
        byte[] k = key == null ? null : key.toString().getBytes(StandardCharsets.US_ASCII);
        return new TextRow(new byte[][]{k, (source + ":" + seq).getBytes(StandardCharsets.US_ASCII)});
    }

    private static Integer key(TextRow r) {
        return r.value(0) == null ? null : Integer.valueOf(new String(r.value(0), StandardCharsets.US_ASCII));
    }

    /** {source, position in that source's arrival}: equal keys keep this order. */
    private static int[] origin(TextRow r) {
        String[] parts = tag(r).split(":");
        return new int[]{Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    private static String tag(TextRow r) {
        return new String(r.value(1), StandardCharsets.US_ASCII);
    }

    @Test
    void aRowLeavesOnlyWhenEverySourceHasSpoken() {
        SortedMerge m = new SortedMerge(2, List.of(new SortedMerge.SortKey(0, false, INT)), 0, -1, 100);
        m.offer(0, row(1, 0, 0));
        assertThat(m.poll()).as("source 1 could still send a smaller key").isNull();
        m.offer(1, row(2, 1, 0));
        assertThat(key(m.poll())).isEqualTo(1);
        assertThat(m.poll()).as("source 0 may send a key below 2").isNull();
        m.finish(0);
        assertThat(key(m.poll())).isEqualTo(2);
        assertThat(m.done()).isFalse();
        m.finish(1);
        assertThat(m.poll()).isNull();
        assertThat(m.done()).isTrue();
    }

    @Test
    void limitEndsTheResultAndBacklogAsksForAPause() {
        SortedMerge m = new SortedMerge(1, List.of(new SortedMerge.SortKey(0, false, INT)), 1, 2, 3);
        for (int i = 0; i < 3; i++) m.offer(0, row(i, 0, i));
        assertThat(m.wantsMore(0)).isFalse();
        assertThat(key(m.poll())).isEqualTo(1);
        assertThat(key(m.poll())).isEqualTo(2);
        assertThat(m.done()).as("LIMIT 1, 2 is complete without the source finishing").isTrue();
        assertThat(m.poll()).isNull();
    }

    /**
     * Whatever the arrival order across sources, the merged stream equals sorting everything at once (ties in
     * source order), cut by OFFSET and LIMIT.
     */
    @Property(tries = 500)
    void mergingEqualsAGlobalSort(@ForAll @IntRange(min = 1, max = 5) int sources,
                                  @ForAll @Size(max = 40) List<@IntRange(min = -20, max = 20) Integer> keys,
                                  @ForAll boolean descending, @ForAll @IntRange(min = 0, max = 10) int offset,
                                  @ForAll @IntRange(min = -1, max = 30) int limit, @ForAll long seed) {
        Random rnd = new Random(seed);
        List<List<TextRow>> perSource = new ArrayList<>();
        for (int s = 0; s < sources; s++) perSource.add(new ArrayList<>());
        for (int i = 0; i < keys.size(); i++) {
            int s = rnd.nextInt(sources);
            Integer k = rnd.nextInt(10) == 0 ? null : keys.get(i); // some NULLs
            perSource.get(s).add(row(k, s, perSource.get(s).size()));
        }
        Comparator<Integer> byKey = Comparator.nullsFirst(Comparator.<Integer>naturalOrder());
        if (descending) byKey = byKey.reversed();
        final Comparator<Integer> order = byKey;
        for (List<TextRow> l : perSource) l.sort((a, b) -> order.compare(key(a), key(b))); // each shard sorts its part

        List<TextRow> expected = new ArrayList<>();
        for (List<TextRow> l : perSource) expected.addAll(l);
        expected.sort((a, b) -> { // stable: within equal keys, source order then arrival order
            int c = order.compare(key(a), key(b));
            return c != 0 ? c : Comparator.<int[]>comparingInt(t -> t[0]).thenComparingInt(t -> t[1]).compare(origin(a), origin(b));
        });
        int from = Math.min(offset, expected.size());
        int to = limit < 0 ? expected.size() : Math.min(expected.size(), from + limit);
        expected = expected.subList(from, to);

        SortedMerge m = new SortedMerge(sources, List.of(new SortedMerge.SortKey(0, descending, INT)), offset, limit, 1000);
        int[] next = new int[sources];
        List<TextRow> got = new ArrayList<>();
        int live = sources;
        while (live > 0) {
            int s = rnd.nextInt(sources);
            if (next[s] < perSource.get(s).size()) {
                m.offer(s, perSource.get(s).get(next[s]++));
            } else if (next[s] == perSource.get(s).size()) {
                m.finish(s);
                next[s]++;
                live--;
            }
            TextRow r;
            while ((r = m.poll()) != null) got.add(r);
        }
        assertThat(m.done()).isTrue();
        assertThat(got.stream().map(SortedMergeTest::tag).toList()).isEqualTo(expected.stream().map(SortedMergeTest::tag).toList());
    }
}
