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
 * The shard map a DBA edits: the logical schema clients see, the replication groups, the shards (databases inside
 * groups), and how each table is spread over the shards. Immutable; {@code version} increases with every accepted
 * change. The YAML format and its validation are in docs/configuration.md and {@link ShardMapReader}.
 *
 * <p>Shards and tables are optional: a map with groups only routes everything to its first group (what the proxy
 * does today). Once shards are declared, {@link #defaultShard()} is set and its group is the default group.
 */
public final class ShardMap {
    private final long version;
    private final String schema;
    private final Map<String, GroupDef> groups;
    private final Map<String, ShardDef> shards;
    private final List<TableRule> tables;
    private final Map<String, TableRule> tablesByName;   // normalized name -> rule
    private final String defaultShard;

    /** A groups-only map. @param groups in declaration order: the first one is the default group */
    public ShardMap(long version, String schema, Map<String, GroupDef> groups) {
        this(version, schema, groups, List.of(), List.of(), null);
    }

    /**
     * @param groups       in declaration order; when {@code defaultShard} is null the first one is the default group
     * @param shards       in declaration order; each names a declared group, no two share a group and database
     * @param tables       the table rules; names unique ignoring case; every shard they use is declared
     * @param defaultShard where unlisted tables live; required when there are shards, null when there are none
     * @throws IllegalArgumentException when these do not fit together (the YAML reader reports the same problems
     *                                  earlier, with file and line)
     */
    public ShardMap(long version, String schema, Map<String, GroupDef> groups, List<ShardDef> shards,
                    List<TableRule> tables, String defaultShard) {
        if (groups.isEmpty()) throw new IllegalArgumentException("a shard map needs at least one group");
        this.version = version;
        this.schema = schema;
        this.groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));

        Map<String, ShardDef> byName = new LinkedHashMap<>();
        Map<String, String> byDatabase = new HashMap<>();
        for (ShardDef s : shards) {
            if (!groups.containsKey(s.group())) throw new IllegalArgumentException("shard " + s.name() + ": unknown group " + s.group());
            if (byName.putIfAbsent(s.name(), s) != null) throw new IllegalArgumentException("shard " + s.name() + " declared twice");
            String other = byDatabase.putIfAbsent(s.group() + "/" + TableRule.normalize(s.database()), s.name());
            if (other != null) throw new IllegalArgumentException("shards " + other + " and " + s.name() + " are the same database");
        }
        this.shards = Collections.unmodifiableMap(byName);

        Map<String, TableRule> index = new HashMap<>();
        for (TableRule t : tables) {
            if (index.putIfAbsent(TableRule.normalize(t.name()), t) != null) {
                throw new IllegalArgumentException("table " + t.name() + " declared twice (names are case-insensitive)");
            }
            if (t instanceof ShardedTable st) {
                for (String s : st.algorithm().shards()) {
                    if (!byName.containsKey(s)) throw new IllegalArgumentException("table " + t.name() + ": unknown shard " + s);
                }
            }
        }
        this.tables = List.copyOf(tables);
        this.tablesByName = Map.copyOf(index);

        if (defaultShard == null ? !shards.isEmpty() : !byName.containsKey(defaultShard)) {
            throw new IllegalArgumentException("default shard " + defaultShard + " is not one of the shards " + byName.keySet());
        }
        this.defaultShard = defaultShard;
    }

    public static ShardMap load(Path file, long version) {
        return fromYaml(YamlNode.load(file), version);
    }

    /** @throws io.shardgate.rules.yaml.ConfigException naming file, line and key of the first problem */
    public static ShardMap fromYaml(YamlNode root, long version) {
        return ShardMapReader.read(root, version);
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

    /** The group that serves what no rule claims: the default shard's group, or the first group of a groups-only map. */
    public String defaultGroup() {
        return defaultShard != null ? shards.get(defaultShard).group() : groups.keySet().iterator().next();
    }

    /** Shards in declaration order; empty for a groups-only map. */
    public Map<String, ShardDef> shards() {
        return shards;
    }

    public ShardDef shard(String name) {
        return shards.get(name);
    }

    /** The shards inside {@code group}, in declaration order; empty for an unknown group. */
    public List<ShardDef> shardsOf(String group) {
        List<ShardDef> out = new ArrayList<>();
        for (ShardDef s : shards.values()) {
            if (s.group().equals(group)) out.add(s);
        }
        return Collections.unmodifiableList(out);
    }

    /** The table rules in declaration order. */
    public List<TableRule> tables() {
        return tables;
    }

    /** The rule for {@code table}, matched ignoring case; null for a table not listed (it lives in the default shard). */
    public TableRule table(String table) {
        return tablesByName.get(TableRule.normalize(table));
    }

    /** Where tables not listed live; null only for a groups-only map. */
    public String defaultShard() {
        return defaultShard;
    }
}
