package io.shardgate.rules;

import io.shardgate.rules.yaml.ConfigException;
import io.shardgate.rules.yaml.YamlNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a shard map from YAML and refuses anything doubtful with a message naming file, line and key path.
 * Checks that need the YAML's lines live here; {@link ShardMap}'s constructor re-checks the invariants without them.
 */
final class ShardMapReader {
    /** A name MySQL accepts unquoted, ASCII only: letters, digits, _ and $, not all digits, at most 64 characters. */
    private static final Pattern PLAIN_NAME = Pattern.compile("(?=.*[A-Za-z_$])[A-Za-z0-9_$]{1,64}");
    private static final Pattern SLOT_ITEM = Pattern.compile("(\\d{1,9})(?:\\s*-\\s*(\\d{1,9}))?");

    private ShardMapReader() {}

    static ShardMap read(YamlNode root, long version) {
        root.allowOnly("schema", "groups", "shards", "tables", "default_shard");
        String schema = root.string("schema", null);
        Map<String, GroupDef> groups = groups(root.require("groups"));

        YamlNode shardsNode = root.get("shards");
        YamlNode tablesNode = root.get("tables");
        YamlNode defaultNode = root.get("default_shard");
        if (shardsNode == null) {
            if (tablesNode != null) throw missing(root, "shards", "required when tables are declared");
            if (defaultNode != null) throw defaultNode.error("there are no shards: declare them under shards");
            return new ShardMap(version, schema, groups);
        }
        if (defaultNode == null) throw missing(root, "default_shard", "required when shards are declared: tables not listed live there");
        Map<String, ShardDef> shards = shards(shardsNode, groups);
        String defaultShard = shardRef(defaultNode, shards);
        List<TableRule> tables = tablesNode == null ? List.of() : tables(tablesNode, shards);
        return new ShardMap(version, schema, groups, List.copyOf(shards.values()), tables, defaultShard);
    }

