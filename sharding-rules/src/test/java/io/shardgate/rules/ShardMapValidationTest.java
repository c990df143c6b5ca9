package io.shardgate.rules;

import io.shardgate.rules.yaml.ConfigException;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every refusal of the shard, table and algorithm sections, with the exact line, key path and message. */
class ShardMapValidationTest {

    /** Lines 1-8; the table under test starts on line 9. */
    private static final String PREFIX = """
            groups:
              g0: { master: 127.0.0.1:3316 }
              g1: { master: 127.0.0.1:3326 }
            shards:
              s0: { group: g0, database: user_db_0 }
              s1: { group: g1, database: user_db_1 }
            default_shard: s0
            tables:
            """;

    private static Arguments table(String what, String tables, int line, String key, String problem) {
        return Arguments.of(what, PREFIX + tables, line, key, problem);
    }

    private static Arguments file(String what, String yaml, int line, String key, String problem) {
        return Arguments.of(what, yaml, line, key, problem);
    }

    static Stream<Arguments> invalidTables() {
        return Stream.of(
                table("unknown key in a table", """
                          user:
                            key: uid
                            ranges: []
                        """, 11, "tables.user.ranges", "unknown key; allowed here: broadcast, hash, key, range"),
                table("unknown key in a range", """
                          user:
                            key: uid
                            range:
                              - { from: 0, to: 10, shard: s0, weight: 1 }
                        """, 12, "tables.user.range[0].weight", "unknown key; allowed here: from, shard, to"),
                table("unknown key in a hash", """
                          user: { key: uid, hash: { shards: [s0], modulus: 2 } }
                        """, 9, "tables.user.hash.modulus", "unknown key; allowed here: shards, slots"),
                table("a gap between ranges", """
                          user:
                            key: uid
                            range:
                              - { from: 0, to: 10, shard: s0 }
                              - { from: 15, to: 20, shard: s1 }
                        """, 13, "tables.user.range[1]",
                        "range[1] [15, 20) leaves a gap after range[0] [0, 10) at line 12: keys 10..14 are in no range"),
                table("overlapping ranges, listed out of order", """
                          user:
                            key: uid
                            range:
                              - { from: 5, to: 20, shard: s1 }
                              - { from: 0, to: 10, shard: s0 }
                        """, 12, "tables.user.range[0]",
                        "range[0] [5, 20) overlaps range[1] [0, 10) at line 13: keys 5..9 are in both"),
                table("a range inside another", """
                          user:
                            key: uid
                            range:
                              - { from: -100, to: 100, shard: s0 }
                              - { from: -50, to: -40, shard: s1 }
                        """, 13, "tables.user.range[1]",
                        "range[1] [-50, -40) overlaps range[0] [-100, 100) at line 12: keys -50..-41 are in both"),
                table("an empty range", """
                          user:
                            key: uid
                            range:
                              - { from: 10, to: 10, shard: s0 }
                        """, 12, "tables.user.range[0].to", "to must be greater than from (10): a range holds from <= uid < to"),
                table("no ranges", """
                          user: { key: uid, range: [] }
                        """, 9, "tables.user.range", "at least one range is needed"),
                table("a bound in exponent notation", """
                          user:
                            key: uid
                            range:
                              - { from: 0, to: 10, shard: s0 }
                              - { from: 10, to: 1e6, shard: s1 }
                        """, 13, "tables.user.range[1].to", "'1e6' is not an integer"),
                table("a bound that is text", """
                          user:
                            key: uid
                            range:
                              - from: "abc"
                                to: 10
                                shard: s0
                        """, 12, "tables.user.range[0].from", "'abc' is not an integer"),
                table("a bound with a fraction", """
                          user: { key: uid, range: [ { from: 0, to: 10.0, shard: s0 } ] }
                        """, 9, "tables.user.range[0].to", "'10.0' is not an integer"),
                table("a bound beyond 64 bits", """
                          user: { key: uid, range: [ { from: 0, to: 9223372036854775808, shard: s0 } ] }
                        """, 9, "tables.user.range[0].to",
                        "'9223372036854775808' is outside the 64-bit integer range -9223372036854775808..9223372036854775807"),
                table("a missing bound", """
                          user:
                            key: uid
                            range:
                              - { from: 0, shard: s0 }
                        """, 12, "tables.user.range[0].to", "missing (required)"),
                table("an unknown shard in a range", """
                          user:
                            key: uid
                            range:
                              - { from: 0, to: 10, shard: s9 }
                        """, 12, "tables.user.range[0].shard", "unknown shard 's9'; shards: s0, s1"),
                table("both range and hash", """
                          user:
                            key: uid
                            range: [ { from: 0, to: 10, shard: s0 } ]
                            hash: { shards: [s0, s1] }
                        """, 12, "tables.user.hash", "a table is sharded by range or by hash, not both"),
                table("neither range nor hash", """
                          user: { key: uid }
                        """, 9, "tables.user", "range or hash is needed (or broadcast: true)"),
                table("broadcast false without an algorithm", """
                          city: { broadcast: false }
                        """, 9, "tables.city", "broadcast is false, so range or hash is needed"),
                table("broadcast that is not a boolean", """
                          city: { broadcast: everywhere }
                        """, 9, "tables.city.broadcast", "'everywhere' is not true or false"),
                table("a broadcast table with a key", """
                          city:
                            broadcast: true
                            key: id
                        """, 11, "tables.city.key", "a broadcast table has no key: its rows are on every shard"),
                table("a key that is a qualified name", """
                          user: { key: user.uid, hash: { shards: [s0] } }
                        """, 9, "tables.user.key",
                        "'user.uid' is not a plain column name (ASCII letters, digits, _ and $; not only digits; at most 64)"),
                table("a key in backquotes", """
                          user: { key: "`uid`", hash: { shards: [s0] } }
                        """, 9, "tables.user.key",
                        "'`uid`' is not a plain column name (ASCII letters, digits, _ and $; not only digits; at most 64)"),
                table("a key that is a list", """
                          user: { key: [uid, tid], hash: { shards: [s0] } }
                        """, 9, "tables.user.key", "expected a single value, found a list"),
                table("no key", """
                          user: { hash: { shards: [s0] } }
                        """, 9, "tables.user.key", "missing (required)"),
                table("a shard listed twice for hash mod", """
                          user: { key: uid, hash: { shards: [s0, s1, s0] } }
                        """, 9, "tables.user.hash.shards[2]", "shard s0 is listed twice"),
                table("an unknown shard for hash mod", """
                          user:
                            key: uid
                            hash:
                              shards:
                                - s0
                                - s2
                        """, 14, "tables.user.hash.shards[1]", "unknown shard 's2'; shards: s0, s1"),
                table("no shards for hash mod", """
                          user: { key: uid, hash: { shards: [] } }
                        """, 9, "tables.user.hash.shards", "at least one shard is needed"),
                table("slots not assigned", """
                          user_event:
                            key: uid
                            hash:
                              slots: 1024
                              shards: { s0: "0-511", s1: "516-1023" }
                        """, 13, "tables.user_event.hash.shards", "slots 512-515 are not assigned to any shard"),
                table("one slot not assigned", """
                          e1: { key: uid, hash: { slots: 8, shards: { s0: "0-3", s1: "5-7" } } }
                        """, 9, "tables.e1.hash.shards", "slot 4 is not assigned to any shard"),
                table("scattered slots not assigned, in a later table", """
                          e1: { key: uid, hash: { slots: 8, shards: { s0: "0-3", s1: "4-7" } } }
                          e2: { key: uid, hash: { slots: 8, shards: { s0: "0, 2", s1: "4-5" } } }
                        """, 10, "tables.e2.hash.shards", "slots 1, 3, 6-7 are not assigned to any shard"),
                table("many unassigned runs, listed compactly", """
                          e3: { key: uid, hash: { slots: 64, shards: { s0: "0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20-63" } } }
                        """, 9, "tables.e3.hash.shards",
                        "slots 1, 3, 5, 7, 9, 11, 13, 15, and 2 more ranges are not assigned to any shard"),
                table("slots assigned twice", """
                          user_event:
                            key: uid
                            hash:
                              slots: 1024
                              shards:
                                s0: "0-600"
                                s1: "512-1023"
                        """, 15, "tables.user_event.hash.shards.s1",
                        "slots 512-600 are already assigned to s0; each slot belongs to one shard"),
                table("a slot listed twice for one shard", """
                          user_event: { key: uid, hash: { slots: 16, shards: { s0: "0-10, 10, 11-15" } } }
                        """, 9, "tables.user_event.hash.shards.s0",
                        "slot 10 is already assigned to s0 (listed twice); each slot belongs to one shard"),
                table("a slot outside 0..slots-1", """
                          user_event: { key: uid, hash: { slots: 1024, shards: { s0: "0-511", s1: "512-1024" } } }
                        """, 9, "tables.user_event.hash.shards.s1", "slot 1024 is outside 0..1023 (slots: 1024)"),
                table("a malformed slot range", """
                          user_event: { key: uid, hash: { slots: 1024, shards: { s0: "0-", s1: "512-1023" } } }
                        """, 9, "tables.user_event.hash.shards.s0", "'0-' is not a slot n or a slot range a-b"),
                table("a negative slot", """
                          user_event: { key: uid, hash: { slots: 4, shards: { s0: "-1-3" } } }
                        """, 9, "tables.user_event.hash.shards.s0", "'-1-3' is not a slot n or a slot range a-b"),
                table("a reversed slot range", """
                          user_event: { key: uid, hash: { slots: 1024, shards: { s0: "511-0", s1: "512-1023" } } }
                        """, 9, "tables.user_event.hash.shards.s0", "'511-0' is reversed: write 0-511"),
                table("an unknown shard in a slot map", """
                          user_event: { key: uid, hash: { slots: 2, shards: { s0: "0", s7: "1" } } }
                        """, 9, "tables.user_event.hash.shards.s7", "unknown shard 's7'; shards: s0, s1"),
                table("zero slots", """
                          user_event: { key: uid, hash: { slots: 0, shards: { s0: "0" } } }
                        """, 9, "tables.user_event.hash.slots", "0 is not in 1..65536"),
                table("a slot map without slots", """
                          user_event: { key: uid, hash: { shards: { s0: "0-511", s1: "512-1023" } } }
                        """, 9, "tables.user_event.hash.shards",
                        "assigning slots to shards needs 'slots: N' beside it; for key mod N, list the shards: [s0, s1]"),
                table("slots with a shard list", """
                          user_event: { key: uid, hash: { slots: 1024, shards: [s0, s1] } }
                        """, 9, "tables.user_event.hash.shards",
                        "with slots, shards maps each shard to its slots, e.g. { s0: \"0-511\", s1: \"512-1023\" }"),
                table("a table name that is not plain", """
                          user-x: { broadcast: true }
                        """, 9, "tables.user-x",
                        "'user-x' is not a plain table name (ASCII letters, digits, _ and $; not only digits; at most 64)"),
                table("table names differing only in case", """
                          user: { broadcast: true }
                          USER: { broadcast: true }
                        """, 10, "tables.USER", "table user is already declared; table names are matched ignoring case"),
                table("a table declared twice", """
                          city: { broadcast: true }
                          city: { broadcast: true }
                        """, 10, "tables.city", "duplicate key: it is already defined above")
        );
    }

