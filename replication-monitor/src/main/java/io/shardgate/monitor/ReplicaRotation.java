package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which replicas may serve reads: the decision from probe results, without I/O.
 *
 * <p>A replica is IN or OUT (with a reason). A probe that is unhealthy ({@link #problem}) takes it OUT at once; an OUT
 * replica returns IN after {@code returnAfter} consecutive healthy probes, so that one good probe between bad ones does
 * not make it flap. A replica never probed (or forgotten) is IN: reads work from the start, and the first probe comes
 * within one monitor interval.
 *
 * <p>{@link #record}, {@link #forget} and {@link #retainOnly} may be called from any thread (they are serialised);
 * {@link #inRotation} reads an immutable snapshot through a volatile field: no lock, no allocation.
 */
public final class ReplicaRotation {
    public static final int DEFAULT_RETURN_AFTER = 2;

    /**
     * A change of a replica's place in the read rotation.
     *
     * @param returns true: it returns IN; false: it leaves (goes OUT)
     * @param reason  why it leaves; null when it returns
     */
    public record Transition(Endpoint replica, boolean returns, String reason) {
        public Transition {
            Objects.requireNonNull(replica, "replica");
            if (!returns) Objects.requireNonNull(reason, "reason");
        }

        /** {@code replica 127.0.0.1:3317 of g0 leaves the read rotation: SQL thread stopped}, or {@code ... returns to the read rotation}. */
        public String describe(String group) {
            String who = "replica " + replica + (group == null ? "" : " of " + group);
            return returns ? who + " returns to the read rotation" : who + " leaves the read rotation: " + reason;
        }

        @Override
        public String toString() {
            return describe(null);
        }
    }

    /** reason == null: IN. healthyStreak: consecutive healthy probes while OUT. */
    private record State(String reason, int healthyStreak) {
    }

    private final long maxLagSeconds;
    private final int returnAfter;
    private final Map<Endpoint, State> states = new HashMap<>(); // guarded by this
    /** OUT replicas and their reasons; immutable, replaced on every change. */
    private volatile Map<Endpoint, String> out = Map.of();

    public ReplicaRotation(long maxLagSeconds, int returnAfter) {
        if (maxLagSeconds < 0) throw new IllegalArgumentException("max_replica_lag " + maxLagSeconds + " is negative");
        if (returnAfter < 1) throw new IllegalArgumentException("returnAfter " + returnAfter + " is not at least 1");
        this.maxLagSeconds = maxLagSeconds;
        this.returnAfter = returnAfter;
    }

    public ReplicaRotation(long maxLagSeconds) {
        this(maxLagSeconds, DEFAULT_RETURN_AFTER);
    }

    public long maxLagSeconds() {
        return maxLagSeconds;
    }

    public int returnAfter() {
        return returnAfter;
    }

    /** May {@code replica} serve reads? True unless it is OUT; unknown replicas are IN. Lock-free, allocation-free. */
    public boolean inRotation(Endpoint replica) {
        Map<Endpoint, String> o = out;
        return o.isEmpty() || !o.containsKey(replica);
    }

    /** Why {@code replica} is OUT (the latest unhealthy probe's reason), or empty when it is IN. */
    public Optional<String> outReason(Endpoint replica) {
        return Optional.ofNullable(out.get(replica));
    }

    /** The OUT replicas and why; an immutable snapshot. */
    public Map<Endpoint, String> outOfRotation() {
        return out;
    }

    /**
     * Why {@code probe} shows a replica unfit for reads, or null when it is fit: the probe's error
     * ({@code unreachable: ...}, {@code not replicating}, ...), a replication thread not running, a NULL lag, or a lag
     * above {@code maxLagSeconds}.
     */
    public static String problem(ReplicaProbe probe, long maxLagSeconds) {
        if (probe.error() != null) return probe.error();
        if (!probe.ioRunning() && !probe.sqlRunning()) return "IO thread not running, SQL thread stopped";
        if (!probe.ioRunning()) return "IO thread not running";
        if (!probe.sqlRunning()) return "SQL thread stopped";
        Long lag = probe.secondsBehind();
        if (lag == null) return "lag unknown (server reports NULL)";
        if (lag > maxLagSeconds) return "lag " + lag + " s > max_replica_lag " + maxLagSeconds + " s";
        return null;
    }

    /** Records one probe of {@code replica}; returns the transition it causes, if any. */
    public synchronized Optional<Transition> record(Endpoint replica, ReplicaProbe probe) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(probe, "probe");
        String problem = problem(probe, maxLagSeconds);
        State before = states.get(replica);
        boolean wasOut = before != null && before.reason() != null;
        if (problem != null) {
            states.put(replica, new State(problem, 0));
            publish();
            return wasOut ? Optional.empty() : Optional.of(new Transition(replica, false, problem));
        }
        if (!wasOut) {
            states.put(replica, new State(null, 0));
            return Optional.empty();
        }
        int streak = before.healthyStreak() + 1;
        if (streak < returnAfter) {
            states.put(replica, new State(before.reason(), streak));
            return Optional.empty();
        }
        states.put(replica, new State(null, 0));
        publish();
        return Optional.of(new Transition(replica, true, null));
    }

    /** Forgets {@code replica}: it counts as never probed (IN). */
    public synchronized void forget(Endpoint replica) {
        if (states.remove(replica) != null) publish();
    }

    /** Forgets every replica not in {@code replicas} (those that left the topology). */
    public synchronized void retainOnly(Set<Endpoint> replicas) {
        if (states.keySet().retainAll(replicas)) publish();
    }

    private void publish() { // holds this
        Map<Endpoint, String> o = new HashMap<>();
        states.forEach((e, s) -> {
            if (s.reason() != null) o.put(e, s.reason());
        });
        out = Map.copyOf(o);
    }
}
