package io.shardgate.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.rules.BroadcastTable;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.HashModAlgorithm;
import io.shardgate.rules.HashSlotAlgorithm;
import io.shardgate.rules.NoShardException;
import io.shardgate.rules.RangeAlgorithm;
import io.shardgate.rules.ShardDef;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.ShardedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The sandbox's generated files, written for made-up groups (no servers): they load and shard as documented. */
class SandboxConfigFilesTest {

    @TempDir
    Path dir;

    /** Groups laid out as a sandbox with {@code replicas} replicas per group on base port 3316 would have them. */
    private static List<SandboxGroup> groups(int n, int replicas) {
        SandboxSpec spec = new SandboxSpec(n, replicas, Path.of("unused"), 3316, false);
        List<SandboxGroup> out = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            List<Endpoint> rs = new ArrayList<>();
            for (int m = 1; m <= replicas; m++) rs.add(new Endpoint("127.0.0.1", spec.port(g, m)));
            out.add(new SandboxGroup(SandboxSpec.groupName(g), new Endpoint("127.0.0.1", spec.port(g, 0)), rs));
        }
        return out;
    }

    private ShardMap write(int n, int replicas) throws IOException {
        SandboxConfigFiles.write(groups(n, replicas), dir, new Endpoint("127.0.0.1", 3307));
        return ShardMap.load(dir.resolve("sharding.yaml"), 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void oneShardPerGroupEachTableOverAllShards(int n) throws IOException {
        ShardMap map = write(n, 2);
        List<String> names = IntStream.range(0, n).mapToObj(i -> "s" + i).toList();

        assertThat(map.schema()).isEqualTo("userdb");
        assertThat(map.groups().keySet()).containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "g" + i).toList());
        assertThat(map.group("g" + (n - 1)).master()).isEqualTo(new Endpoint("127.0.0.1", 3316 + 10 * (n - 1)));
        assertThat(map.group("g0").replicas()).containsExactly(new Endpoint("127.0.0.1", 3317), new Endpoint("127.0.0.1", 3318));
        assertThat(map.shards().keySet()).containsExactlyElementsOf(names);
        for (int i = 0; i < n; i++) {
            assertThat(map.shard("s" + i)).isEqualTo(new ShardDef("s" + i, "g" + i, "user_db_" + i));
        }
        assertThat(map.defaultShard()).isEqualTo("s0");
        assertThat(map.defaultGroup()).isEqualTo("g0");
        assertThat(map.table("orders")).isNull(); // unlisted: lives in s0

        ShardedTable user = (ShardedTable) map.table("user");
        assertThat(user.keyColumn()).isEqualTo("uid");
        assertThat(user.algorithm()).isInstanceOf(RangeAlgorithm.class);
        assertThat(((RangeAlgorithm) user.algorithm()).ranges()).hasSize(n);
        for (int i = 0; i < n; i++) {
            long from = 10_000_000L * i;
            assertThat(user.shardFor(from)).isEqualTo("s" + i);
            assertThat(user.shardFor(from + 4_999_999)).isEqualTo("s" + i);
            assertThat(user.shardFor(from + 9_999_999)).isEqualTo("s" + i);
        }
        assertThatThrownBy(() -> user.shardFor(10_000_000L * n)).isInstanceOf(NoShardException.class);
        assertThatThrownBy(() -> user.shardFor(-1)).isInstanceOf(NoShardException.class);

        ShardedTable userEx = (ShardedTable) map.table("USER_EX");
        assertThat(userEx.algorithm()).isInstanceOf(HashModAlgorithm.class);
        assertThat(userEx.algorithm().shards()).containsExactlyElementsOf(names);
        for (long uid : new long[] {0, 1, 2, 5, 1_000_003, -7}) {
            assertThat(userEx.shardFor(uid)).isEqualTo("s" + Math.floorMod(uid, n));
        }

        ShardedTable event = (ShardedTable) map.table("user_event");
        HashSlotAlgorithm slots = (HashSlotAlgorithm) event.algorithm();
        assertThat(slots.slots()).isEqualTo(1024);
        assertThat(slots.shards()).containsExactlyElementsOf(names);
        // contiguous runs in shard order, sizes differing by at most one
        int[] perShard = new int[n];
        int owner = 0;
        for (int slot = 0; slot < 1024; slot++) {
            int s = Integer.parseInt(slots.shardOfSlot(slot).substring(1));
            assertThat(s).isBetween(owner, owner + 1);
            owner = s;
            perShard[s]++;
        }
        assertThat(IntStream.of(perShard).max().orElseThrow() - IntStream.of(perShard).min().orElseThrow()).isLessThanOrEqualTo(1);
        assertThat(event.shardFor(0)).isEqualTo("s0");
        assertThat(event.shardFor(1023)).isEqualTo("s" + (n - 1));
        assertThat(event.shardFor(1024)).isEqualTo("s0");

        assertThat(map.table("city")).isInstanceOf(BroadcastTable.class);
    }

    @Test
    void twoGroupsMatchConfSharding() throws IOException {
        ShardMap map = write(2, 2);
        ShardedTable user = (ShardedTable) map.table("user");
        assertThat(user.shardFor(1)).isEqualTo("s0");
        assertThat(user.shardFor(15_000_000)).isEqualTo("s1");
        assertThat(((ShardedTable) map.table("user_ex")).shardFor(7)).isEqualTo("s1");
        HashSlotAlgorithm slots = (HashSlotAlgorithm) ((ShardedTable) map.table("user_event")).algorithm();
        assertThat(slots.shardOfSlot(511)).isEqualTo("s0");
        assertThat(slots.shardOfSlot(512)).isEqualTo("s1");
        assertThat(Files.readString(dir.resolve("sharding.yaml")))
                .contains("s0: \"0-511\", s1: \"512-1023\"", "# range: ", "# hash mod: ", "# hash slots: ", "# the same rows in every shard");
    }

    @Test
    void threeGroupsSplitSlotsEvenly() throws IOException {
        write(3, 1);
        assertThat(Files.readString(dir.resolve("sharding.yaml")))
                .contains("hash: { slots: 1024, shards: { s0: \"0-341\", s1: \"342-682\", s2: \"683-1023\" } }");
    }

    @Test
    void groupsWithoutReplicasAndMoreGroupsThanSlots() throws IOException {
        assertThat(write(1, 0).group("g0").replicas()).isEmpty();
        assertThat(SandboxConfigFiles.slotStarts(1024, 1025)[1025]).isEqualTo(1024);
        assertThat(SandboxConfigFiles.slots(2000)).isEqualTo(2000);
        String yaml = SandboxConfigFiles.shardMapYaml(groups(1100, 0).subList(0, 1100));
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, yaml);
        ShardMap map = ShardMap.load(big, 1);
        assertThat(((HashSlotAlgorithm) ((ShardedTable) map.table("user_event")).algorithm()).slots()).isEqualTo(1100);
        assertThat(((ShardedTable) map.table("user_event")).shardFor(1099)).isEqualTo("s1099");
    }

    @Test
    void proxyConfigLoadsWithTheMap() throws IOException {
        Path file = SandboxConfigFiles.write(groups(2, 2), dir, new Endpoint("127.0.0.1", 3307));
        ProxyConfig config = ProxyConfig.load(file);
        assertThat(config.shardMap().shards()).hasSize(2);
        assertThat(config.shardMap().shard(config.shardMap().defaultShard()).database()).isEqualTo("user_db_0");
    }
}