    static Stream<Arguments> invalidShards() {
        return Stream.of(
                file("an unknown group", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                          s1: { group: g2, database: user_db_1 }
                        default_shard: s0
                        """, 5, "shards.s1.group", "unknown group 'g2'; groups: g0"),
                file("two shards on one database", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                          s1:
                            group: g0
                            database: USER_DB_0
                        default_shard: s0
                        """, 7, "shards.s1.database",
                        "database USER_DB_0 of group g0 is already shard s0; a database is one shard only (names compared ignoring case)"),
                file("a shard declared twice", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                          s0: { group: g0, database: user_db_1 }
                        default_shard: s0
                        """, 5, "shards.s0", "duplicate key: it is already defined above"),
                file("an unknown key in a shard", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, db: user_db_0 }
                        default_shard: s0
                        """, 4, "shards.s0.db", "unknown key; allowed here: database, group"),
                file("a database name that is not plain", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: "user db" }
                        default_shard: s0
                        """, 4, "shards.s0.database",
                        "'user db' is not a plain database name (ASCII letters, digits, _ and $; not only digits; at most 64)"),
                file("no shards", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards: {}
                        default_shard: s0
                        """, 3, "shards", "at least one shard is needed"),
                file("shards without default_shard", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                        """, 1, "default_shard", "missing (required when shards are declared: tables not listed live there)"),
                file("tables without shards", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        tables:
                          city: { broadcast: true }
                        """, 1, "shards", "missing (required when tables are declared)"),
                file("an unknown default shard", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                        default_shard: s5
                        """, 5, "default_shard", "unknown shard 's5'; shards: s0"),
                file("default_shard without shards", """
                        groups:
                          g0: { master: 127.0.0.1:3316 }
                        default_shard: s0
                        """, 3, "default_shard", "there are no shards: declare them under shards"),
                file("an instance in two groups, across the sections", """
                        groups:
                          g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317] }
                          g1: { master: 127.0.0.1:3317 }
                        shards:
                          s0: { group: g0, database: user_db_0 }
                        default_shard: s0
                        """, 3, "groups.g1.master",
                        "instance 127.0.0.1:3317 is already listed in group g0; an instance belongs to one group")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"invalidTables", "invalidShards"})
    void rejectsWithFileLineAndKey(String what, String yaml, int line, String key, String problem) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ShardMap.fromYaml(YamlNode.parse("sharding.yaml", yaml), 1));
        assertThat(e).as("expected a ConfigException for:%n%s", yaml).isNotNull();
        assertThat(e.file()).isEqualTo("sharding.yaml");
        assertThat(e.line()).as("line").isEqualTo(line);
        assertThat(e.key()).as("key path").isEqualTo(key);
        assertThat(e).hasMessage("sharding.yaml:" + line + ": " + key + ": " + problem);
    }
}
