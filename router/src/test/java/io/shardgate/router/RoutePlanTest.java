package io.shardgate.router;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutePlanTest {

    @Test
    void defaultGroupRouterSendsEverythingUnchangedToThatMaster() {
        Router r = new DefaultGroupRouter("g1");
        RoutePlan p = r.plan("SELECT 1");
        assertThat(p.singleTarget()).isTrue();
        assertThat(p.targets().get(0)).isEqualTo(new RouteTarget("g1", Role.MASTER, null));
        assertThat(p.targets().get(0).unchanged()).isTrue();
        assertThat(r.plan("DELETE FROM t")).isSameAs(p);
    }

    @Test
    void explainPrintsEveryTargetAndTheReason() {
        RoutePlan p = new RoutePlan(List.of(new RouteTarget("g0", Role.REPLICA, "SELECT * FROM user_0"),
                new RouteTarget("g1", Role.MASTER, null)), "test");
        assertThat(p.explain()).isEqualTo("g0 replica: SELECT * FROM user_0\ng1 master: <statement unchanged>\nreason: test");
    }

    @Test
    void aPlanWithoutTargetsIsRefused() {
        assertThatThrownBy(() -> new RoutePlan(List.of(), "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
