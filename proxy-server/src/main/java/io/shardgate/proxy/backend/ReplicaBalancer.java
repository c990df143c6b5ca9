package io.shardgate.proxy.backend;

import io.shardgate.monitor.Topology;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardMap;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Picks the replica of a group that answers the next read: weighted round robin (each replica's share of
 * reads is its weight from the shard map over the sum of the weights of the replicas in rotation), over the
 * replicas the current topology lists and the health monitor keeps in rotation. Shared by every event loop:
 * one counter per group, no locks and no allocation per pick.
 */
public final class ReplicaBalancer {
    private final ShardMap map;
    private final Predicate<Endpoint> inRotation;
    private final Map<String, AtomicLong> turns = new ConcurrentHashMap<>();

    public ReplicaBalancer(ShardMap map, Predicate<Endpoint> inRotation) {
        this.map = map;
        this.inRotation = inRotation;
    }

    /** The replica to read from, or null when the group has none in rotation (the master answers then). */
    public Endpoint pick(Topology.Member group) {
        List<Endpoint> replicas = group.replicas();
        if (replicas.isEmpty()) return null;
        int total = 0;
        for (int i = 0; i < replicas.size(); i++) {
            Endpoint r = replicas.get(i);
            if (inRotation.test(r)) total += weight(group.group(), r);
        }
        if (total == 0) return null;
        long turn = turns.computeIfAbsent(group.group(), g -> new AtomicLong()).getAndIncrement();
        long slot = Math.floorMod(turn, (long) total);
        for (int i = 0; i < replicas.size(); i++) {
            Endpoint r = replicas.get(i);
            if (!inRotation.test(r)) continue;
            slot -= weight(group.group(), r);
            if (slot < 0) return r;
        }
        return null; // rotation changed between the two passes: the master this once
    }

    private int weight(String group, Endpoint replica) {
        var def = map.groups().get(group);
        return def == null ? 1 : def.weight(replica);
    }
}
