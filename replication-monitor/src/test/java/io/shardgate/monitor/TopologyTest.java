package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopologyTest {
    private static final ShardMap MAP = ShardMap.fromYaml(YamlNode.parse("t.yaml", """
            groups:
              g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317, 127.0.0.1:3318] }
            """), 1);

    @Test
    void promotingAReplicaRaisesEpochAndVersionAndDropsItFromReplicas() {
        Topology t = Topology.of(MAP);
        Topology next = t.withMaster("g0", Endpoint.parse("127.0.0.1:3317"));
        assertThat(next.version()).isEqualTo(t.version() + 1);
        assertThat(next.group("g0").epoch()).isEqualTo(2);
        assertThat(next.group("g0").master()).isEqualTo(Endpoint.parse("127.0.0.1:3317"));
        assertThat(next.group("g0").replicas()).containsExactly(Endpoint.parse("127.0.0.1:3318"));
    }

    @Test
    void subscribersSeeEveryNewerTopologyAndStaleOnesAreRefused() throws Exception {
        StaticTopologySource src = new StaticTopologySource(Topology.of(MAP));
        List<Long> seen = new ArrayList<>();
        AutoCloseable sub = src.subscribe(t -> seen.add(t.version()));
        Topology next = src.current().withMaster("g0", Endpoint.parse("127.0.0.1:3318"));
        src.publish(next);
        assertThatThrownBy(() -> src.publish(next)).isInstanceOf(IllegalArgumentException.class);
        sub.close();
        src.publish(next.withMaster("g0", Endpoint.parse("127.0.0.1:3316")));
        assertThat(seen).containsExactly(2L);
        assertThat(src.current().version()).isEqualTo(3);
    }
}
