package io.shardgate.router.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The facts about one statement text that routing needs, extracted by {@link StatementAnalyzer}: pure immutable
 * data, printable ({@link #toString()} is one compact line), with no knowledge of shards.
 *
 * <p>When the text holds several statements ({@link #multipleStatements()}), {@link #kind()} and the
 * detailed facts ({@link #select()}, {@link #insert()}, {@link #updatesKey()}, {@link #dmlLimit()}) describe the
 * first one; {@link #tables()} lists the tables of all of them; every sharded table's condition is
 * {@link KeyCondition#ANY}, since one statement's WHERE says nothing about another's rows.
 *
 * @param kind               the (first) statement's kind; {@link StatementKind#UNPARSEABLE} when parsing failed
 * @param statements         the kind of every statement in the text, in order (empty when unparseable)
 * @param error              the parser's message when unparseable, else null
 * @param tables             every table reference, in the order the analyzer met them (not necessarily text order)
 * @param positionsProblem   null when every reference's {@link TableRef#span()} is known; otherwise why not, and
 *                           then no span is given and the text must not be rewritten by splicing
 * @param joins              every JOIN of every query block
 * @param equalities         column equalities between different table references (ON, USING, WHERE top-level
 *                           AND terms), in every query block
 * @param subqueries         where subqueries occur (relative to the outermost statement)
 * @param select             SELECT shape of a SELECT statement, else null
 * @param insert             INSERT / REPLACE specifics, else null
 * @param updatesKey         an UPDATE's SET assigns the key column of a sharded table (moving rows between shards)
 * @param dmlLimit           LIMIT of an UPDATE or DELETE, else null
 * @param assignsUserVariable {@code @x := ...}, {@code SELECT ... INTO @x}, {@code SET @x = ...}
 * @param readsUserVariable  reads a user variable {@code @x}
 * @param sessionFunctions   calls to functions whose result depends on the backend connection: locking
 *                           functions (GET_LOCK, RELEASE_LOCK...), LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT,
 *                           CONNECTION_ID, DATABASE, USER...; upper case
 * @param hints              the words following {@code shardgate:} in comments ({@code /*+ shardgate:master *}{@code /}
 *                           gives {@code master}); found in unparseable text too
 * @param executableComments the text holds MySQL executable comments ({@code /*!50000 ... *}{@code /}); their
 *                           content was analysed as SQL, as the server will run it. When one of them is run only by
 *                           some backends (MariaDB's {@code /*M!}, or a version above 80000) every key condition
 *                           is {@link KeyCondition#ANY}
 */
public record StatementFacts(StatementKind kind, List<StatementKind> statements, String error, List<TableRef> tables,
                             String positionsProblem, List<Join> joins, List<ColumnEquality> equalities,
                             Set<Clause> subqueries, SelectShape select, InsertFacts insert, boolean updatesKey,
                             Limit dmlLimit, boolean assignsUserVariable, boolean readsUserVariable,
                             Set<String> sessionFunctions, List<String> hints, boolean executableComments) {

    public StatementFacts {
        statements = List.copyOf(statements);
        tables = List.copyOf(tables);
        joins = List.copyOf(joins);
        equalities = List.copyOf(equalities);
        subqueries = Set.copyOf(subqueries);
        sessionFunctions = Set.copyOf(sessionFunctions);
        hints = List.copyOf(hints);
    }

    static StatementFacts unparseable(String error, List<String> hints, boolean executableComments) {
        return new StatementFacts(StatementKind.UNPARSEABLE, List.of(), error, List.of(), "unparseable", List.of(),
                List.of(), Set.of(), null, null, false, null, false, false, Set.of(), hints, executableComments);
    }

    public boolean multipleStatements() {
        return statements.size() > 1;
    }

    public boolean parsed() {
        return kind != StatementKind.UNPARSEABLE;
    }

    public boolean positionsResolved() {
        return positionsProblem == null;
    }

    /** The references to sharded tables. */
    public List<TableRef> shardedTables() {
        return tables.stream().filter(TableRef::sharded).toList();
    }

    /** Equalities whose both sides are the key columns of sharded tables. */
    public List<ColumnEquality> keyEqualities() {
        return equalities.stream().filter(e -> isKey(e.left()) && isKey(e.right())).toList();
    }

    private boolean isKey(ColumnRef c) {
        TableRef t = tables.get(c.table());
        return t.sharded() && t.keyColumn().equalsIgnoreCase(c.column());
    }

    /** True when the statement uses GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_FREE_LOCK or IS_USED_LOCK. */
    public boolean usesLockingFunction() {
        return sessionFunctions.stream().anyMatch(f -> f.endsWith("_LOCK") || f.equals("RELEASE_ALL_LOCKS"));
    }

    /**
     * Rewrites table names by splicing the original text: each reference for which {@code replacement} returns
     * non-null has its name span, and its {@link TableRef#otherSpans()}, replaced by that text; everything else
     * (comments, hints, formatting, literals) is kept byte for byte.
     *
     * @throws IllegalStateException when positions are not resolved
     */
    public String rewriteTables(String sql, Function<TableRef, String> replacement) {
        if (!positionsResolved()) throw new IllegalStateException("table positions unknown: " + positionsProblem);
        List<Object[]> edits = new ArrayList<>();
        for (TableRef t : tables) {
            String r = replacement.apply(t);
            if (r == null) continue;
            edits.add(new Object[] {t.span(), r});
            for (Span s : t.otherSpans()) edits.add(new Object[] {s, r});
        }
        edits.sort((a, b) -> ((Span) a[0]).compareTo((Span) b[0]));
        StringBuilder sb = new StringBuilder(sql.length() + 16 * edits.size());
        int at = 0;
        for (Object[] e : edits) {
            Span s = (Span) e[0];
            if (s.start() < at) throw new IllegalStateException("overlapping table spans at " + s);
            sb.append(sql, at, s.start()).append((String) e[1]);
            at = s.end();
        }
        return sb.append(sql, at, sql.length()).toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind.name());
        if (error != null) sb.append(" error=\"").append(error).append('"');
        if (multipleStatements()) sb.append(" statements=").append(statements);
        if (!tables.isEmpty()) sb.append(" tables=").append(tables);
        if (positionsProblem != null && error == null && !tables.isEmpty()) sb.append(" positions-unknown(").append(positionsProblem).append(')');
        if (!joins.isEmpty()) sb.append(" joins=").append(joins);
        if (!equalities.isEmpty()) sb.append(" eq=").append(equalities);
        if (!subqueries.isEmpty()) sb.append(" subqueries=").append(new java.util.TreeSet<>(subqueries));
        if (select != null) sb.append(' ').append(select);
        if (insert != null) sb.append(' ').append(insert);
        if (updatesKey) sb.append(" updates-key");
        if (dmlLimit != null) sb.append(' ').append(dmlLimit);
        if (assignsUserVariable) sb.append(" assigns-@var");
        if (readsUserVariable) sb.append(" reads-@var");
        if (!sessionFunctions.isEmpty()) sb.append(" session-functions=").append(new java.util.TreeSet<>(sessionFunctions));
        if (!hints.isEmpty()) sb.append(" hints=").append(hints);
        if (executableComments) sb.append(" executable-comments");
        return sb.toString();
    }
}
