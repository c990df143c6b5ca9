package io.shardgate.rules;

import io.shardgate.rules.RangeAlgorithm.Range;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shards, tables and the default shard: what a valid map loads into. */
class ShardMapShardingTest {

    /** The repository's example, read from its place so the shipped file is the one tested (surefire runs in the module dir). */
    private static final Path CONF = Path.of("..", "conf", "sharding.yaml");
    private static final Path DOCS = Path.of("..", "docs", "configuration.md");

    private static ShardMap parse(String yaml) {
        return ShardMap.fromYaml(YamlNode.parse("sharding.yaml", yaml), 1);
    }

    @Test
    void theShippedExampleLoadsWithEveryKindOfTable() {
        ShardMap map = ShardMap.load(CONF, 42);
        assertThat(map.version()).isEqualTo(42);
        assertThat(map.schema()).isEqualTo("userdb");
        assertThat(map.groups().keySet()).containsExactly("g0", "g1");
        assertThat(map.shards().values()).containsExactly(
                new ShardDef("s0", "g0", "user_db_0"), new ShardDef("s1", "g1", "user_db_1"));
        assertThat(map.defaultShard()).isEqualTo("s0");
        assertThat(map.defaultGroup()).isEqualTo("g0");
        assertThat(map.tables()).extracting(TableRule::name).containsExactly("user", "user_ex", "user_event", "city");

        ShardedTable user = (ShardedTable) map.table("user");
        assertThat(user.keyColumn()).isEqualTo("uid");
        assertThat(((RangeAlgorithm) user.algorithm()).ranges()).containsExactly(
                new Range(0, 10_000_000, "s0"), new Range(10_000_000, 20_000_000, "s1"));
        assertThat(user.shardFor(9_999_999)).isEqualTo("s0");
        assertThat(user.shardFor(10_000_000)).isEqualTo("s1");
        assertThatThrownBy(() -> user.shardFor(20_000_000)).isInstanceOf(NoShardException.class)
                .hasMessage("table user has no shard for uid = 20000000: its ranges cover 0 <= uid < 20000000 only");

        ShardedTable userEx = (ShardedTable) map.table("user_ex");
        assertThat(userEx.algorithm()).isInstanceOf(HashModAlgorithm.class);
        assertThat(userEx.shardFor(6)).isEqualTo("s0");
        assertThat(userEx.shardFor(-3)).isEqualTo("s1");

        HashSlotAlgorithm events = (HashSlotAlgorithm) ((ShardedTable) map.table("user_event")).algorithm();
        assertThat(events.slots()).isEqualTo(1024);
        assertThat(events.shardFor(511)).isEqualTo("s0");
        assertThat(events.shardFor(512)).isEqualTo("s1");
        assertThat(events.shardFor(1024 + 511)).isEqualTo("s0");
        assertThat(events.shardFor(-1)).isEqualTo("s1");

        assertThat(map.table("city")).isEqualTo(new BroadcastTable("city"));
        assertThat(map.table("orders")).as("unlisted: lives in the default shard").isNull();
    }

    @Test
    void theDocsShowTheShippedExampleVerbatim() throws IOException {
        String indented = Files.readAllLines(CONF).stream()
                .map(l -> l.isEmpty() ? "" : "    " + l)
                .collect(Collectors.joining("\n"));
        assertThat(Files.readString(DOCS)).contains(indented);
    }

    @Test
    void tableNamesAndKeyColumnsMatchIgnoringCase() {
        ShardMap map = ShardMap.load(CONF, 1);
        assertThat(map.table("USER")).isSameAs(map.table("user"));
        assertThat(map.table("User_Event")).isSameAs(map.table("user_event"));
        ShardedTable user = (ShardedTable) map.table("user");
        assertThat(user.isKeyColumn("UID")).isTrue();
        assertThat(user.isKeyColumn("uid2")).isFalse();
        // the declared spelling is kept for messages and EXPLAIN
        ShardMap mixed = parse("""
                groups: { g0: { master: 127.0.0.1:3316 } }
                shards: { s0: { group: g0, database: db0 } }
                default_shard: s0
                tables: { UserLog: { key: Uid, hash: { shards: [s0] } } }
                """);
        ShardedTable log = (ShardedTable) mixed.table("userlog");
        assertThat(log.name()).isEqualTo("UserLog");
        assertThat(log.keyColumn()).isEqualTo("Uid");
    }