    private static Map<String, GroupDef> groups(YamlNode groupsNode) {
        Map<String, GroupDef> groups = new LinkedHashMap<>();
        Map<Endpoint, String> owner = new HashMap<>();
        for (Map.Entry<String, YamlNode> e : groupsNode.entries().entrySet()) {
            YamlNode g = e.getValue().allowOnly("master", "replicas");
            YamlNode masterNode = g.require("master");
            Endpoint master = endpoint(masterNode);
            claim(owner, master, e.getKey(), masterNode);
            List<Endpoint> replicas = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            YamlNode reps = g.get("replicas");
            if (reps != null) {
                for (YamlNode r : reps.items()) {
                    // "host:port", or { endpoint: host:port, weight: N }
                    YamlNode at = r;
                    int weight = 1;
                    if (r.isMap()) {
                        r.allowOnly("endpoint", "weight");
                        at = r.require("endpoint");
                        weight = r.intValue("weight", 1);
                        if (weight < 1) throw r.get("weight").error("a replica weight must be at least 1");
                    }
                    Endpoint ep = endpoint(at);
                    claim(owner, ep, e.getKey(), at);
                    replicas.add(ep);
                    weights.add(weight);
                }
            }
            groups.put(e.getKey(), new GroupDef(e.getKey(), master, replicas, weights));
        }
        if (groups.isEmpty()) throw groupsNode.error("at least one group is needed");
        return groups;
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

    private static Map<String, ShardDef> shards(YamlNode shardsNode, Map<String, GroupDef> groups) {
        Map<String, ShardDef> shards = new LinkedHashMap<>();
        Map<String, String> byDatabase = new HashMap<>();
        for (Map.Entry<String, YamlNode> e : shardsNode.entries().entrySet()) {
            String name = e.getKey();
            YamlNode s = e.getValue().allowOnly("group", "database");
            YamlNode groupNode = s.require("group");
            String group = groupNode.string();
            if (!groups.containsKey(group)) {
                throw groupNode.error("unknown group '" + group + "'; groups: " + String.join(", ", groups.keySet()));
            }
            YamlNode dbNode = s.require("database");
            String database = plainName(dbNode, "database");
            // case-insensitive: with lower_case_table_names=1 two spellings are one database
            String other = byDatabase.putIfAbsent(group + "/" + TableRule.normalize(database), name);
            if (other != null) {
                throw dbNode.error("database " + database + " of group " + group + " is already shard " + other
                        + "; a database is one shard only (names compared ignoring case)");
            }
            shards.put(name, new ShardDef(name, group, database));
        }
        if (shards.isEmpty()) throw shardsNode.error("at least one shard is needed");
        return shards;
    }

    private static String shardRef(YamlNode n, Map<String, ShardDef> shards) {
        String name = n.string();
        if (!shards.containsKey(name)) {
            throw n.error("unknown shard '" + name + "'; shards: " + String.join(", ", shards.keySet()));
        }
        return name;
    }

    private static List<TableRule> tables(YamlNode tablesNode, Map<String, ShardDef> shards) {
        List<TableRule> rules = new ArrayList<>();
        Map<String, String> declared = new HashMap<>();
        for (Map.Entry<String, YamlNode> e : tablesNode.entries().entrySet()) {
            String name = e.getKey();
            YamlNode t = e.getValue();
            if (!PLAIN_NAME.matcher(name).matches()) throw t.error(notPlain(name, "table"));
            String other = declared.putIfAbsent(TableRule.normalize(name), name);
            if (other != null) {
                throw t.error("table " + other + " is already declared; table names are matched ignoring case");
            }
            rules.add(table(name, t.allowOnly("key", "range", "hash", "broadcast"), shards));
        }
        return rules;
    }

    private static TableRule table(String name, YamlNode t, Map<String, ShardDef> shards) {
        YamlNode broadcast = t.get("broadcast");
        YamlNode range = t.get("range");
        YamlNode hash = t.get("hash");
        if (broadcast != null && broadcast.booleanValue()) {
            for (String k : List.of("key", "range", "hash")) {
                if (t.get(k) != null) throw t.get(k).error("a broadcast table has no " + k + ": its rows are on every shard");
            }
            return new BroadcastTable(name);
        }
        if (range != null && hash != null) throw hash.error("a table is sharded by range or by hash, not both");
        if (range == null && hash == null) {
            throw t.error(broadcast != null ? "broadcast is false, so range or hash is needed"
                    : "range or hash is needed (or broadcast: true)");
        }
        String key = plainName(t.require("key"), "column");
        ShardingAlgorithm algorithm = range != null ? range(name, key, range, shards) : hash(hash, shards);
        return new ShardedTable(name, key, algorithm);
    }

    private record Bound(int index, long from, long to, String shard, YamlNode node) {
        String describe() {
            return "range[" + index + "] [" + from + ", " + to + ")";
        }
    }

    private static RangeAlgorithm range(String table, String key, YamlNode rangeNode, Map<String, ShardDef> shards) {
        List<YamlNode> items = rangeNode.items();
        if (items.isEmpty()) throw rangeNode.error("at least one range is needed");
        List<Bound> bounds = new ArrayList<>();
        for (YamlNode item : items) {
            item.allowOnly("from", "to", "shard");
            long from = item.require("from").longValue();
            YamlNode toNode = item.require("to");
            long to = toNode.longValue();
            String shard = shardRef(item.require("shard"), shards);
            if (from >= to) {
                throw toNode.error("to must be greater than from (" + from + "): a range holds from <= " + key + " < to");
            }
            bounds.add(new Bound(bounds.size(), from, to, shard, item));
        }
        bounds.sort(Comparator.comparingLong(Bound::from));   // stable: equal froms keep file order
        for (int i = 1; i < bounds.size(); i++) {
            Bound a = bounds.get(i - 1);
            Bound b = bounds.get(i);
            if (b.from() < a.to()) {
                throw b.node().error(b.describe() + " overlaps " + a.describe() + " at line " + a.node().line()
                        + ": keys " + b.from() + ".." + (Math.min(a.to(), b.to()) - 1) + " are in both");
            }
            if (b.from() > a.to()) {
                throw b.node().error(b.describe() + " leaves a gap after " + a.describe() + " at line " + a.node().line()
                        + ": keys " + a.to() + ".." + (b.from() - 1) + " are in no range");
            }
        }
        List<RangeAlgorithm.Range> ranges = new ArrayList<>();
        for (Bound b : bounds) ranges.add(new RangeAlgorithm.Range(b.from(), b.to(), b.shard()));
        return new RangeAlgorithm(table, key, ranges);
    }

    private static ShardingAlgorithm hash(YamlNode hash, Map<String, ShardDef> shards) {
        hash.allowOnly("shards", "slots");
        YamlNode list = hash.require("shards");
        YamlNode slotsNode = hash.get("slots");
        if (slotsNode == null) {
            if (list.isMap()) {
                throw list.error("assigning slots to shards needs 'slots: N' beside it; for key mod N, list the shards: [s0, s1]");
            }
            List<String> names = new ArrayList<>();
            for (YamlNode item : list.items()) {
                String s = shardRef(item, shards);
                if (names.contains(s)) throw item.error("shard " + s + " is listed twice");
                names.add(s);
            }
            if (names.isEmpty()) throw list.error("at least one shard is needed");
            return new HashModAlgorithm(names);
        }
        int slots = slotsNode.intValue();
        if (slots < 1 || slots > HashSlotAlgorithm.MAX_SLOTS) {
            throw slotsNode.error(slots + " is not in 1.." + HashSlotAlgorithm.MAX_SLOTS);
        }
        if (!list.isMap()) {
            throw list.error("with slots, shards maps each shard to its slots, e.g. { s0: \"0-511\", s1: \"512-1023\" }");
        }
        String[] owner = new String[slots];
        for (Map.Entry<String, YamlNode> e : list.entries().entrySet()) {
            YamlNode spec = e.getValue();
            String shard = e.getKey();
            if (!shards.containsKey(shard)) {
                throw spec.error("unknown shard '" + shard + "'; shards: " + String.join(", ", shards.keySet()));
            }
            assignSlots(owner, shard, spec);
        }
        List<Integer> free = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            if (owner[slot] == null) free.add(slot);
        }
        if (!free.isEmpty()) {
            throw list.error(slotWord(free) + " " + runs(free) + (free.size() == 1 ? " is" : " are") + " not assigned to any shard");
        }
        return new HashSlotAlgorithm(Arrays.asList(owner));
    }

