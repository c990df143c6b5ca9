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
        // a plan of several targets built without shard details is a scatter: the kind line comes first
        assertThat(p.kind()).isEqualTo(RoutePlan.Kind.SCATTER_READ);
        assertThat(p.explain()).isEqualTo("kind: SCATTER_READ\ng0 replica: SELECT * FROM user_0\ng1 master: <statement unchanged>\nreason: test");
    }

    @Test
    void singleUnchangedExplainKeepsItsFormat() {
        RoutePlan p = RoutePlan.single("g1", Role.MASTER, "why");
        assertThat(p.kind()).isEqualTo(RoutePlan.Kind.PASSTHROUGH);
        assertThat(p.explain()).isEqualTo("g1 master: <statement unchanged>\nreason: why");
    }

    @Test
    void aPlanWithoutTargetsIsRefused() {
        assertThatThrownBy(() -> new RoutePlan(List.of(), "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RoutePlan(RoutePlan.Kind.SINGLE, List.of(), "x", null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyARefusedPlanHasNoTargets() {
        RoutePlan p = RoutePlan.refused(RoutePlan.Refusal.notSupported("no"), "x");
        assertThat(p.targets()).isEmpty();
        assertThat(p.refused()).isTrue();
        assertThatThrownBy(() -> new RoutePlan(RoutePlan.Kind.REFUSED, List.of(new RouteTarget("g", Role.MASTER, null)),
                "x", RoutePlan.Refusal.notSupported("no"), null)).isInstanceOf(IllegalArgumentException.class);
    }
}
