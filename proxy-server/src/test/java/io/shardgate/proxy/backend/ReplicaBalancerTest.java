package io.shardgate.proxy.backend;

import io.shardgate.monitor.Topology;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardMap;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicaBalancerTest {
    static final Endpoint M = Endpoint.parse("127.0.0.1:3316"), R1 = Endpoint.parse("127.0.0.1:3317"),
            R2 = Endpoint.parse("127.0.0.1:3318");

    static ShardMap map(int w1, int w2) {
        Map<String, GroupDef> groups = new LinkedHashMap<>();
        groups.put("g0", new GroupDef("g0", M, List.of(R1, R2), List.of(w1, w2)));
        return new ShardMap(1, "db", groups);
    }

    static Map<Endpoint, Integer> spread(ReplicaBalancer b, Topology.Member g, int picks) {
        Map<Endpoint, Integer> n = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Endpoint e = b.pick(g);
            n.merge(e == null ? M : e, 1, Integer::sum);
        }
        return n;
    }

    @Test
    void readsAreSharedByWeight() {
        ShardMap m = map(1, 3);
        ReplicaBalancer b = new ReplicaBalancer(m, e -> true);
        assertThat(spread(b, Topology.of(m).group("g0"), 400)).isEqualTo(Map.of(R1, 100, R2, 300));
    }

    @Test
    void aReplicaOutOfRotationGetsNothingAndReturnsWhenBack() {
        ShardMap m = map(1, 1);
        Set<Endpoint> out = ConcurrentHashMap.newKeySet();
        ReplicaBalancer b = new ReplicaBalancer(m, e -> !out.contains(e));
        Topology.Member g = Topology.of(m).group("g0");
        out.add(R2);
        assertThat(spread(b, g, 10)).isEqualTo(Map.of(R1, 10));
        out.add(R1);
        assertThat(b.pick(g)).as("none in rotation: the master answers").isNull();
        out.clear();
        assertThat(spread(b, g, 10)).isEqualTo(Map.of(R1, 5, R2, 5));
    }

    @Test
    void aGroupWithoutReplicasHasNoneToPick() {
        Map<String, GroupDef> groups = Map.of("g0", new GroupDef("g0", M, List.of()));
        ShardMap m = new ShardMap(1, "db", groups);
        assertThat(new ReplicaBalancer(m, e -> true).pick(Topology.of(m).group("g0"))).isNull();
    }

    @Test
    void aReplicaTheTopologyAddedLaterWeighsOne() {
        ShardMap m = map(2, 2);
        Endpoint r3 = Endpoint.parse("127.0.0.1:3319");
        Topology.Member g = new Topology.Member("g0", M, List.of(R1, r3), 1);
        assertThat(spread(new ReplicaBalancer(m, e -> true), g, 30)).isEqualTo(Map.of(R1, 20, r3, 10));
    }
}
