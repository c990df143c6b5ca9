package io.shardgate.router;

import io.shardgate.router.RoutePlan.Kind;
import io.shardgate.rules.NoShardException;
import io.shardgate.rules.ShardedTable;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan's shard set against brute force over the map's algorithms, for the three kinds of sharded table of
 * {@link TestMap} (user: range 0..3999 with uncovered keys outside; user_ex: hash mod 4; user_event: 16 slots):
 * exact for =, IN and BETWEEN of literals; a superset (never a missing shard) for random AND/OR/NOT trees mixing
 * key and non-key terms, checked over sampled keys.
 */
class ShardSetPropertyTest {

    static final String[] TABLES = {"user", "user_ex", "user_event"};
    static final ShardingRouter ROUTER = new ShardingRouter(TestMap.MAP, 0);

    static ShardedTable table(int i) {
        return (ShardedTable) TestMap.MAP.table(TABLES[i]);
    }

    /** The shards a plan reads; a plan for "no shard can hold it" reads the table's first shard. */
    static Set<String> planned(String sql) {
        RoutePlan p = ROUTER.plan(sql);
        assertThat(p.kind()).as(sql + "\n" + p.explain()).isIn(Kind.SINGLE, Kind.SCATTER_READ);
        Set<String> s = new TreeSet<>();
        p.targets().forEach(t -> s.add(t.shard()));
        return s;
    }

    static Set<String> orFirst(ShardedTable t, Set<String> brute) {
        return new TreeSet<>(brute.isEmpty() ? Set.of(t.algorithm().shards().get(0)) : brute);
    }

    static void addShard(ShardedTable t, long v, Set<String> into) {
        try {
            into.add(t.shardFor(v));
        } catch (NoShardException e) {
            // not covered: no row
        }
    }

    @Property(tries = 400)
    void pointSelect(@ForAll @IntRange(max = 2) int ti, @ForAll @LongRange(min = -600, max = 4600) long k) {
        ShardedTable t = table(ti);
        Set<String> brute = new HashSet<>();
        addShard(t, k, brute);
        assertThat(planned("SELECT * FROM " + t.name() + " WHERE uid = " + k)).isEqualTo(orFirst(t, brute));
    }

    @Property(tries = 400)
    void inList(@ForAll @IntRange(max = 2) int ti, @ForAll @LongRange(min = -600, max = 4600) long a,
                @ForAll @LongRange(min = -600, max = 4600) long b, @ForAll @LongRange(min = -600, max = 4600) long c) {
        ShardedTable t = table(ti);
        Set<String> brute = new HashSet<>();
        for (long v : new long[] {a, b, c}) addShard(t, v, brute);
        assertThat(planned("SELECT * FROM " + t.name() + " WHERE uid IN (" + a + ", " + b + ", " + c + ")"))
                .isEqualTo(orFirst(t, brute));
    }

    @Property(tries = 400)
    void between(@ForAll @IntRange(max = 2) int ti, @ForAll @LongRange(min = -600, max = 4600) long a,
                 @ForAll @LongRange(min = -600, max = 4600) long b) {
        ShardedTable t = table(ti);
        Set<String> viaInterval = new HashSet<>(t.algorithm().shardsFor(a, b));
        Set<String> byEnumeration = new HashSet<>();
        for (long v = a; v <= b; v++) addShard(t, v, byEnumeration);
        assertThat(viaInterval).isEqualTo(byEnumeration);
        assertThat(planned("SELECT * FROM " + t.name() + " WHERE uid BETWEEN " + a + " AND " + b))
                .isEqualTo(orFirst(t, viaInterval));
    }

    /** A random predicate with a three-valued evaluation: non-key terms may be true or false. */
    interface Pred {
        String sql();

        boolean possiblyTrue(long k);

        boolean possiblyFalse(long k);
    }

    record Atom(String sql, java.util.function.LongPredicate test, boolean unknown) implements Pred {
        public boolean possiblyTrue(long k) {
            return unknown || test.test(k);
        }

        public boolean possiblyFalse(long k) {
            return unknown || !test.test(k);
        }
    }

    record Bool(boolean and, List<Pred> terms) implements Pred {
        public String sql() {
            return "(" + String.join(and ? " AND " : " OR ", terms.stream().map(Pred::sql).toList()) + ")";
        }

        public boolean possiblyTrue(long k) {
            return and ? terms.stream().allMatch(p -> p.possiblyTrue(k)) : terms.stream().anyMatch(p -> p.possiblyTrue(k));
        }

        public boolean possiblyFalse(long k) {
            return and ? terms.stream().anyMatch(p -> p.possiblyFalse(k)) : terms.stream().allMatch(p -> p.possiblyFalse(k));
        }
    }

    record Not(Pred p) implements Pred {
        public String sql() {
            return "NOT " + p.sql();
        }

        public boolean possiblyTrue(long k) {
            return p.possiblyFalse(k);
        }

        public boolean possiblyFalse(long k) {
            return p.possiblyTrue(k);
        }
    }

    static final long[] EDGES = {-17, -1, 0, 1, 3, 4, 15, 16, 999, 1000, 1001, 1999, 2000, 2999, 3000, 3999, 4000};

    static long literal(Random r, List<Long> used) {
        long v = r.nextInt(3) == 0 ? EDGES[r.nextInt(EDGES.length)] : r.nextInt(4200) - 100;
        used.add(v);
        return v;
    }

    static Pred gen(Random r, int depth, List<Long> used) {
        int choice = depth >= 3 ? r.nextInt(6) : r.nextInt(9);
        switch (choice) {
            case 0: {
                long k = literal(r, used);
                return new Atom("uid = " + k, v -> v == k, false);
            }
            case 1: {
                long a = literal(r, used), b = literal(r, used);
                return new Atom("uid IN (" + a + ", " + b + ")", v -> v == a || v == b, false);
            }
            case 2: {
                long a = literal(r, used), b = literal(r, used);
                return new Atom("uid BETWEEN " + a + " AND " + b, v -> v >= a && v <= b, false);
            }
            case 3: {
                long a = literal(r, used);
                return new Atom("uid < " + a, v -> v < a, false);
            }
            case 4: {
                long a = literal(r, used);
                return new Atom("uid >= " + a, v -> v >= a, false);
            }
            case 5:
                return new Atom("name = 'x" + r.nextInt(3) + "'", v -> true, true);
            case 6:
                return new Not(gen(r, depth + 1, used));
            default: {
                List<Pred> terms = new ArrayList<>();
                for (int i = 0, n = 2 + r.nextInt(2); i < n; i++) terms.add(gen(r, depth + 1, used));
                return new Bool(choice == 7, terms);
            }
        }
    }

    @Property(tries = 600)
    void andOrTreesNeverMissAShard(@ForAll @IntRange(max = 2) int ti, @ForAll long seed) {
        ShardedTable t = table(ti);
        Random r = new Random(seed);
        List<Long> used = new ArrayList<>();
        Pred p = gen(r, 0, used);
        String sql = "SELECT * FROM " + t.name() + " WHERE " + p.sql();
        Set<String> plan = planned(sql);
        Set<Long> sample = new TreeSet<>();
        for (long u : used) for (long d = -2; d <= 2; d++) sample.add(u + d);
        for (int i = 0; i < 300; i++) sample.add((long) r.nextInt(4400) - 200);
        for (long v : sample) {
            if (!p.possiblyTrue(v)) continue;
            Set<String> s = new HashSet<>();
            addShard(t, v, s);
            assertThat(plan).as("key %d may match %s", v, sql).containsAll(s);
        }
    }
}
