package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;

import java.util.Set;

/** Probes one replica's replication state. Called from one thread (the monitor's). */
public interface ReplicaProber extends AutoCloseable {

    /**
     * Probes {@code replica}. Never throws: a replica that cannot be reached gives {@link ReplicaProbe#unreachable};
     * returns within a bounded time (the implementation's timeouts).
     */
    ReplicaProbe probe(Endpoint replica);

    /** Drops whatever is kept for replicas not in {@code replicas} (they left the topology). */
    default void retainOnly(Set<Endpoint> replicas) {
    }

    /** Releases what the prober holds (connections). */
    @Override
    default void close() {
    }
}
