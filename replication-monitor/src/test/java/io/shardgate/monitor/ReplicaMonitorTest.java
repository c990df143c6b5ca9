package io.shardgate.monitor;

import io.shardgate.monitor.ReplicaRotation.Transition;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaMonitorTest {
    private static final ShardMap MAP = ShardMap.fromYaml(YamlNode.parse("t.yaml", """
            groups:
              g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317, 127.0.0.1:3318] }
              g1: { master: 127.0.0.1:3326, replicas: [127.0.0.1:3327] }
            """), 1);
    private static final Endpoint R01 = Endpoint.parse("127.0.0.1:3317");
    private static final Endpoint R02 = Endpoint.parse("127.0.0.1:3318");
    private static final Endpoint R11 = Endpoint.parse("127.0.0.1:3327");
    private static final ReplicaProbe OK = ReplicaProbe.status(true, true, 0L);

    /** Answers what a test set for each replica (healthy otherwise) and records what it was asked. */
    static final class FakeProber implements ReplicaProber {
        final Map<Endpoint, ReplicaProbe> answers = new ConcurrentHashMap<>();
        final List<Endpoint> probed = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Set<Endpoint>> retained = new AtomicReference<>();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger probesAfterClose = new AtomicInteger();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        volatile CountDownLatch probes = new CountDownLatch(0);
        volatile RuntimeException toThrow;

        @Override
        public ReplicaProbe probe(Endpoint replica) {
            if (closes.get() > 0) probesAfterClose.incrementAndGet();
            thread.set(Thread.currentThread());
            probed.add(replica);
            probes.countDown();
            if (toThrow != null) throw toThrow;
            return answers.getOrDefault(replica, OK);
        }

        @Override
        public void retainOnly(Set<Endpoint> replicas) {
            retained.set(Set.copyOf(replicas));
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private final FakeProber prober = new FakeProber();
    private final StaticTopologySource source = new StaticTopologySource(Topology.of(MAP));
    private final ReplicaMonitor monitor = new ReplicaMonitor(source::current, prober, ReplicaMonitor.Settings.DEFAULTS);

    @Test
    void everyReplicaIsInBeforeTheFirstProbe() {
        assertThat(monitor.inRotation(R01)).isTrue();
        assertThat(monitor.inRotation(R11)).isTrue();
        assertThat(prober.probed).isEmpty();
    }

    @Test
    void eachRoundProbesEveryReplicaOfEveryGroupButNoMaster() {
        assertThat(monitor.probeOnce()).isEmpty();
        assertThat(prober.probed).containsExactly(R01, R02, R11);
        assertThat(prober.retained.get()).containsExactlyInAnyOrder(R01, R02, R11);
    }

    @Test
    void unhealthyReplicasLeaveAndReturnAfterTwoHealthyRounds() {
        prober.answers.put(R02, ReplicaProbe.status(true, false, null));
        prober.answers.put(R11, ReplicaProbe.status(true, true, 12L));
        List<Transition> first = monitor.probeOnce();
        assertThat(first).containsExactly(new Transition(R02, false, "SQL thread stopped"),
                new Transition(R11, false, "lag 12 s > max_replica_lag 5 s"));
        assertThat(monitor.inRotation(R01)).isTrue();
        assertThat(monitor.inRotation(R02)).isFalse();
        assertThat(monitor.inRotation(R11)).isFalse();
        assertThat(monitor.probeOnce()).isEmpty(); // still bad: no new transitions

        prober.answers.clear();
        assertThat(monitor.probeOnce()).isEmpty();
        assertThat(monitor.inRotation(R02)).isFalse();
        assertThat(monitor.probeOnce()).containsExactly(new Transition(R02, true, null), new Transition(R11, true, null));
        assertThat(monitor.inRotation(R02)).isTrue();
        assertThat(monitor.inRotation(R11)).isTrue();
    }

    @Test
    void replicasLeavingTheTopologyAreForgottenAndNoLongerProbed() {
        prober.answers.put(R01, ReplicaProbe.unreachable("Connection refused"));
        monitor.probeOnce();
        assertThat(monitor.inRotation(R01)).isFalse();

        source.publish(source.current().withMaster("g0", R01)); // R01 promoted: no longer a replica
        prober.probed.clear();
        monitor.probeOnce();
        assertThat(prober.probed).containsExactly(R02, R11);
        assertThat(prober.retained.get()).containsExactlyInAnyOrder(R02, R11);
        assertThat(monitor.inRotation(R01)).isTrue();
        assertThat(monitor.rotation().outOfRotation()).isEmpty();
    }

    @Test
    void aProberThatThrowsAnywayTakesTheReplicaOut() {
        prober.toThrow = new IllegalStateException("boom");
        List<Transition> t = monitor.probeOnce();
        assertThat(t).hasSize(3);
        assertThat(t.get(0).reason()).startsWith("probe failed: ").contains("boom");
        assertThat(monitor.inRotation(R01)).isFalse();
    }

    @Test
    void startedItProbesOnItsOwnDaemonThreadUntilClosed() throws Exception {
        ReplicaMonitor.Settings fast = new ReplicaMonitor.Settings(5, 10, 2, 500);
        prober.probes = new CountDownLatch(6); // at least two rounds of three replicas
        prober.answers.put(R11, ReplicaProbe.unreachable("down"));
        ReplicaMonitor m = new ReplicaMonitor(source::current, prober, fast).start();
        try {
            assertThat(prober.probes.await(10, TimeUnit.SECONDS)).isTrue();
            Thread t = prober.thread.get();
            assertThat(t.getName()).isEqualTo(ReplicaMonitor.THREAD_NAME);
            assertThat(t.isDaemon()).isTrue();
            assertThat(m.inRotation(R11)).isFalse();
            assertThat(m.inRotation(R01)).isTrue();
            assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class);
        } finally {
            m.close();
        }
        assertThat(prober.closes.get()).isEqualTo(1);
        Thread t = prober.thread.get();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(prober.probesAfterClose.get()).isZero();
        m.close(); // idempotent
        assertThat(prober.closes.get()).isEqualTo(1);
        assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRoundThatFailsDoesNotStopTheSchedule() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch rounds = new CountDownLatch(3);
        ReplicaMonitor m = new ReplicaMonitor(() -> {
            calls.incrementAndGet();
            rounds.countDown();
            throw new IllegalStateException("no topology");
        }, prober, new ReplicaMonitor.Settings(5, 10, 2, 500)).start();
        try {
            assertThat(rounds.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            m.close();
        }
        assertThat(calls.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void closingAMonitorNeverStartedClosesTheProber() {
        monitor.close();
        assertThat(prober.closes.get()).isEqualTo(1);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new ReplicaMonitor.Settings(-1, 1000, 2, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplicaMonitor.Settings(5, 0, 2, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplicaMonitor.Settings(5, 1000, 0, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplicaMonitor.Settings(5, 1000, 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ReplicaMonitor.Settings.DEFAULTS).isEqualTo(new ReplicaMonitor.Settings(5, 1000, 2, 2000));
    }
}