    /** Gives {@code shard} the slots of {@code spec}: comma-separated {@code n} or {@code a-b} (inclusive). */
    private static void assignSlots(String[] owner, String shard, YamlNode spec) {
        List<Integer> taken = new ArrayList<>();
        String takenBy = null;
        for (String item : spec.string().split(",", -1)) {
            Matcher m = SLOT_ITEM.matcher(item.trim());
            if (!m.matches()) throw spec.error("'" + item.trim() + "' is not a slot n or a slot range a-b");
            int a = Integer.parseInt(m.group(1));
            int b = m.group(2) == null ? a : Integer.parseInt(m.group(2));
            if (a > b) throw spec.error("'" + item.trim() + "' is reversed: write " + b + "-" + a);
            if (b >= owner.length) {
                throw spec.error("slot " + b + " is outside 0.." + (owner.length - 1) + " (slots: " + owner.length + ")");
            }
            for (int slot = a; slot <= b; slot++) {
                if (owner[slot] == null) {
                    owner[slot] = shard;
                } else if (takenBy == null || takenBy.equals(owner[slot])) {
                    takenBy = owner[slot];
                    taken.add(slot);
                }
            }
        }
        if (takenBy != null) {
            throw spec.error(slotWord(taken) + " " + runs(taken) + (taken.size() == 1 ? " is" : " are")
                    + " already assigned to " + takenBy + (takenBy.equals(shard) ? " (listed twice)" : "")
                    + "; each slot belongs to one shard");
        }
    }

    private static String slotWord(List<Integer> slots) {
        return slots.size() == 1 ? "slot" : "slots";
    }

    /** Sorted slots as compact runs: 3, 7-9, 12; at most 8 runs, then how many more. */
    private static String runs(List<Integer> sorted) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int runCount = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) j++;
            if (runCount++ < 8) out.add(i == j ? String.valueOf(sorted.get(i)) : sorted.get(i) + "-" + sorted.get(j));
            i = j + 1;
        }
        if (runCount > 8) out.add("and " + (runCount - 8) + " more ranges");
        return String.join(", ", out);
    }

    private static String plainName(YamlNode n, String what) {
        String s = n.string();
        if (!PLAIN_NAME.matcher(s).matches()) throw n.error(notPlain(s, what));
        return s;
    }

    private static String notPlain(String s, String what) {
        return "'" + s + "' is not a plain " + what + " name (ASCII letters, digits, _ and $; not only digits; at most 64)";
    }

    private static ConfigException missing(YamlNode parent, String key, String why) {
        return new ConfigException(parent.file(), parent.line(), key, "missing (" + why + ")");
    }
}
