package io.shardgate.rules;

import io.shardgate.rules.RangeAlgorithm.Range;
import io.shardgate.rules.yaml.YamlNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Routing compared with brute force: linear scans, owner tables, and an independent reading of the YAML. */
class ShardingPropertiesTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2", "s3");

    // ---- generators -------------------------------------------------------------------------------------------

    /** Mostly small values (so ranges are narrow and neighbours get hit), sometimes anything, extremes included. */
    private static Arbitrary<Long> keys() {
        return Arbitraries.oneOf(Arbitraries.longs().between(-1_000, 1_000), Arbitraries.longs());
    }

    /** Contiguous ranges between 2..10 distinct sorted bounds, each owned by a random shard. */
    @Provide
    Arbitrary<List<Range>> rangeMaps() {
        return keys().set().ofMinSize(2).ofMaxSize(10).flatMap(set -> {
            List<Long> b = new ArrayList<>(new TreeSet<>(set));
            return Arbitraries.of(SHARDS).list().ofSize(b.size() - 1).map(owners -> {
                List<Range> ranges = new ArrayList<>();
                for (int i = 0; i < owners.size(); i++) ranges.add(new Range(b.get(i), b.get(i + 1), owners.get(i)));
                return ranges;
            });
        });
    }

    /**
     * A slot table: 1..300 slots, each owned by one of up to 4 shards; half the tables are skewed so that some shard
     * owns one slot or a few, which is where an off-by-one in {@code shardsFor} shows.
     */
    @Provide
    Arbitrary<List<String>> slotOwners() {
        Arbitrary<String> skewed = Arbitraries.frequency(Tuple.of(40, "s0"), Tuple.of(2, "s1"), Tuple.of(1, "s2"), Tuple.of(1, "s3"));
        return Arbitraries.integers().between(1, 300)
                .flatMap(slots -> Arbitraries.oneOf(Arbitraries.of(SHARDS), skewed).list().ofSize(slots));
    }

    /** A hash mod list: 1..4 distinct shards in random order. */
    @Provide
    Arbitrary<List<String>> modLists() {
        return Arbitraries.subsetOf(SHARDS).ofMinSize(1).flatMap(s -> Arbitraries.shuffle(new ArrayList<>(s)));
    }

    /** Closed intervals: two arbitrary keys (possibly reversed), or a narrow one of 1..400 keys. */
    @Provide
    Arbitrary<long[]> intervals() {
        Arbitrary<long[]> pairs = Combinators.combine(keys(), keys()).as((a, b) -> new long[] {a, b});
        Arbitrary<long[]> narrow = Combinators.combine(keys(), Arbitraries.longs().between(0, 399))
                .as((lo, w) -> new long[] {lo, lo > Long.MAX_VALUE - w ? Long.MAX_VALUE : lo + w});
        return Arbitraries.oneOf(pairs, narrow);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Keys worth checking for ranges: each bound and its neighbours, plus uniformly random keys inside the span. */
    private static List<Long> probes(List<Range> ranges, List<Long> extra, Random random) {
        List<Long> out = new ArrayList<>(extra);
        for (Range r : ranges) {
            for (long b : new long[] {r.from(), r.to()}) {
                out.add(b);
                if (b != Long.MIN_VALUE) out.add(b - 1);
                if (b != Long.MAX_VALUE) out.add(b + 1);
            }
        }
        long first = ranges.get(0).from();
        long span = ranges.get(ranges.size() - 1).to() - first;   // read unsigned: never overflows that way
        for (int i = 0; i < 20; i++) out.add(first + Long.remainderUnsigned(random.nextLong(), span));
        return out;
    }

    /** A random key of [lo, hi] (lo <= hi). */
    private static long inside(long lo, long hi, Random random) {
        long width = hi - lo + 1;   // 0 means all 2^64 values
        return width == 0 ? random.nextLong() : lo + Long.remainderUnsigned(random.nextLong(), width);
    }

    private static RangeAlgorithm rangeAlgorithm(List<Range> ranges, Random random) {
        List<Range> shuffled = new ArrayList<>(ranges);
        Collections.shuffle(shuffled, random);
        return new RangeAlgorithm("t", "k", shuffled);
    }

    // ---- (a) range maps ---------------------------------------------------------------------------------------

    @Property(tries = 1000)
    void everyCoveredKeyHasExactlyTheShardALinearScanFinds(@ForAll("rangeMaps") List<Range> ranges,
                                                          @ForAll @Size(max = 10) List<Long> extra,
                                                          @ForAll Random random) {
        RangeAlgorithm algorithm = rangeAlgorithm(ranges, random);
        for (long key : probes(ranges, extra, random)) {
            List<String> holders = ranges.stream().filter(r -> r.contains(key)).map(Range::shard).toList();
            assertThat(holders).as("ranges holding %d", key).hasSizeLessThanOrEqualTo(1);
            if (holders.size() == 1) {
                assertThat(algorithm.shardFor(key)).as("key %d", key).isEqualTo(holders.get(0));
            } else {
                NoShardException e = catchThrowableOfType(NoShardException.class, () -> algorithm.shardFor(key));
                assertThat(e).as("key %d outside %s", key, ranges).isNotNull();
                assertThat(e.value()).isEqualTo(key);
                assertThat(key < ranges.get(0).from() || key >= ranges.get(ranges.size() - 1).to()).isTrue();
            }
        }
    }

    // ---- (b) slot maps ----------------------------------------------------------------------------------------

    @Property(tries = 1000)
    void everyKeyGoesToTheOwnerOfItsSlot(@ForAll("slotOwners") List<String> owner, @ForAll @Size(max = 30) List<Long> keys) {
        HashSlotAlgorithm algorithm = new HashSlotAlgorithm(owner);
        for (long key : keys) {
            assertThat(algorithm.shardFor(key)).as("key %d", key).isEqualTo(owner.get(Math.floorMod(key, owner.size())));
        }
        for (int slot = 0; slot < owner.size(); slot++) {
            assertThat(algorithm.shardOfSlot(slot)).isEqualTo(owner.get(slot));
        }
        assertThat(new HashSet<>(algorithm.shards())).isEqualTo(new HashSet<>(owner));
    }

    @Property(tries = 1000)
    void hashModIndexesTheList(@ForAll("modLists") List<String> shards, @ForAll @Size(max = 30) List<Long> keys) {
        HashModAlgorithm algorithm = new HashModAlgorithm(shards);
        for (long key : keys) {
            assertThat(algorithm.shardFor(key)).isEqualTo(shards.get(Math.floorMod(key, shards.size())));
        }
    }

    // ---- (c) shardsFor ----------------------------------------------------------------------------------------

    @Property(tries = 1000)
    void shardsForARangeMapAreTheOverlappingRanges(@ForAll("rangeMaps") List<Range> ranges,
                                                  @ForAll("intervals") long[] interval, @ForAll Random random) {
        RangeAlgorithm algorithm = rangeAlgorithm(ranges, random);
        long lo = interval[0];
        long hi = interval[1];
        Set<String> expected = new HashSet<>();
        for (Range r : ranges) {
            if (lo <= hi && r.from() <= hi && r.to() - 1 >= lo) expected.add(r.shard());
        }
        Set<String> actual = algorithm.shardsFor(lo, hi);
        assertThat(actual).as("[%d, %d] over %s", lo, hi, ranges).containsExactlyInAnyOrderElementsOf(expected);
        if (lo <= hi) {
            for (int i = 0; i < 20; i++) {
                long k = i == 0 ? lo : i == 1 ? hi : inside(lo, hi, random);
                if (ranges.stream().anyMatch(r -> r.contains(k))) assertThat(actual).contains(algorithm.shardFor(k));
            }
        }
    }

    @Property(tries = 1000)
    void shardsForHashMapsAreTheShardsOfTheResiduesTouched(@ForAll("slotOwners") List<String> owner,
                                                          @ForAll("modLists") List<String> modShards,
                                                          @ForAll("intervals") long[] interval, @ForAll Random random) {
        long lo = interval[0];
        long hi = interval[1];
        checkHash(new HashSlotAlgorithm(owner), owner.size(), k -> owner.get(Math.floorMod(k, owner.size())), lo, hi, random);
        checkHash(new HashModAlgorithm(modShards), modShards.size(),
                k -> modShards.get(Math.floorMod(k, modShards.size())), lo, hi, random);
    }

    /** Brute force: n consecutive keys from lo reach every residue modulo n, so they are all the keys that matter. */
    private static void checkHash(ShardingAlgorithm algorithm, int n, java.util.function.LongFunction<String> oracle,
                                  long lo, long hi, Random random) {
        Set<String> expected = new HashSet<>();
        if (lo <= hi) {
            for (long k = lo, i = 0; i < n; k++, i++) {
                expected.add(oracle.apply(k));
                if (k == hi) break;
            }
        }
        Set<String> actual = algorithm.shardsFor(lo, hi);
        assertThat(actual).as("[%d, %d] over %s", lo, hi, algorithm).containsExactlyInAnyOrderElementsOf(expected);
        if (lo <= hi) {
            for (int i = 0; i < 20; i++) assertThat(actual).contains(algorithm.shardFor(inside(lo, hi, random)));
        }
    }

    /** Intervals of n-2, n-1, n and n+1 keys: where "all shards" starts. */
    @Property(tries = 1000)
    void shardsForHashMapsAroundTheTableSize(@ForAll("slotOwners") List<String> owner, @ForAll("modLists") List<String> modShards,
                                             @ForAll long lo, @ForAll Random random) {
        for (int extra = -2; extra <= 1; extra++) {
            int n = owner.size();
            long width = n + extra;   // keys in the interval
            if (width >= 1 && lo <= Long.MAX_VALUE - width) {
                checkHash(new HashSlotAlgorithm(owner), n, k -> owner.get(Math.floorMod(k, n)), lo, lo + width - 1, random);
            }
            int m = modShards.size();
            if (m + extra >= 1 && lo <= Long.MAX_VALUE - (m + extra)) {
                checkHash(new HashModAlgorithm(modShards), m, k -> modShards.get(Math.floorMod(k, m)), lo, lo + m + extra - 1, random);
            }
        }
    }

    // ---- (d) YAML round trip ----------------------------------------------------------------------------------

    /**
     * A generated map written as YAML text, loaded by ShardMap, routes every probed key exactly as a brute-force
     * reading of the same text does (SnakeYAML's plain loader, linear scans, slot strings expanded by hand).
     */
    @Property(tries = 1000)
    void aMapWrittenAsYamlRoutesLikeABruteForceReadingOfIt(@ForAll("rangeMaps") List<Range> ranges,
                                                           @ForAll("modLists") List<String> modShards,
                                                           @ForAll("slotOwners") List<String> slotOwner,
                                                           @ForAll @Size(max = 10) List<Long> extra,
                                                           @ForAll Random random) {
        String defaultShard = SHARDS.get(random.nextInt(SHARDS.size()));
        String yaml = render(ranges, modShards, slotOwner, defaultShard, random);

        ShardMap map = ShardMap.fromYaml(YamlNode.parse("generated.yaml", yaml), 9);
        Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);

        assertThat(map.defaultShard()).isEqualTo(doc.get("default_shard"));
        List<Long> keys = probes(ranges, extra, random);
        keys.addAll(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L));
        for (String table : List.of("t_range", "T_MOD", "t_Slots", "t_city", "not_listed")) {
            for (long key : keys) {
                String expected = bruteForce(doc, table, key);
                assertThat(route(map, table, key)).as("%s key %d in%n%s", table, key, yaml).isEqualTo(expected);
            }
        }
    }

    /** What the loaded map says: a shard, "*" for broadcast, "none" when no shard holds the key. */
    private static String route(ShardMap map, String table, long key) {
        TableRule rule = map.table(table);
        if (rule == null) return map.defaultShard();
        if (rule instanceof BroadcastTable) return "*";
        try {
            return ((ShardedTable) rule).shardFor(key);
        } catch (NoShardException e) {
            return "none";
        }
    }

    @SuppressWarnings("unchecked")
    private static String bruteForce(Map<String, Object> doc, String table, long key) {
        Map<String, Object> rule = null;
        for (Map.Entry<String, Object> e : ((Map<String, Object>) doc.get("tables")).entrySet()) {
            if (e.getKey().equalsIgnoreCase(table)) rule = (Map<String, Object>) e.getValue();
        }
        if (rule == null) return (String) doc.get("default_shard");
        if (Boolean.TRUE.equals(rule.get("broadcast"))) return "*";
        if (rule.containsKey("range")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) rule.get("range")) {
                if (((Number) r.get("from")).longValue() <= key && key < ((Number) r.get("to")).longValue()) {
                    return (String) r.get("shard");
                }
            }
            return "none";
        }
        Map<String, Object> hash = (Map<String, Object>) rule.get("hash");
        if (!hash.containsKey("slots")) {
            List<String> list = (List<String>) hash.get("shards");
            return list.get(Math.floorMod(key, list.size()));
        }
        int slot = Math.floorMod(key, ((Number) hash.get("slots")).intValue());
        for (Map.Entry<String, Object> e : ((Map<String, Object>) hash.get("shards")).entrySet()) {
            for (String part : ((String) e.getValue()).split(",")) {
                String[] ab = part.trim().split("-");
                if (Integer.parseInt(ab[0]) <= slot && slot <= Integer.parseInt(ab[ab.length - 1])) return e.getKey();
            }
        }
        throw new AssertionError("slot " + slot + " has no owner");
    }

    /** Writes the map in the documented format, with the file's freedoms exercised: ranges in any order, block or flow style. */
    private static String render(List<Range> ranges, List<String> modShards, List<String> slotOwner, String defaultShard,
                                 Random random) {
        StringBuilder y = new StringBuilder("""
                schema: userdb
                groups:
                  g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317] }
                  g1: { master: 127.0.0.1:3326 }
                shards:
                  s0: { group: g0, database: db_0 }
                  s1: { group: g1, database: db_1 }
                  s2: { group: g0, database: db_2 }
                  s3: { group: g1, database: db_3 }
                """);
        y.append("default_shard: ").append(defaultShard).append("\ntables:\n");
        y.append("  t_range:\n    key: uid\n    range:\n");
        List<Range> shuffled = new ArrayList<>(ranges);
        Collections.shuffle(shuffled, random);
        for (Range r : shuffled) {
            if (random.nextBoolean()) {
                y.append("      - { from: ").append(r.from()).append(", to: ").append(r.to()).append(", shard: ").append(r.shard()).append(" }\n");
            } else {
                y.append("      - from: ").append(r.from()).append("\n        to: ").append(r.to())
                 .append("\n        shard: ").append(r.shard()).append('\n');
            }
        }
        y.append("  t_mod: { key: uid, hash: { shards: [").append(String.join(", ", modShards)).append("] } }\n");
        Map<String, List<String>> runs = new LinkedHashMap<>();
        for (int slot = 0; slot < slotOwner.size(); ) {
            int end = slot;
            while (end + 1 < slotOwner.size() && slotOwner.get(end + 1).equals(slotOwner.get(slot))) end++;
            runs.computeIfAbsent(slotOwner.get(slot), k -> new ArrayList<>()).add(slot == end ? "" + slot : slot + "-" + end);
            slot = end + 1;
        }
        y.append("  t_slots:\n    key: uid\n    hash:\n      slots: ").append(slotOwner.size()).append("\n      shards:\n");
        runs.forEach((shard, list) -> y.append("        ").append(shard).append(": \"").append(String.join(", ", list)).append("\"\n"));
        y.append("  T_City: { broadcast: true }\n");
        return y.toString();
    }
}
