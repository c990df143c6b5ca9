package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is master of each group right now, and its epoch (raised by every promotion). Immutable; a change
 * of master produces a new Topology with a higher version.
 */
public record Topology(long version, Map<String, Member> groups) {

    public record Member(String group, Endpoint master, List<Endpoint> replicas, long epoch) {
        public Member {
            replicas = List.copyOf(replicas);
        }
    }

    public Topology {
        groups = Map.copyOf(groups);
    }

    public static Topology of(ShardMap map) {
        Map<String, Member> m = new LinkedHashMap<>();
        for (GroupDef g : map.groups().values()) {
            m.put(g.name(), new Member(g.name(), g.master(), g.replicas(), 1));
        }
        return new Topology(1, m);
    }

    public Member group(String name) {
        Member m = groups.get(name);
        if (m == null) throw new IllegalArgumentException("unknown group " + name);
        return m;
    }

    /** A topology where {@code group}'s master is {@code newMaster} (epoch + 1), the old master no longer listed. */
    public Topology withMaster(String group, Endpoint newMaster) {
        Member old = group(group);
        List<Endpoint> reps = old.replicas().stream().filter(e -> !e.equals(newMaster)).toList();
        Map<String, Member> m = new LinkedHashMap<>(groups);
        m.put(group, new Member(group, newMaster, reps, old.epoch() + 1));
        return new Topology(version + 1, m);
    }
}
