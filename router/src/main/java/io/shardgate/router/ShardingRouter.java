package io.shardgate.router;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardgate.router.RoutePlan.Kind;
import io.shardgate.router.RoutePlan.Refusal;
import io.shardgate.router.analysis.Clause;
import io.shardgate.router.analysis.ColumnEquality;
import io.shardgate.router.analysis.InsertFacts;
import io.shardgate.router.analysis.Join;
import io.shardgate.router.analysis.KeyColumns;
import io.shardgate.router.analysis.KeyCondition;
import io.shardgate.router.analysis.Limit;
import io.shardgate.router.analysis.Operand;
import io.shardgate.router.analysis.RowKey;
import io.shardgate.router.analysis.SelectShape;
import io.shardgate.router.analysis.Span;
import io.shardgate.router.analysis.ReadClassifier;
import io.shardgate.router.analysis.StatementAnalyzer;
import io.shardgate.router.analysis.StatementFacts;
import io.shardgate.router.analysis.StatementKind;
import io.shardgate.router.analysis.TableRef;
import io.shardgate.router.analysis.TextScan;
import io.shardgate.rules.BroadcastTable;
import io.shardgate.rules.HashModAlgorithm;
import io.shardgate.rules.HashSlotAlgorithm;
import io.shardgate.rules.NoShardException;
import io.shardgate.rules.RangeAlgorithm;
import io.shardgate.rules.ShardDef;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.ShardedTable;
import io.shardgate.rules.ShardingAlgorithm;
import io.shardgate.rules.TableRule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Routes statements by a {@link ShardMap}: each statement goes to the smallest set of shards its key conditions
 * allow, with logical table names rewritten to {@code `database`.`table`} of each shard. Pure and thread-safe.
 *
 * <p>The rules, in short (details on each method):
 * <ul>
 * <li>no tables (SELECT 1, SET, USE, BEGIN, SHOW ...), or only tables of other schemas: PASSTHROUGH, unchanged,
 *     to the default group;</li>
 * <li>unlisted tables: the default shard; broadcast tables: read from one shard (the default shard when it is one
 *     of the map's shards, else the first), written to all (BROADCAST_WRITE);</li>
 * <li>sharded tables: the shards their key conditions allow (SINGLE, SCATTER_READ with a {@link MergeSpec}, or
 *     FANOUT_WRITE); INSERT rows routed one by one and split per shard; DDL fanned out to the table's shards;</li>
 * <li>joins of sharded tables are pushed down when the tables are co-located (see {@link #coLocated}) and joined on
 *     an equality of their keys, or when every sharded table resolves to the same single shard; every other
 *     cross-shard join, subquery, UNION, HAVING, ... is REFUSED with error 1235 naming the construct.</li>
 * </ul>
 *
 * <p>Plans are cached by statement text (Caffeine, at most {@link #DEFAULT_CACHE_SIZE} entries by default,
 * least-recently/frequently used evicted; statements longer than {@link #MAX_CACHED_LENGTH} characters are not
 * cached, so a burst of large INSERTs cannot hold megabytes of text). Plans depend only on the text and the map,
 * so a router is built per map version and dropped with it.
 */
public final class ShardingRouter implements Router {

    /** Default bound of the plan cache, in entries. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    /** Statements longer than this (characters) are planned every time instead of cached. */
    public static final int MAX_CACHED_LENGTH = 16 * 1024;

    private static final Set<StatementKind> DML = EnumSet.of(StatementKind.SELECT, StatementKind.INSERT,
            StatementKind.REPLACE, StatementKind.UPDATE, StatementKind.DELETE);

    /** Functions whose value differs per backend connection, so a multi-shard statement cannot use them. */
    private static final Set<String> CONNECTION_BOUND = Set.of("LAST_INSERT_ID", "FOUND_ROWS", "ROW_COUNT", "CONNECTION_ID");

    /**
     * Functions whose value can differ per shard (time, randomness, connection): a write to a broadcast table using
     * one would leave the copies different. Matched when called ({@code NOW(}); UNIX_TIMESTAMP only without argument.
     */
    private static final Set<String> PER_SHARD_CALLS = Set.of("UUID", "UUID_SHORT", "RAND", "NOW", "SYSDATE", "CURDATE",
            "CURTIME", "UNIX_TIMESTAMP", "LAST_INSERT_ID", "CONNECTION_ID", "UTC_TIMESTAMP", "UTC_DATE", "UTC_TIME");
    /** Their keyword forms, which need no parentheses. */
    private static final Set<String> PER_SHARD_WORDS = Set.of("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME",
            "LOCALTIME", "LOCALTIMESTAMP");

    private final ShardMap map;
    private final StatementAnalyzer analyzer;
    private final Cache<String, RoutePlan> cache;
    private final List<String> allShards;
    private final String readShard;
    private final Pattern tableWords;
    private final RoutePlan noShards;

    public ShardingRouter(ShardMap map) {
        this(map, DEFAULT_CACHE_SIZE);
    }

    /** @param cacheSize most plans kept; 0 disables the cache */
    public ShardingRouter(ShardMap map, long cacheSize) {
        this.map = Objects.requireNonNull(map, "map");
        this.analyzer = new StatementAnalyzer(keyColumns(map));
        this.cache = cacheSize > 0 ? Caffeine.newBuilder().maximumSize(cacheSize).build() : null;
        this.allShards = List.copyOf(map.shards().keySet());
        this.readShard = map.defaultShard();
        List<String> names = new ArrayList<>();
        for (TableRule t : map.tables()) names.add(Pattern.quote(t.name()));
        this.tableWords = names.isEmpty() ? null
                : Pattern.compile("(?<![A-Za-z0-9_$])(" + String.join("|", names) + ")(?![A-Za-z0-9_$])",
                Pattern.CASE_INSENSITIVE);
        this.noShards = RoutePlan.single(map.defaultGroup(), Role.MASTER,
                "the shard map declares no shards: everything goes to the master of group " + map.defaultGroup());
    }

    /** The analyzer's view of the map: sharded and broadcast tables of the logical schema (or unqualified). */
    static KeyColumns keyColumns(ShardMap map) {
        return new KeyColumns() {
            @Override
            public String keyColumnOf(String table) {
                return map.table(table) instanceof ShardedTable st ? st.keyColumn() : null;
            }

            @Override
            public boolean isBroadcast(String table) {
                return map.table(table) instanceof BroadcastTable;
            }

            @Override
            public String keyColumnOf(String schema, String table) {
                return foreign(map, schema) ? null : keyColumnOf(table);
            }

            @Override
            public boolean isBroadcast(String schema, String table) {
                return !foreign(map, schema) && isBroadcast(table);
            }
        };
    }

    private static boolean foreign(ShardMap map, String schema) {
        return schema != null && (map.schema() == null || !schema.equalsIgnoreCase(map.schema()));
    }

    public ShardMap shardMap() {
        return map;
    }

    @Override
    public RoutePlan plan(String sql) {
        if (cache == null || sql.length() > MAX_CACHED_LENGTH) return planUncached(sql);
        return cache.get(sql, this::planUncached);
    }

    /**
     * With another database current, unqualified names are that database's: the statement is the default
     * group's unless it names the logical schema explicitly. Such plans are cached under a key no statement
     * text can equal (a NUL first).
     */
    @Override
    public RoutePlan plan(String sql, String currentDb) {
        if (map.schema() == null || (currentDb != null && currentDb.equalsIgnoreCase(map.schema()))) return plan(sql);
        if (cache == null || sql.length() > MAX_CACHED_LENGTH) return planUncached(sql, false);
        return cache.get("\0" + sql, k -> planUncached(sql, false));
    }

    /** Plans without looking at or filling the cache. */
    public RoutePlan planUncached(String sql) {
        return planUncached(sql, true);
    }

    /** @param logicalCurrent the logical schema is the current database (unqualified names are its tables) */
    private RoutePlan planUncached(String sql, boolean logicalCurrent) {
        if (allShards.isEmpty()) return noShards;
        if (!logicalCurrent && !mentions(sql, map.schema())) {
            return roles(sql, passthrough("another database is current and the statement does not name " + map.schema()));
        }
        StatementFacts f = analyzer.analyze(sql);
        String hint = f.hints().stream().anyMatch(h -> h.equalsIgnoreCase("master"))
                ? " [hint shardgate:master: the master answers]" : "";
        try {
            if (!logicalCurrent) requireQualified(f);
            RoutePlan p = roles(sql, route(sql, f));
            return hint.isEmpty() ? p : new RoutePlan(p.kind(), p.targets(), p.reason() + hint, p.refusal(), p.merge(), p.writes());
        } catch (Refused r) {
            return RoutePlan.refused(r.refusal, "refused: " + r.refusal.message() + hint);
        } catch (RuntimeException e) {
            // a bug here must not take the session down, nor guess a route
            return RoutePlan.refused(new Refusal(1105, "HY000", "shardgate could not plan this statement: " + e),
                    "router failure" + hint);
        }
    }

    /**
     * Read-write splitting: a plain read may be answered by a replica (the executor decides, by the session's
     * transaction and writes and by replica health); a write is marked so the session's next reads see it.
     */
    static RoutePlan roles(String sql, RoutePlan p) {
        if (p.refused()) return p;
        return switch (ReadClassifier.classify(sql)) {
            case READ -> p.kind() == Kind.PASSTHROUGH || p.kind() == Kind.SINGLE || p.kind() == Kind.SCATTER_READ
                    ? p.with(Role.REPLICA, false) : p;
            case WRITE -> p.with(Role.MASTER, true);
            case OTHER -> p;
        };
    }

    /** Whether {@code word} occurs in {@code sql} as a whole word, ignoring case (a cheap filter before parsing). */
    private static boolean mentions(String sql, String word) {
        int from = 0;
        while (true) {
            int i = indexOfIgnoreCase(sql, word, from);
            if (i < 0) return false;
            int end = i + word.length();
            if ((i == 0 || !identifierChar(sql.charAt(i - 1))) && (end == sql.length() || !identifierChar(sql.charAt(end)))) {
                return true;
            }
            from = i + 1;
        }
    }

    private static int indexOfIgnoreCase(String s, String w, int from) {
        for (int i = from, last = s.length() - w.length(); i <= last; i++) {
            if (s.regionMatches(true, i, w, 0, w.length())) return i;
        }
        return -1;
    }

    private static boolean identifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    /**
     * Another database is current and the statement names the logical schema: the analyzer would take its
     * unqualified names for logical tables, so only statements whose every table is qualified are planned.
     */
    private void requireQualified(StatementFacts f) {
        if (!f.parsed()) throw refuse("cannot parse a statement naming " + map.schema() + " (" + f.error() + ")");
        for (TableRef t : f.tables()) {
            if (t.schema() == null) {
                throw refuse("table " + t.name() + " is unqualified while the current database is not " + map.schema()
                        + " and the statement names " + map.schema() + "; USE " + map.schema() + " or qualify every table");
            }
        }
    }

    // --------------------------------------------------------------------------------------------- routing

    /** A reference with its rule. */
    private record Ref(TableRef ref, TableRule rule, boolean foreign) {
        boolean sharded() {
            return rule instanceof ShardedTable;
        }

        boolean broadcast() {
            return rule instanceof BroadcastTable;
        }

        /** Unlisted table of the logical schema: lives in the default shard. */
        boolean local() {
            return rule == null && !foreign;
        }

        ShardedTable table() {
            return (ShardedTable) rule;
        }

        String name() {
            return rule != null ? rule.name() : ref.name();
        }
    }

    private RoutePlan route(String sql, StatementFacts f) {
        if (!f.parsed()) {
            RoutePlan describe = describe(sql);
            if (describe != null) return describe;
            String word = tableWords == null ? null : firstMatch(sql);
            if (word == null) return passthrough("unparseable, and names no sharded or broadcast table (" + f.error() + ")");
            throw refuse("cannot parse a statement naming table " + word + ", so cannot route it: " + f.error());
        }
        List<Ref> refs = new ArrayList<>();
        for (TableRef t : f.tables()) {
            boolean foreign = foreign(map, t.schema());
            refs.add(new Ref(t, foreign ? null : map.table(t.name()), foreign));
        }
        List<Ref> sharded = refs.stream().filter(Ref::sharded).toList();
        List<Ref> broadcast = refs.stream().filter(Ref::broadcast).toList();
        List<Ref> local = refs.stream().filter(Ref::local).toList();
        if (refs.isEmpty()) return passthrough("no tables: " + f.kind());
        if (sharded.isEmpty() && broadcast.isEmpty() && local.isEmpty()) {
            return passthrough("only tables of other schemas: " + names(refs));
        }
        if (f.multipleStatements() && (!sharded.isEmpty() || !broadcast.isEmpty())) {
            throw refuse("several statements in one text touching " + placed(sharded, broadcast)
                    + " are not supported; send them one at a time");
        }
        if (!f.positionsResolved()) {
            throw refuse("cannot rewrite table names of this statement (" + f.positionsProblem() + ")");
        }
        if (f.kind() == StatementKind.DDL) return ddl(sql, f, refs, sharded, broadcast, local);
        if (f.kind() == StatementKind.SHOW) {
            String shard = !sharded.isEmpty() ? sharded.get(0).table().algorithm().shards().get(0)
                    : !broadcast.isEmpty() ? readShard : map.defaultShard();
            return single(sql, f, refs, shard, Map.of(), "SHOW/DESCRIBE answered by shard " + shard);
        }
        if (!DML.contains(f.kind())) {
            if (!sharded.isEmpty() || !broadcast.isEmpty()) {
                throw refuse(f.kind() + " statement naming " + placed(sharded, broadcast) + " is not supported");
            }
            return single(sql, f, refs, map.defaultShard(), Map.of(), "unlisted tables live in the default shard");
        }
        boolean write = f.kind() != StatementKind.SELECT;
        if (f.kind() == StatementKind.UPDATE && f.updatesKey()) {
            Ref t = sharded.stream().filter(r -> r.ref().written()).findFirst().orElse(sharded.get(0));
            throw refuse("UPDATE of the sharding key " + t.table().keyColumn() + " of table " + t.name()
                    + " is not supported: the rows would have to move between shards");
        }
        List<Ref> writtenBroadcast = broadcast.stream().filter(r -> r.ref().written()).toList();
        if (!writtenBroadcast.isEmpty()) {
            for (Ref r : refs) {
                if (!r.broadcast() && !r.foreign()) {
                    throw refuse("a write to broadcast table " + writtenBroadcast.get(0).name() + " that reads "
                            + (r.sharded() ? "sharded" : "unlisted") + " table " + r.name()
                            + " is not supported (every shard would read its own rows)");
                }
            }
            String fn = allShards.size() > 1 ? perShardFunction(sql) : null;
            if (fn != null) {
                throw refuse("a write to broadcast table " + writtenBroadcast.get(0).name() + " using " + fn
                        + " is not supported: each shard would compute its own value and the copies would differ;"
                        + " compute the value in the application and send it as a literal");
            }
            return multi(Kind.BROADCAST_WRITE, sql, f, refs, allShards, Map.of(), null,
                    "broadcast table " + writtenBroadcast.get(0).name() + " is written on every shard");
        }
        if (sharded.isEmpty()) {
            if (!local.isEmpty()) {
                return single(sql, f, refs, map.defaultShard(), Map.of(), "unlisted table " + local.get(0).name()
                        + " lives in the default shard " + map.defaultShard());
            }
            return single(sql, f, refs, readShard, Map.of(), "broadcast table " + broadcast.get(0).name()
                    + " read from shard " + readShard);
        }
        if (f.kind() == StatementKind.INSERT || f.kind() == StatementKind.REPLACE) {
            return insert(sql, f, refs, sharded);
        }
        return shardedDml(sql, f, refs, sharded, local, write);
    }

    private static final Pattern DESCRIBE = Pattern.compile(
            "(?is)\\s*(DESC|DESCRIBE|EXPLAIN)\\s+(?:`?([A-Za-z0-9_$]+)`?\\.)?`?([A-Za-z0-9_$]+)`?(\\s+`?[A-Za-z0-9_$%]+`?)?\\s*;?\\s*");

    /**
     * {@code DESCRIBE table [column]} of a listed table, which the parser may not read (a table named {@code user}
     * is a keyword to it): one shard of the table answers for all, as SHOW does. Null for anything else.
     */
    private RoutePlan describe(String sql) {
        java.util.regex.Matcher m = DESCRIBE.matcher(sql);
        if (!m.matches() || foreign(map, m.group(2))) return null;
        TableRule rule = map.table(m.group(3));
        if (rule == null) return null;
        String shard = rule instanceof ShardedTable st ? st.algorithm().shards().get(0) : readShard;
        ShardDef def = map.shard(shard);
        String rewritten = m.group(1) + " `" + def.database() + "`.`" + rule.name() + "`" + (m.group(4) == null ? "" : m.group(4));
        return new RoutePlan(Kind.SINGLE, List.of(new RouteTarget(def.group(), Role.MASTER, rewritten, shard, def.database())),
                "DESCRIBE answered by shard " + shard, null, null);
    }

    /** The first function of the text whose value can differ per shard, as written in a message; else null. */
    private static String perShardFunction(String sql) {
        for (TextScan.Word w : TextScan.words(sql)) {
            if (PER_SHARD_WORDS.contains(w.word())) return w.word() + (w.call().isEmpty() ? "" : "()");
            if (!PER_SHARD_CALLS.contains(w.word()) || w.call().isEmpty()) continue;
            if (w.word().equals("UNIX_TIMESTAMP") && !w.call().equals("()")) continue;   // of a given time: fixed
            return w.word() + "()";
        }
        return null;
    }

    private RoutePlan ddl(String sql, StatementFacts f, List<Ref> refs, List<Ref> sharded, List<Ref> broadcast,
                          List<Ref> local) {
        if (sharded.isEmpty() && broadcast.isEmpty()) {
            return single(sql, f, refs, map.defaultShard(), Map.of(), "DDL on unlisted table " + local.get(0).name()
                    + " goes to the default shard " + map.defaultShard());
        }
        if (!local.isEmpty()) {
            throw refuse("DDL naming " + placed(sharded, broadcast) + " and unlisted table " + local.get(0).name()
                    + " is not supported");
        }
        Set<String> shards = new HashSet<>();
        for (Ref r : sharded) shards.addAll(r.table().algorithm().shards());
        if (!broadcast.isEmpty()) shards.addAll(allShards);
        return multi(Kind.FANOUT_WRITE, sql, f, refs, ordered(shards), Map.of(), null,
                "DDL on " + placed(sharded, broadcast) + " runs on each of its shards");
    }

    // --------------------------------------------------------------------------------------------- INSERT

    private RoutePlan insert(String sql, StatementFacts f, List<Ref> refs, List<Ref> sharded) {
        InsertFacts ins = f.insert();
        Ref target = refs.get(ins.table());
        String verb = f.kind().name();
        if (!target.sharded()) {
            throw refuse(verb + " into " + target.name() + " reading sharded table " + sharded.get(0).name()
                    + " is not supported");
        }
        ShardedTable t = target.table();
        if (refs.size() > 1) {
            Ref other = refs.stream().filter(r -> r != target).findFirst().orElseThrow();
            throw refuse(verb + " into sharded table " + t.name() + " that also reads table " + other.name()
                    + (ins.fromSelect() ? " (INSERT ... SELECT)" : "") + " is not supported");
        }
        if (ins.fromSelect()) throw refuse(verb + " ... SELECT into sharded table " + t.name() + " is not supported");
        if (ins.duplicateUpdateSetsKey()) {
            throw refuse("ON DUPLICATE KEY UPDATE of the sharding key " + t.keyColumn() + " of table " + t.name()
                    + " is not supported: the row would have to move between shards");
        }
        if (ins.rowKeys().isEmpty()) {
            throw refuse(verb + " into sharded table " + t.name() + " without a value for its sharding key " + t.keyColumn());
        }
        Map<String, List<Integer>> rowsByShard = new LinkedHashMap<>();
        for (int i = 0; i < ins.rowKeys().size(); i++) {
            RowKey k = ins.rowKeys().get(i);
            String row = ins.rowKeys().size() == 1 ? "" : " (row " + (i + 1) + ")";
            String shard;
            if (k instanceof Operand.Lit l) {
                try {
                    shard = t.shardFor(l.value());
                } catch (NoShardException e) {
                    throw refuse(e.getMessage());
                }
            } else if (k instanceof Operand.Param) {
                throw refuse(verb + " into sharded table " + t.name() + " with a ? placeholder"
                        + " for its sharding key " + t.keyColumn() + row + ": the shard cannot be known from the text");
            } else {
                throw refuse(switch ((RowKey.Unknown) k) {
                    case MISSING -> verb + " into sharded table " + t.name() + " without a value for its sharding key "
                            + t.keyColumn() + row + " (an auto-increment key cannot be generated across shards)";
                    case NOT_LITERAL -> verb + " into sharded table " + t.name() + " whose sharding key "
                            + t.keyColumn() + " is not an integer literal" + row;
                    case NO_COLUMN_LIST -> verb + " into sharded table " + t.name() + " without a column list: name"
                            + " the columns so that its sharding key " + t.keyColumn() + " can be found";
                });
            }
            rowsByShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(i);
        }
        List<String> shards = ordered(rowsByShard.keySet());
        if (shards.size() == 1) {
            return single(sql, f, refs, shards.get(0), Map.of(), verb + " into " + t.name() + ": "
                    + (ins.rowKeys().size() == 1 ? "the row's key " : "all " + ins.rowKeys().size() + " rows' keys ")
                    + ins.rowKeys() + " map to shard " + shards.get(0));
        }
        List<Span> spans = TextScan.insertRows(sql);
        if (spans == null || spans.size() != ins.rowKeys().size()) {
            throw refuse("a multi-row " + verb + " into " + t.name() + " whose rows land on shards " + shards
                    + " could not be split (row tuples not found in the text); send one statement per shard");
        }
        Span all = new Span(spans.get(0).start(), spans.get(spans.size() - 1).end());
        // an executable comment among the tuples, or a comment across the run's ends (e.g. VALUES (1) /*!, (1500) */),
        // would be cut by the splice into broken or different SQL
        if (TextScan.spliceCutsComment(sql, all.start(), all.end())) {
            throw refuse("a multi-row " + verb + " into " + t.name() + " whose rows land on shards " + shards
                    + " with a comment across its VALUES tuples cannot be split; remove the comment"
                    + " or send one statement per shard");
        }
        List<RouteTarget> targets = new ArrayList<>();
        for (String shard : shards) {
            StringBuilder rows = new StringBuilder();
            for (int i : rowsByShard.get(shard)) {
                if (rows.length() > 0) rows.append(", ");
                rows.append(sql, spans.get(i).start(), spans.get(i).end());
            }
            targets.add(target(sql, f, refs, shard, Map.of(all, rows.toString())));
        }
        return new RoutePlan(Kind.FANOUT_WRITE, targets, verb + " into " + t.name() + " split by row: "
                + rowsByShard.entrySet().stream().map(e -> e.getKey() + " gets rows "
                + e.getValue().stream().map(i -> String.valueOf(i + 1)).collect(Collectors.joining(",")))
                .collect(Collectors.joining("; ")), null, null);
    }

    // --------------------------------------------------------------------------------------------- SELECT, UPDATE, DELETE

    private RoutePlan shardedDml(String sql, StatementFacts f, List<Ref> refs, List<Ref> sharded, List<Ref> local,
                                 boolean write) {
        // components: sharded references connected by equalities of their keys, when co-located
        int n = f.tables().size();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        for (ColumnEquality e : f.keyEqualities()) {
            Ref a = refs.get(e.left().table()), b = refs.get(e.right().table());
            if (a.sharded() && b.sharded() && coLocated(a.table(), b.table())) {
                parent[find(parent, a.ref().index())] = find(parent, b.ref().index());
            }
        }
        boolean allInner = f.subqueries().isEmpty()
                && f.joins().stream().allMatch(j -> j.kind() == Join.Kind.INNER && !j.natural());
        Map<Integer, Set<String>> byComponent = new LinkedHashMap<>();
        Map<Integer, List<Ref>> members = new LinkedHashMap<>();
        for (Ref r : sharded) {
            int c = find(parent, r.ref().index());
            Set<String> s = shardsOf(r.table(), r.ref().condition());
            members.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
            byComponent.merge(c, s, (x, y) -> {
                Set<String> m = new HashSet<>(x);
                if (allInner) m.retainAll(y);
                else m.addAll(y);
                return m;
            });
        }
        Set<String> union = new HashSet<>();
        byComponent.values().forEach(union::addAll);
        List<String> shards = ordered(union);
        boolean singleShard = shards.size() <= 1;
        boolean none = shards.isEmpty();
        if (none) shards = List.of(sharded.get(0).table().algorithm().shards().get(0));

        if (!singleShard) {
            if (f.select() != null && f.select().union()) {
                throw refuse("a UNION over sharded table " + sharded.get(0).name() + " across shards " + shards
                        + " is not supported");
            }
            if (!f.subqueries().isEmpty()) {
                Clause c = new TreeSet<>(f.subqueries()).first();
                Ref inner = sharded.stream().filter(r -> r.ref().block() > 0).findFirst().orElse(sharded.get(0));
                throw refuse("a subquery in " + c.name().replace('_', ' ') + " over sharded table " + inner.name()
                        + " across shards " + shards + " is not supported");
            }
            if (members.size() > 1) {
                List<List<Ref>> comps = new ArrayList<>(members.values());
                Ref a = comps.get(0).get(0), b = comps.get(1).get(0);
                String why = coLocated(a.table(), b.table()) ? "not on their keys"
                        : "which are sharded by different rules";
                throw refuse("a JOIN of " + a.name() + " and " + b.name() + " " + why + " across shards " + shards
                        + " is not supported");
            }
        }
        if (!local.isEmpty() && !(shards.size() == 1 && shards.get(0).equals(map.defaultShard()))) {
            throw refuse("a statement over sharded table " + sharded.get(0).name() + " and unlisted table "
                    + local.get(0).name() + " (which lives only in the default shard " + map.defaultShard()
                    + ") that needs shards " + shards + " is not supported");
        }
        if (shards.size() > 1) {
            if (f.assignsUserVariable()) {
                throw refuse("assigning a user variable in a statement over sharded table " + sharded.get(0).name()
                        + " across shards " + shards + " is not supported");
            }
            Set<String> fns = new TreeSet<>(f.sessionFunctions());
            fns.removeIf(x -> !CONNECTION_BOUND.contains(x) && !x.endsWith("_LOCK") && !x.equals("RELEASE_ALL_LOCKS"));
            if (!fns.isEmpty()) {
                throw refuse(fns.iterator().next() + "() in a statement over sharded table " + sharded.get(0).name()
                        + " across shards " + shards + " is not supported (each shard would answer for itself)");
            }
        }
        String where = describe(sharded, shards) + (none ? " (no shard holds such keys: it answers with no rows)" : "");
        if (shards.size() == 1) return single(sql, f, refs, shards.get(0), Map.of(), where);
        if (write) {
            if (f.dmlLimit() != null) {
                throw refuse(f.kind() + " with LIMIT on sharded table " + sharded.get(0).name() + " across shards "
                        + shards + " is not supported");
            }
            return multi(Kind.FANOUT_WRITE, sql, f, refs, shards, Map.of(), null, where);
        }
        Map<Span, String> extra = new LinkedHashMap<>();
        MergeSpec merge = mergeSpec(sql, f.select(), f.tables(), sharded.get(0), extra);
        return multi(Kind.SCATTER_READ, sql, f, refs, shards, extra, merge, where);
    }

    /** The merge a SELECT across shards needs; adds the per-shard LIMIT rewrite to {@code edits}. */
    private static List<Integer> allItems(SelectShape s) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < s.items().size(); i++) all.add(i);
        return all;
    }

    private MergeSpec mergeSpec(String sql, SelectShape s, List<TableRef> tables, Ref table, Map<Span, String> edits) {
        if (s == null) return MergeSpec.CONCAT;
        String on = " over sharded table " + table.name() + " across shards is not supported";
        if (s.union()) throw refuse("a UNION" + on);
        if (s.rollup()) throw refuse("GROUP BY ... WITH ROLLUP" + on);
        if (s.having()) throw refuse("HAVING" + on);
        if (s.calcFoundRows()) throw refuse("SQL_CALC_FOUND_ROWS" + on);
        if (s.nestedOrderLimit()) {
            // the merge would apply only the outer ORDER BY / LIMIT; MySQL applies the inner ones first
            throw refuse("a bracketed query with its own ORDER BY or LIMIT followed by another ORDER BY or LIMIT" + on
                    + "; use a single ORDER BY ... LIMIT");
        }
        for (SelectShape.OrderItem o : s.orderBy()) {
            // the merge compares values without the collation, so its order could differ from the shards'
            if (o.collation() != null) {
                throw refuse("ORDER BY " + o.expr() + " COLLATE " + o.collation() + on
                        + " (the merge cannot compare by that collation); sort without COLLATE");
            }
        }
        List<MergeSpec.AggregateColumn> aggs = new ArrayList<>();
        boolean star = false;
        List<Span> itemSpans = null;
        StringBuilder hidden = new StringBuilder();
        int avgs = 0;
        for (int i = 0; i < s.items().size(); i++) {
            SelectShape.Item it = s.items().get(i);
            star |= it.star();
            if (it.aggregate() == null) {
                if (it.containsAggregate()) throw refuse("an aggregate inside an expression (" + it.expr() + ")" + on);
                continue;
            }
            if (it.aggregateDistinct()) throw refuse("an aggregate over DISTINCT values (" + it.expr() + ")" + on);
            MergeSpec.Combine c = switch (it.aggregate()) {
                case COUNT -> MergeSpec.Combine.COUNT_SUM;
                case SUM -> MergeSpec.Combine.SUM;
                case MIN -> MergeSpec.Combine.MIN;
                case MAX -> MergeSpec.Combine.MAX;
                case AVG -> MergeSpec.Combine.AVG;
                case OTHER -> throw refuse("the aggregate " + it.expr() + on);
            };
            if (c != MergeSpec.Combine.AVG) {
                aggs.add(new MergeSpec.AggregateColumn(i, it.expr(), c));
                continue;
            }
            // AVG(x): SUM(x) in place (positions unchanged), COUNT(x) appended as a hidden column
            String avgOn = " (" + it.expr() + " over sharded table " + table.name() + ")";
            if (s.distinct()) throw refuse("AVG with SELECT DISTINCT across shards is not supported yet" + avgOn);
            if (itemSpans == null) {
                itemSpans = TextScan.selectItems(sql);
                if (itemSpans == null || itemSpans.size() != s.items().size()) {
                    throw refuse("AVG across shards is not supported yet: its select list could not be rewritten" + avgOn);
                }
            }
            Span[] call = TextScan.call(sql, itemSpans.get(i), "AVG");
            if (call == null) throw refuse("AVG across shards is not supported yet: the call could not be found" + avgOn);
            for (TableRef t : tables) {
                for (Span q : t.otherSpans()) {
                    if (q.start() >= call[1].start() && q.end() <= call[1].end()) {
                        throw refuse("AVG across shards is not supported yet when its argument is qualified by a table"
                                + " name; use an alias" + avgOn);
                    }
                }
            }
            String arg = call[1].of(sql);
            edits.put(new Span(call[0].start(), call[0].start() + 3), "SUM");
            hidden.append(", COUNT(").append(arg).append(')');
            String label = it.alias() != null ? it.alias() : call[0].of(sql);
            aggs.add(new MergeSpec.AggregateColumn(i, it.expr(), c, s.items().size() + avgs++, label));
        }
        int firstStar = -1;
        for (int i = 0; i < s.items().size() && firstStar < 0; i++) if (s.items().get(i).star()) firstStar = i;
        if (firstStar >= 0 && (!aggs.isEmpty() || !s.groupBy().isEmpty() || s.distinct())) {
            // a * expands to columns the router does not know: positions after it cannot be located by index
            String what = s.distinct() ? "SELECT DISTINCT" : !s.groupBy().isEmpty() ? "GROUP BY" : "an aggregate";
            throw refuse(what + " with * in the select list" + on + "; name the columns instead of *");
        }
        if (avgs > 0) {
            int end = itemSpans.get(itemSpans.size() - 1).end();
            edits.put(new Span(end, end), hidden.toString());
        }
        List<Integer> group = new ArrayList<>();
        for (SelectShape.GroupItem g : s.groupBy()) {
            if (g.selectIndex() < 0) throw refuse("GROUP BY " + g.expr() + ", which is not in the select list," + on);
            // MySQL resolves a GROUP BY name to a table column before a select alias: an alias naming anything but
            // that same column may group by something else than the item the merge would use
            String name = plainName(g.expr());
            SelectShape.Item it = s.items().get(g.selectIndex());
            if (name != null && it.alias() != null && name.equalsIgnoreCase(it.alias())
                    && !name.equalsIgnoreCase(plainName(it.expr()))) {
                throw refuse("GROUP BY " + g.expr() + ", which names the select alias of " + it.expr() + "," + on
                        + " (MySQL may group by a column of that name); use another alias or GROUP BY the expression");
            }
            group.add(g.selectIndex());
        }
        List<MergeSpec.SortKey> order = new ArrayList<>();
        for (SelectShape.OrderItem o : s.orderBy()) {
            if (o.selectIndex() >= 0 && (firstStar < 0 || o.selectIndex() < firstStar)) {
                order.add(new MergeSpec.SortKey(o.selectIndex(), null, o.expr(), o.descending()));
            } else if (o.selectIndex() >= 0) {
                throw refuse("ORDER BY " + o.expr() + ", at or after * in the select list," + on
                        + "; name the columns instead of *");
            } else if (star && o.expr().matches("[A-Za-z_$][A-Za-z0-9_$]*")) {
                // found by name in the result of the *: only unambiguous with a single table and an unqualified name
                if (tables.size() > 1) {
                    throw refuse("ORDER BY " + o.expr() + " with * in the select list of several tables" + on
                            + "; name the columns instead of *");
                }
                order.add(new MergeSpec.SortKey(-1, o.expr(), o.expr(), o.descending()));
            } else if (star) {
                throw refuse("ORDER BY " + o.expr() + " with * in the select list" + on
                        + "; sort by an unqualified column name, or name the columns instead of *");
            } else {
                throw refuse("ORDER BY " + o.expr() + ", which is not in the select list," + on);
            }
        }
        // GroupFold folds ADJACENT rows with equal keys and SortedMerge keeps each shard's order: the merged stream
        // has equal keys adjacent only when the ORDER BY starts with the group keys (for DISTINCT: all items)
        // Without an ORDER BY the shards are asked to sort by the group keys (by position: ORDER BY 1, 2), which
        // MySQL allows since a grouped result has no defined order; MariaDB returns that order anyway.
        String addedOrder = null;
        List<Integer> keys = !group.isEmpty() ? group : s.distinct() && aggs.isEmpty() ? allItems(s) : List.of();
        if (!keys.isEmpty() && s.orderBy().isEmpty()) {
            StringBuilder by = new StringBuilder("ORDER BY ");
            for (int k = 0; k < keys.size(); k++) {
                if (k > 0) by.append(", ");
                by.append(keys.get(k) + 1);
                order.add(new MergeSpec.SortKey(keys.get(k), null, "#" + (keys.get(k) + 1), false));
            }
            addedOrder = by.toString();
        }
        if (!group.isEmpty()) {
            if (!startsWith(order, group)) {
                throw refuse("GROUP BY across shards needs an ORDER BY that starts with the group columns (ORDER BY "
                        + s.groupBy().stream().map(SelectShape.GroupItem::expr).collect(Collectors.joining(", "))
                        + "), or none, for now (over sharded table " + table.name() + ")");
            }
        } else if (s.distinct() && aggs.isEmpty()) {
            if (!startsWith(order, keys)) {
                throw refuse("SELECT DISTINCT across shards needs an ORDER BY on all its select items (ORDER BY "
                        + s.items().stream().map(i -> i.alias() != null ? i.alias() : i.expr())
                        .collect(Collectors.joining(", ")) + "), or none, for now (over sharded table " + table.name() + ")");
            }
        }
        Span limitSpan = null;
        long offset = 0;
        Long count = null, shardLimit = null;
        Limit l = s.limit();
        if (l != null) {
            if (!l.understood() || l.count() instanceof Operand.Param || l.offset() instanceof Operand.Param) {
                throw refuse("a LIMIT that is not made of integer literals" + on);
            }
            count = ((Operand.Lit) l.count()).value();
            offset = l.offset() == null ? 0 : ((Operand.Lit) l.offset()).value();
            boolean grouping = !aggs.isEmpty() || !group.isEmpty();
            if (grouping || offset > 0 || addedOrder != null) {
                limitSpan = TextScan.outerLimit(sql);
                if (limitSpan == null) throw refuse("the LIMIT clause could not be found to rewrite it" + on);
                if (grouping) {
                    edits.put(limitSpan, addedOrder == null ? "" : addedOrder);   // groups span shards: page after merging
                } else {
                    shardLimit = offset + count < 0 ? Long.MAX_VALUE : offset + count;
                    edits.put(limitSpan, (addedOrder == null ? "" : addedOrder + " ") + "LIMIT " + shardLimit);
                }
            }
        }
        if (addedOrder != null && limitSpan == null) {
            int at = TextScan.selectTail(sql);
            if (at < 0) {
                throw refuse("GROUP BY or DISTINCT without ORDER BY" + on + " in this statement form (INTO, or a clause"
                        + " after GROUP BY the merge cannot place its ORDER BY before); add ORDER BY on the group columns");
            }
            edits.put(new Span(at, at), " " + addedOrder);
        }
        return new MergeSpec(order, group, aggs, s.distinct(), offset, count, shardLimit, avgs);
    }

    /** Whether the first sort keys are the select indexes {@code keys}, in that order (any direction). */
    private static boolean startsWith(List<MergeSpec.SortKey> order, List<Integer> keys) {
        if (order.size() < keys.size()) return false;
        for (int i = 0; i < keys.size(); i++) if (order.get(i).selectIndex() != keys.get(i)) return false;
        return true;
    }

    /** The column name of a (possibly qualified, possibly backticked) column reference text; else null. */
    private static String plainName(String expr) {
        String x = expr.trim();
        if (!x.matches("(`[^`]+`|[A-Za-z0-9_$]+)(\\.(`[^`]+`|[A-Za-z0-9_$]+)){0,2}")) return null;
        if (x.endsWith("`")) return x.substring(x.lastIndexOf('`', x.length() - 2) + 1, x.length() - 1);
        return x.substring(x.lastIndexOf('.') + 1);
    }

    /**
     * Whether rows with equal keys of tables {@code a} and {@code b} always live on the same shard, so that a join on
     * their keys can run on each shard alone. Stricter than "same algorithm kind and same shard set", which would
     * pair two range tables with different boundaries: true when the algorithm is the same object, or both are
     * the same mapping: hash mod with the same shard list in the same order, hash slots with the same owner for
     * every slot, or ranges with the same boundaries and shards.
     */
    static boolean coLocated(ShardedTable a, ShardedTable b) {
        ShardingAlgorithm x = a.algorithm(), y = b.algorithm();
        if (x == y) return true;
        if (x instanceof HashModAlgorithm hx && y instanceof HashModAlgorithm hy) return hx.shards().equals(hy.shards());
        if (x instanceof RangeAlgorithm rx && y instanceof RangeAlgorithm ry) return rx.ranges().equals(ry.ranges());
        if (x instanceof HashSlotAlgorithm sx && y instanceof HashSlotAlgorithm sy) {
            if (sx.slots() != sy.slots()) return false;
            for (int i = 0; i < sx.slots(); i++) if (!sx.shardOfSlot(i).equals(sy.shardOfSlot(i))) return false;
            return true;
        }
        return false;
    }

    /**
     * The shards that can hold rows matching {@code c}: values map one by one (a value no shard covers adds
     * nothing: no such row exists), ranges through {@code shardsFor}, And intersects, Or unites; Any and anything
     * with a {@code ?} (unknown in the text protocol) give every shard of the table.
     */
    static Set<String> shardsOf(ShardedTable t, KeyCondition c) {
        ShardingAlgorithm alg = t.algorithm();
        if (c instanceof KeyCondition.Any) return new HashSet<>(alg.shards());
        if (c instanceof KeyCondition.None) return new HashSet<>();
        if (c instanceof KeyCondition.Values v) {
            if (!v.params().isEmpty()) return new HashSet<>(alg.shards());
            Set<String> s = new HashSet<>();
            for (long k : v.literals()) {
                try {
                    s.add(alg.shardFor(k));
                } catch (NoShardException e) {
                    // no row can have this key
                }
            }
            return s;
        }
        if (c instanceof KeyCondition.Range r) {
            long lo = r.lo() instanceof Operand.Lit l ? l.value() : Long.MIN_VALUE;
            long hi = r.hi() instanceof Operand.Lit h ? h.value() : Long.MAX_VALUE;
            if (r.lo() instanceof Operand.Lit && !r.loInclusive()) {
                if (lo == Long.MAX_VALUE) return new HashSet<>();
                lo++;
            }
            if (r.hi() instanceof Operand.Lit && !r.hiInclusive()) {
                if (hi == Long.MIN_VALUE) return new HashSet<>();
                hi--;
            }
            return new HashSet<>(alg.shardsFor(lo, hi));
        }
        if (c instanceof KeyCondition.And a) {
            Set<String> s = null;
            for (KeyCondition term : a.terms()) {
                Set<String> x = shardsOf(t, term);
                if (s == null) s = x;
                else s.retainAll(x);
            }
            return s == null ? new HashSet<>(alg.shards()) : s;
        }
        Set<String> s = new HashSet<>();
        for (KeyCondition term : ((KeyCondition.Or) c).terms()) s.addAll(shardsOf(t, term));
        return s;
    }

    // --------------------------------------------------------------------------------------------- plan building

    private RoutePlan passthrough(String reason) {
        return RoutePlan.single(map.defaultGroup(), Role.MASTER, reason);
    }

    private RoutePlan single(String sql, StatementFacts f, List<Ref> refs, String shard, Map<Span, String> extra,
                             String reason) {
        return new RoutePlan(Kind.SINGLE, List.of(target(sql, f, refs, shard, extra)), reason, null, null);
    }

    private RoutePlan multi(Kind kind, String sql, StatementFacts f, List<Ref> refs, List<String> shards,
                            Map<Span, String> extra, MergeSpec merge, String reason) {
        if (shards.size() == 1 && kind != Kind.FANOUT_WRITE && kind != Kind.BROADCAST_WRITE) return single(sql, f, refs, shards.get(0), extra, reason);
        List<RouteTarget> targets = new ArrayList<>(shards.size());
        for (String s : shards) targets.add(target(sql, f, refs, s, extra));
        return new RoutePlan(kind, targets, reason, null, merge);
    }

    /** The statement for {@code shard}: table names of the logical schema replaced by {@code `db`.`table`}. */
    private RouteTarget target(String sql, StatementFacts f, List<Ref> refs, String shard, Map<Span, String> extra) {
        ShardDef def = map.shard(shard);
        String db = quote(def.database()) + ".";
        List<Map.Entry<Span, String>> edits = new ArrayList<>(extra.entrySet());
        for (Ref r : refs) {
            if (r.foreign()) continue;
            String replacement = db + quote(r.ref().name());
            edits.add(Map.entry(r.ref().span(), replacement));
            for (Span s : r.ref().otherSpans()) edits.add(Map.entry(s, replacement));
        }
        edits.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        StringBuilder sb = new StringBuilder(sql.length() + 24 * edits.size());
        int at = 0;
        for (Map.Entry<Span, String> e : edits) {
            Span s = e.getKey();
            if (s.start() < at) throw refuse("cannot rewrite this statement: overlapping edits at " + s);
            sb.append(sql, at, s.start()).append(e.getValue());
            at = s.end();
        }
        sb.append(sql, at, sql.length());
        return new RouteTarget(def.group(), Role.MASTER, sb.toString(), shard, def.database());
    }

    private static String quote(String identifier) {
        return '`' + identifier.replace("`", "``") + '`';
    }

    private List<String> ordered(Set<String> shards) {
        List<String> out = new ArrayList<>(shards.size());
        for (String s : allShards) if (shards.contains(s)) out.add(s);
        return out;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    }

    private String describe(List<Ref> sharded, List<String> shards) {
        Set<String> conds = new LinkedHashSet<>();
        for (Ref r : sharded) conds.add(r.name() + "." + r.table().keyColumn() + " " + r.ref().condition());
        return String.join(", ", conds) + " -> " + (shards.size() == 1 ? "shard " + shards.get(0) : "shards " + shards);
    }

    private String firstMatch(String sql) {
        var m = tableWords.matcher(sql);
        return m.find() ? m.group(1) : null;
    }

    private static String names(List<Ref> refs) {
        return refs.stream().map(r -> r.ref().qualifiedName()).distinct().collect(Collectors.joining(", "));
    }

    private static String placed(List<Ref> sharded, List<Ref> broadcast) {
        List<String> s = new ArrayList<>();
        sharded.stream().map(Ref::name).distinct().forEach(x -> s.add("sharded table " + x));
        broadcast.stream().map(Ref::name).distinct().forEach(x -> s.add("broadcast table " + x));
        return String.join(", ", s);
    }

    private static Refused refuse(String message) {
        return new Refused(Refusal.notSupported(message));
    }

    /** Control flow for a refusal; no stack trace. */
    private static final class Refused extends RuntimeException {
        final Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }
}
