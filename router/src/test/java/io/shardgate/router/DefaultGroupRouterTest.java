package io.shardgate.router;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultGroupRouterTest {

    @Test
    void withoutReplicaReadsEveryStatementIsTheMastersUnread() {
        DefaultGroupRouter r = new DefaultGroupRouter("g0");
        assertThat(r.needsStatementText()).isFalse();
        assertThat(r.plan("SELECT 1").targets().get(0).role()).isEqualTo(Role.MASTER);
        assertThat(r.plan("").targets().get(0).group()).isEqualTo("g0");
    }

    @Test
    void withReplicaReadsPlainReadsAreMarkedForReplicasAndWritesAsWrites() {
        DefaultGroupRouter r = new DefaultGroupRouter("g1", true);
        assertThat(r.needsStatementText()).isTrue();
        RoutePlan read = r.plan("SELECT * FROM t");
        assertThat(read.targets().get(0).role()).isEqualTo(Role.REPLICA);
        assertThat(read.writes()).isFalse();
        RoutePlan write = r.plan("UPDATE t SET a = 1");
        assertThat(write.targets().get(0).role()).isEqualTo(Role.MASTER);
        assertThat(write.writes()).isTrue();
        RoutePlan locking = r.plan("SELECT * FROM t FOR UPDATE");
        assertThat(locking.targets().get(0).role()).isEqualTo(Role.MASTER);
        assertThat(locking.writes()).isFalse();
        assertThat(r.plan("SELECT * FROM t")).isSameAs(read); // cached verdict, shared plan
        assertThat(read.kind()).isEqualTo(RoutePlan.Kind.PASSTHROUGH);
        assertThat(read.targets().get(0).unchanged()).isTrue();
    }
}