    @Test
    void theDefaultGroupIsTheDefaultShardsGroup() {
        ShardMap map = parse("""
                groups:
                  g0: { master: 127.0.0.1:3316 }
                  g1: { master: 127.0.0.1:3326 }
                shards:
                  s0: { group: g0, database: a }
                  s1: { group: g1, database: b }
                  s2: { group: g1, database: c }
                default_shard: s2
                """);
        assertThat(map.defaultShard()).isEqualTo("s2");
        assertThat(map.defaultGroup()).isEqualTo("g1");
        assertThat(map.tables()).isEmpty();
        assertThat(map.shardsOf("g1")).extracting(ShardDef::name).containsExactly("s1", "s2");
        assertThat(map.shardsOf("g0")).extracting(ShardDef::name).containsExactly("s0");
        assertThat(map.shardsOf("g9")).isEmpty();
        assertThat(map.shard("s1").database()).isEqualTo("b");
        assertThat(map.shard("s9")).isNull();
    }

    @Test
    void aGroupsOnlyMapHasNoShardsAndDefaultsToTheFirstGroup() {
        ShardMap map = parse("""
                groups:
                  g1: { master: 127.0.0.1:3326 }
                  g0: { master: 127.0.0.1:3316 }
                """);
        assertThat(map.shards()).isEmpty();
        assertThat(map.tables()).isEmpty();
        assertThat(map.defaultShard()).isNull();
        assertThat(map.defaultGroup()).isEqualTo("g1");
        assertThat(map.table("user")).isNull();
        assertThat(map.shardsOf("g1")).isEmpty();
    }

    @Test
    void theMapIsImmutable() {
        ShardMap map = ShardMap.load(CONF, 1);
        assertThatThrownBy(() -> map.shards().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.tables().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.shardsOf("g0").clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.groups().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theConstructorCopiesItsInputs() {
        GroupDef g0 = new GroupDef("g0", Endpoint.parse("127.0.0.1:3316"), List.of());
        java.util.ArrayList<ShardDef> shards = new java.util.ArrayList<>(List.of(new ShardDef("s0", "g0", "db0")));
        java.util.ArrayList<TableRule> tables = new java.util.ArrayList<>(List.of(new BroadcastTable("city")));
        ShardMap map = new ShardMap(3, null, Map.of("g0", g0), shards, tables, "s0");
        shards.add(new ShardDef("s1", "g0", "db1"));
        tables.clear();
        assertThat(map.shards()).containsOnlyKeys("s0");
        assertThat(map.tables()).containsExactly(new BroadcastTable("city"));
    }

    @Test
    void theConstructorRefusesMapsThatDoNotFitTogether() {
        Map<String, GroupDef> groups = Map.of("g0", new GroupDef("g0", Endpoint.parse("127.0.0.1:3316"), List.of()));
        ShardDef s0 = new ShardDef("s0", "g0", "db0");
        ShardedTable onS9 = new ShardedTable("t", "k", new HashModAlgorithm(List.of("s9")));
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(new ShardDef("s0", "g9", "db")), List.of(), "s0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown group g9");
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(s0, new ShardDef("s1", "g0", "DB0")), List.of(), "s0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same database");
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(s0), List.of(onS9), "s0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown shard s9");
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(s0),
                List.of(new BroadcastTable("a"), new BroadcastTable("A")), "s0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declared twice");
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(s0), List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("default shard");
        assertThatThrownBy(() -> new ShardMap(1, null, groups, List.of(), List.of(), "s0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("default shard");
    }
}
