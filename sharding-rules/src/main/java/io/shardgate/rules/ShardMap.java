package io.shardgate.rules;

import io.shardgate.rules.yaml.YamlNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shard map a DBA edits: the logical schema clients see and the replication groups behind it.
 * Immutable; {@code version} increases with every accepted change.
 *
 * <p>This first form knows groups only; shards, tables and their algorithms come with the sharding work.
 */
public final class ShardMap {
    private final long version;
    private final String schema;
    private final Map<String, GroupDef> groups;

    /** @param groups in declaration order: the first one is the default group */
    public ShardMap(long version, String schema, Map<String, GroupDef> groups) {
        if (groups.isEmpty()) throw new IllegalArgumentException("a shard map needs at least one group");
        this.version = version;
        this.schema = schema;
        this.groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    public static ShardMap load(Path file, long version) {
        return fromYaml(YamlNode.load(file), version);
    }

    public static ShardMap fromYaml(YamlNode root, long version) {
        root.allowOnly("schema", "groups");
        String schema = root.string("schema", null);
        YamlNode groupsNode = root.require("groups");
        Map<String, GroupDef> groups = new LinkedHashMap<>();
        Map<Endpoint, String> owner = new HashMap<>();
        for (Map.Entry<String, YamlNode> e : groupsNode.entries().entrySet()) {
            YamlNode g = e.getValue().allowOnly("master", "replicas");
            YamlNode masterNode = g.require("master");
            Endpoint master = endpoint(masterNode);
            claim(owner, master, e.getKey(), masterNode);
            List<Endpoint> replicas = new ArrayList<>();
            YamlNode reps = g.get("replicas");
            if (reps != null) {
                for (YamlNode r : reps.items()) {
                    Endpoint ep = endpoint(r);
                    claim(owner, ep, e.getKey(), r);
                    replicas.add(ep);
                }
            }
            groups.put(e.getKey(), new GroupDef(e.getKey(), master, replicas));
        }
        if (groups.isEmpty()) {
            throw groupsNode.error("at least one group is needed");
        }
        return new ShardMap(version, schema, groups);
    }

    private static Endpoint endpoint(YamlNode n) {
        try {
            return Endpoint.parse(n.string());
        } catch (IllegalArgumentException ex) {
            throw n.error(ex.getMessage());
        }
    }

    private static void claim(Map<Endpoint, String> owner, Endpoint ep, String group, YamlNode where) {
        String prev = owner.putIfAbsent(ep, group);
        if (prev != null) {
            throw where.error("instance " + ep + " is already listed in group " + prev + "; an instance belongs to one group");
        }
    }

    public long version() {
        return version;
    }

    /** The logical database name clients see, or null when not set. */
    public String schema() {
        return schema;
    }

    public Map<String, GroupDef> groups() {
        return groups;
    }

    public GroupDef group(String name) {
        return groups.get(name);
    }

    /** The group that serves statements no rule claims: the first one declared. */
    public String defaultGroup() {
        return groups.keySet().iterator().next();
    }
}
