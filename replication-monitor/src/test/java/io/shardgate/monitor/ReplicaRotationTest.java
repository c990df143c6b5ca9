package io.shardgate.monitor;

import io.shardgate.monitor.ReplicaRotation.Transition;
import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaRotationTest {
    private static final Endpoint R1 = Endpoint.parse("127.0.0.1:3317");
    private static final Endpoint R2 = Endpoint.parse("127.0.0.1:3318");
    private static final ReplicaProbe OK = ReplicaProbe.status(true, true, 0L);

    private final ReplicaRotation rotation = new ReplicaRotation(5);

    private String reasonFor(ReplicaProbe probe) {
        Optional<Transition> t = rotation.record(R1, probe);
        assertThat(t).isPresent();
        assertThat(t.get().returns()).isFalse();
        assertThat(rotation.inRotation(R1)).isFalse();
        assertThat(rotation.outReason(R1)).contains(t.get().reason());
        return t.get().reason();
    }

    @Test
    void replicasNeverProbedAreIn() {
        assertThat(rotation.inRotation(R1)).isTrue();
        assertThat(rotation.outOfRotation()).isEmpty();
        assertThat(rotation.outReason(R1)).isEmpty();
    }

    @Test
    void healthyProbesKeepAReplicaInWithoutTransitions() {
        assertThat(rotation.record(R1, OK)).isEmpty();
        assertThat(rotation.record(R1, ReplicaProbe.status(true, true, 5L))).isEmpty(); // lag == max is fine
        assertThat(rotation.inRotation(R1)).isTrue();
    }

    @Test
    void unreachableTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.unreachable("Connection refused"))).isEqualTo("unreachable: Connection refused");
    }

    @Test
    void notReplicatingTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.notReplicating())).isEqualTo("not replicating");
    }

    @Test
    void aStatusThatCannotBeReadTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.failed("cannot read replica status: Access denied")))
                .isEqualTo("cannot read replica status: Access denied");
    }

    @Test
    void sqlThreadStoppedTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.status(true, false, null))).isEqualTo("SQL thread stopped");
    }

    @Test
    void ioThreadNotRunningTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.status(false, true, 0L))).isEqualTo("IO thread not running");
    }

    @Test
    void bothThreadsDownTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.status(false, false, null))).isEqualTo("IO thread not running, SQL thread stopped");
    }

    @Test
    void nullLagTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.status(true, true, null))).isEqualTo("lag unknown (server reports NULL)");
    }

    @Test
    void lagAboveTheMaximumTakesItOut() {
        assertThat(reasonFor(ReplicaProbe.status(true, true, 12L))).isEqualTo("lag 12 s > max_replica_lag 5 s");
    }

    @Test
    void anOutReplicaReturnsAfterTwoConsecutiveHealthyProbes() {
        rotation.record(R1, ReplicaProbe.status(true, false, null));
        assertThat(rotation.record(R1, OK)).isEmpty();
        assertThat(rotation.inRotation(R1)).isFalse();
        // a bad probe in between starts the count again, and is not a new transition
        assertThat(rotation.record(R1, ReplicaProbe.status(true, true, 9L))).isEmpty();
        assertThat(rotation.outReason(R1)).contains("lag 9 s > max_replica_lag 5 s");
        assertThat(rotation.record(R1, OK)).isEmpty();
        assertThat(rotation.inRotation(R1)).isFalse();
        Optional<Transition> back = rotation.record(R1, OK);
        assertThat(back).contains(new Transition(R1, true, null));
        assertThat(rotation.inRotation(R1)).isTrue();
        assertThat(rotation.outOfRotation()).isEmpty();
        // and leaves again at once
        assertThat(rotation.record(R1, ReplicaProbe.unreachable("x"))).isPresent();
        assertThat(rotation.inRotation(R1)).isFalse();
    }

    @Test
    void returnAfterIsConfigurable() {
        ReplicaRotation once = new ReplicaRotation(5, 1);
        once.record(R1, ReplicaProbe.notReplicating());
        assertThat(once.record(R1, OK)).isPresent();
        assertThat(once.inRotation(R1)).isTrue();

        ReplicaRotation thrice = new ReplicaRotation(5, 3);
        thrice.record(R1, ReplicaProbe.notReplicating());
        assertThat(thrice.record(R1, OK)).isEmpty();
        assertThat(thrice.record(R1, OK)).isEmpty();
        assertThat(thrice.record(R1, OK)).isPresent();
    }

    @Test
    void replicasAreIndependent() {
        rotation.record(R1, ReplicaProbe.unreachable("down"));
        rotation.record(R2, OK);
        assertThat(rotation.inRotation(R1)).isFalse();
        assertThat(rotation.inRotation(R2)).isTrue();
        assertThat(rotation.outOfRotation()).containsOnlyKeys(R1);
    }

    @Test
    void forgottenReplicasCountAsNeverProbed() {
        rotation.record(R1, ReplicaProbe.unreachable("down"));
        rotation.record(R2, ReplicaProbe.unreachable("down"));
        rotation.retainOnly(Set.of(R2));
        assertThat(rotation.inRotation(R1)).isTrue();
        assertThat(rotation.inRotation(R2)).isFalse();
        rotation.forget(R2);
        assertThat(rotation.inRotation(R2)).isTrue();
        // a forgotten replica that comes back unhealthy leaves again, with a transition
        assertThat(rotation.record(R1, ReplicaProbe.unreachable("down"))).isPresent();
    }

    @Test
    void transitionsDescribeThemselvesForTheLog() {
        Transition leave = rotation.record(R1, ReplicaProbe.status(true, false, null)).orElseThrow();
        assertThat(leave.describe("g0")).isEqualTo("replica 127.0.0.1:3317 of g0 leaves the read rotation: SQL thread stopped");
        rotation.record(R1, OK);
        Transition back = rotation.record(R1, OK).orElseThrow();
        assertThat(back.describe("g0")).isEqualTo("replica 127.0.0.1:3317 of g0 returns to the read rotation");
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new ReplicaRotation(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplicaRotation(5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplicaProbe(false, false, false, null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
