package io.shardgate.rules;

import java.util.List;

/**
 * A replication group as the DBA declared it: one master and its replicas, each replica with a weight (its
 * share of the group's reads, relative to the others; 1 unless given).
 */
public record GroupDef(String name, Endpoint master, List<Endpoint> replicas, List<Integer> weights) {
    public GroupDef {
        replicas = List.copyOf(replicas);
        weights = List.copyOf(weights);
        if (weights.size() != replicas.size()) throw new IllegalArgumentException("one weight per replica");
        for (int w : weights) if (w < 1) throw new IllegalArgumentException("a replica weight must be at least 1, got " + w);
    }

    /** Every replica with weight 1. */
    public GroupDef(String name, Endpoint master, List<Endpoint> replicas) {
        this(name, master, replicas, java.util.Collections.nCopies(replicas.size(), 1));
    }

    /** The weight of {@code replica}; 1 for an endpoint not declared here (a replica the topology added later). */
    public int weight(Endpoint replica) {
        int i = replicas.indexOf(replica);
        return i < 0 ? 1 : weights.get(i);
    }
}
