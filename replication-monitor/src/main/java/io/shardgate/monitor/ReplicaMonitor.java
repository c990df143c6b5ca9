package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the read rotation of every group's replicas: on one daemon thread ({@value #THREAD_NAME}), every
 * {@code intervalMs}, probes each replica of the current topology one after another, records the results in a
 * {@link ReplicaRotation} and logs each replica leaving or returning. Replicas that leave the topology are forgotten
 * (by the rotation and the prober). {@link #inRotation} is for the request path: lock-free, allocation-free.
 */
public final class ReplicaMonitor implements AutoCloseable {
    public static final String THREAD_NAME = "shardgate-replica-monitor";
    private static final Logger log = LoggerFactory.getLogger(ReplicaMonitor.class);

    /**
     * @param maxReplicaLagSeconds a replica further behind leaves the rotation ({@code max_replica_lag})
     * @param intervalMs           delay between the end of one round of probes and the start of the next
     * @param returnAfter          consecutive healthy probes an OUT replica needs to return
     * @param probeTimeoutMs       connect and socket timeout of each probe
     */
    public record Settings(long maxReplicaLagSeconds, long intervalMs, int returnAfter, int probeTimeoutMs) {
        public static final Settings DEFAULTS = new Settings(5, 1000, ReplicaRotation.DEFAULT_RETURN_AFTER, 2000);

        public Settings {
            if (maxReplicaLagSeconds < 0) throw new IllegalArgumentException("max_replica_lag " + maxReplicaLagSeconds + " is negative");
            if (intervalMs <= 0) throw new IllegalArgumentException("interval " + intervalMs + " ms is not positive");
            if (returnAfter < 1) throw new IllegalArgumentException("returnAfter " + returnAfter + " is not at least 1");
            if (probeTimeoutMs <= 0) throw new IllegalArgumentException("probe timeout " + probeTimeoutMs + " ms is not positive");
        }
    }

    private final Supplier<Topology> topology;
    private final ReplicaProber prober;
    private final Settings settings;
    private final ReplicaRotation rotation;
    private ScheduledExecutorService executor; // guarded by this
    private volatile boolean closed;

    /** A monitor that is not running yet: {@link #start} it. It owns {@code prober} (closed by {@link #close}). */
    public ReplicaMonitor(Supplier<Topology> topology, ReplicaProber prober, Settings settings) {
        this.topology = Objects.requireNonNull(topology, "topology");
        this.prober = Objects.requireNonNull(prober, "prober");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.rotation = new ReplicaRotation(settings.maxReplicaLagSeconds(), settings.returnAfter());
    }

    /** A monitor (not started) probing with Connector/J as {@code user}; see {@link JdbcReplicaProber} for the privilege. */
    public static ReplicaMonitor jdbc(Supplier<Topology> topology, String user, String password, Settings settings) {
        return new ReplicaMonitor(topology, new JdbcReplicaProber(user, password, settings.probeTimeoutMs()), settings);
    }

    /** Starts probing: the first round at once, then {@code intervalMs} after the end of each round. */
    public synchronized ReplicaMonitor start() {
        if (closed) throw new IllegalStateException("replica monitor closed");
        if (executor != null) throw new IllegalStateException("replica monitor already started");
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::round, 0, settings.intervalMs(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** May {@code replica} serve reads now? Replicas not probed yet are IN. Lock-free, allocation-free. */
    public boolean inRotation(Endpoint replica) {
        return rotation.inRotation(replica);
    }

    /** The rotation this monitor keeps (OUT replicas and their reasons). */
    public ReplicaRotation rotation() {
        return rotation;
    }

    public Settings settings() {
        return settings;
    }

    private void round() {
        try {
            probeOnce();
        } catch (RuntimeException e) { // an exception would end scheduleWithFixedDelay's repetitions
            log.error("replica monitor round failed; next round in {} ms", settings.intervalMs(), e);
        }
    }

    /**
     * One round: probes every replica of the current topology once, records the results, forgets replicas no longer
     * listed, logs and returns the transitions. Package-private so tests drive rounds themselves.
     */
    List<ReplicaRotation.Transition> probeOnce() {
        Topology t = topology.get();
        Map<Endpoint, String> groupOf = new LinkedHashMap<>();
        if (t != null) {
            t.groups().values().stream().sorted(Comparator.comparing(Topology.Member::group))
                    .forEach(m -> m.replicas().forEach(r -> groupOf.putIfAbsent(r, m.group())));
        }
        rotation.retainOnly(groupOf.keySet());
        prober.retainOnly(groupOf.keySet());
        List<ReplicaRotation.Transition> transitions = new ArrayList<>();
        for (Map.Entry<Endpoint, String> e : groupOf.entrySet()) {
            if (closed) break;
            ReplicaProbe probe;
            try {
                probe = prober.probe(e.getKey());
            } catch (RuntimeException ex) { // the contract says never; be safe
                probe = ReplicaProbe.failed("probe failed: " + ex);
            }
            if (probe == null) probe = ReplicaProbe.failed("probe failed: no result");
            ReplicaProbe p = probe;
            rotation.record(e.getKey(), probe).ifPresentOrElse(tr -> {
                transitions.add(tr);
                if (tr.returns()) log.info(tr.describe(e.getValue()));
                else log.warn(tr.describe(e.getValue()));
            }, () -> log.debug("replica {} of {}: {}", e.getKey(), e.getValue(), p));
        }
        return transitions;
    }

    /**
     * Stops the thread (waiting for a running probe, which its timeouts bound) and closes the prober's connections.
     */
    @Override
    public void close() {
        ScheduledExecutorService ex;
        synchronized (this) {
            if (closed) return;
            closed = true;
            ex = executor;
        }
        if (ex != null) {
            ex.shutdownNow();
            try {
                if (!ex.awaitTermination(3L * settings.probeTimeoutMs() + 1000, TimeUnit.MILLISECONDS)) {
                    log.warn("replica monitor thread still probing at close; closing its connections anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        prober.close();
    }
}
