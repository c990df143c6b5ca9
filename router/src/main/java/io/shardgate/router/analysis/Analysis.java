package io.shardgate.router.analysis;

import com.alibaba.druid.sql.SQLUtils;
import com.alibaba.druid.sql.ast.SQLExpr;
import com.alibaba.druid.sql.ast.SQLLimit;
import com.alibaba.druid.sql.ast.SQLName;
import com.alibaba.druid.sql.ast.SQLObject;
import com.alibaba.druid.sql.ast.SQLOrderBy;
import com.alibaba.druid.sql.ast.SQLOrderingSpecification;
import com.alibaba.druid.sql.ast.SQLStatement;
import com.alibaba.druid.sql.ast.expr.SQLAggregateExpr;
import com.alibaba.druid.sql.ast.expr.SQLAggregateOption;
import com.alibaba.druid.sql.ast.expr.SQLAllColumnExpr;
import com.alibaba.druid.sql.ast.expr.SQLBetweenExpr;
import com.alibaba.druid.sql.ast.expr.SQLBinaryOpExpr;
import com.alibaba.druid.sql.ast.expr.SQLBinaryOpExprGroup;
import com.alibaba.druid.sql.ast.expr.SQLBinaryOperator;
import com.alibaba.druid.sql.ast.expr.SQLDefaultExpr;
import com.alibaba.druid.sql.ast.expr.SQLIdentifierExpr;
import com.alibaba.druid.sql.ast.expr.SQLInListExpr;
import com.alibaba.druid.sql.ast.expr.SQLIntegerExpr;
import com.alibaba.druid.sql.ast.expr.SQLListExpr;
import com.alibaba.druid.sql.ast.expr.SQLLiteralExpr;
import com.alibaba.druid.sql.ast.expr.SQLMethodInvokeExpr;
import com.alibaba.druid.sql.ast.expr.SQLNullExpr;
import com.alibaba.druid.sql.ast.expr.SQLPropertyExpr;
import com.alibaba.druid.sql.ast.expr.SQLUnaryExpr;
import com.alibaba.druid.sql.ast.expr.SQLUnaryOperator;
import com.alibaba.druid.sql.ast.expr.SQLVariantRefExpr;
import com.alibaba.druid.sql.ast.statement.SQLAssignItem;
import com.alibaba.druid.sql.ast.statement.SQLBeginStatement;
import com.alibaba.druid.sql.ast.statement.SQLCommitStatement;
import com.alibaba.druid.sql.ast.statement.SQLCreateTableStatement;
import com.alibaba.druid.sql.ast.statement.SQLDDLStatement;
import com.alibaba.druid.sql.ast.statement.SQLDeleteStatement;
import com.alibaba.druid.sql.ast.statement.SQLExprTableSource;
import com.alibaba.druid.sql.ast.statement.SQLInsertStatement;
import com.alibaba.druid.sql.ast.statement.SQLJoinTableSource;
import com.alibaba.druid.sql.ast.statement.SQLReleaseSavePointStatement;
import com.alibaba.druid.sql.ast.statement.SQLReplaceStatement;
import com.alibaba.druid.sql.ast.statement.SQLRollbackStatement;
import com.alibaba.druid.sql.ast.statement.SQLSavePointStatement;
import com.alibaba.druid.sql.ast.statement.SQLSelect;
import com.alibaba.druid.sql.ast.statement.SQLSelectGroupByClause;
import com.alibaba.druid.sql.ast.statement.SQLSelectItem;
import com.alibaba.druid.sql.ast.statement.SQLSelectOrderByItem;
import com.alibaba.druid.sql.ast.statement.SQLSelectQuery;
import com.alibaba.druid.sql.ast.statement.SQLSelectQueryBlock;
import com.alibaba.druid.sql.ast.statement.SQLSelectStatement;
import com.alibaba.druid.sql.ast.statement.SQLSetStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowColumnsStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowCreateTableStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowStatement;
import com.alibaba.druid.sql.ast.statement.SQLStartTransactionStatement;
import com.alibaba.druid.sql.ast.statement.SQLSubqueryTableSource;
import com.alibaba.druid.sql.ast.statement.SQLTableSource;
import com.alibaba.druid.sql.ast.statement.SQLTruncateStatement;
import com.alibaba.druid.sql.ast.statement.SQLUnionQuery;
import com.alibaba.druid.sql.ast.statement.SQLUnionQueryTableSource;
import com.alibaba.druid.sql.ast.statement.SQLUpdateSetItem;
import com.alibaba.druid.sql.ast.statement.SQLUpdateStatement;
import com.alibaba.druid.sql.ast.statement.SQLUseStatement;
import com.alibaba.druid.sql.ast.statement.SQLWithSubqueryClause;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlDeleteStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlExplainStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlInsertStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlLoadDataInFileStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlLockTableStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlRenameTableStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlSelectQueryBlock;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlUnlockTablesStatement;
import com.alibaba.druid.sql.dialect.mysql.visitor.MySqlASTVisitorAdapter;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.shardgate.router.analysis.KeyCondition.ANY;

/** One run of {@link StatementAnalyzer#analyze}: walks Druid's AST of every statement and collects facts. */
final class Analysis {

    static final Set<String> SESSION_FUNCTIONS = Set.of(
            "GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS", "IS_FREE_LOCK", "IS_USED_LOCK",
            "LAST_INSERT_ID", "FOUND_ROWS", "ROW_COUNT", "CONNECTION_ID",
            "DATABASE", "SCHEMA", "USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER");

    /** A table reference being built. */
    static final class Ref {
        final int index;
        final String schema, name, alias;
        final String schemaLower, nameLower, aliasLower, labelLower;
        final Scope scope;
        TableType type = TableType.UNSHARDED;
        String key;
        boolean written;
        final List<KeyCondition> conds = new ArrayList<>();
        Span span;
        final List<Span> other = new ArrayList<>();

        Ref(int index, String schema, String name, String alias, Scope scope) {
            this.index = index;
            this.schema = schema;
            this.name = name;
            this.alias = alias;
            this.schemaLower = lower(schema);
            this.nameLower = lower(name);
            this.aliasLower = lower(alias);
            this.labelLower = alias != null ? aliasLower : nameLower;
            this.scope = scope;
        }

        boolean sharded() {
            return type == TableType.SHARDED;
        }

        String label() {
            return alias != null ? alias : name;
        }

        /** Grouping key for positions: {@code schema|name}, lower case. */
        String siteKey() {
            return (schemaLower == null ? "" : schemaLower) + "|" + nameLower;
        }
    }

    /** A query block (or a DML statement's table list): the references its columns may name. */
    static final class Scope {
        final int block;
        final Scope parent;
        final List<Ref> refs = new ArrayList<>();
        /** Derived tables, CTE references or other sources whose columns are unknown. */
        boolean otherSources;

        Scope(int block, Scope parent) {
            this.block = block;
            this.parent = parent;
        }
    }

    private record PendingJoin(SQLJoinTableSource node, List<Ref> left, List<Ref> right) { }

    private final KeyColumns keys;
    private final SqlText.Prepared prepared;
    private final List<SQLStatement> statements;

    final List<Ref> refs = new ArrayList<>();
    /** Table-source nodes already handled (registered, or known not to be tables). */
    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Expressions that are table names, not column references. */
    private final Set<Object> tableNameExprs = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Lower-case aliases, derived-table aliases and CTE names of the whole text. */
    final Set<String> aliasNames = new HashSet<>();
    private final Deque<Set<String>> cteScopes = new ArrayDeque<>();
    private final List<Join> joins = new ArrayList<>();
    private final List<ColumnEquality> equalities = new ArrayList<>();
    private final EnumSet<Clause> subqueries = EnumSet.noneOf(Clause.class);
    private final Map<String, Integer> qualifierUses = new HashMap<>();
    private int blocks;
    private boolean detail;
    private boolean anyDdl, anyDescribe, multiTableDelete;

    private SelectShape select;
    private InsertFacts insert;
    private boolean updatesKey;
    private Limit dmlLimit;
    private boolean assignsVar, readsVar;
    private final Set<String> sessionFunctions = new TreeSet<>();

    private final boolean positions;

    Analysis(KeyColumns keys, SqlText.Prepared prepared, List<SQLStatement> statements, boolean positions) {
        this.keys = keys;
        this.positions = positions;
        this.prepared = prepared;
        this.statements = statements;
    }

    StatementFacts run() {
        List<StatementKind> kinds = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            SQLStatement st = statements.get(i);
            StatementKind kind = kindOf(st);
            kinds.add(kind);
            detail = i == 0;
            if (kind == StatementKind.DDL) anyDdl = true;
            analyzeStatement(st, kind);
            sweep(st, kind);
        }
        // several statements, or text only some backends run: no key condition can be trusted
        boolean noConditions = statements.size() > 1 || prepared.versionDependent();
        String problem = refs.isEmpty() ? null
                : !positions ? "not requested"
                : PositionResolver.resolve(prepared.parseText(), refs, qualifierUses, aliasNames, anyDdl, anyDescribe,
                        multiTableDelete, statements.size());
        List<TableRef> tables = new ArrayList<>(refs.size());
        for (Ref r : refs) {
            KeyCondition c = !r.sharded() || noConditions ? ANY : KeyCondition.and(r.conds);
            tables.add(new TableRef(r.index, r.schema, r.name, r.alias, r.type, r.key, c, r.written, r.scope.block,
                    problem == null ? r.span : null, problem == null ? r.other : List.of()));
        }
        return new StatementFacts(kinds.get(0), kinds, null, tables, problem, joins, equalities, subqueries, select,
                insert, updatesKey, dmlLimit, assignsVar, readsVar, sessionFunctions, prepared.hints(),
                prepared.executableComments());
    }

    // ------------------------------------------------------------------------------------------- kinds

    static StatementKind kindOf(SQLStatement s) {
        if (s instanceof SQLSelectStatement) return StatementKind.SELECT;
        if (s instanceof SQLReplaceStatement) return StatementKind.REPLACE;
        if (s instanceof SQLInsertStatement) return StatementKind.INSERT;
        if (s instanceof SQLUpdateStatement) return StatementKind.UPDATE;
        if (s instanceof SQLDeleteStatement) return StatementKind.DELETE;
        if (s instanceof SQLUseStatement) return StatementKind.USE;
        if (s instanceof SQLBeginStatement || s instanceof SQLStartTransactionStatement) return StatementKind.BEGIN;
        if (s instanceof SQLCommitStatement) return StatementKind.COMMIT;
        if (s instanceof SQLRollbackStatement r) return r.getTo() != null ? StatementKind.SAVEPOINT : StatementKind.ROLLBACK;
        if (s instanceof SQLSavePointStatement || s instanceof SQLReleaseSavePointStatement) return StatementKind.SAVEPOINT;
        if (s instanceof MySqlLockTableStatement) return StatementKind.LOCK_TABLES;
        if (s instanceof MySqlUnlockTablesStatement) return StatementKind.UNLOCK_TABLES;
        if (s instanceof SQLTruncateStatement || s instanceof SQLDDLStatement) return StatementKind.DDL;
        if (s instanceof MySqlExplainStatement e && e.getStatement() == null) return StatementKind.SHOW;
        String cls = s.getClass().getSimpleName();
        if (s instanceof SQLSetStatement || cls.startsWith("MySqlSet") || cls.startsWith("SQLSet")) return StatementKind.SET;
        if (s instanceof SQLShowStatement || cls.contains("Show")) return StatementKind.SHOW;
        return StatementKind.OTHER;
    }

    // ------------------------------------------------------------------------------------------- statements

    private void analyzeStatement(SQLStatement st, StatementKind kind) {
        if (st instanceof SQLSelectStatement s) {
            walkSelect(s.getSelect(), null, true);
            if (detail) select = shapeOf(s.getSelect());
        } else if (st instanceof SQLInsertStatement ins) {
            insert(ins.getTableSource(), ins.getColumns(), ins.getValuesList(), ins.getQuery(),
                    ins instanceof MySqlInsertStatement m ? m.getDuplicateKeyUpdate() : List.of());
        } else if (st instanceof SQLReplaceStatement r) {
            insert(r.getTableSource(), r.getColumns(), r.getValuesList(),
                    r.getQuery() == null ? null : r.getQuery().getSubQuery(), List.of());
        } else if (st instanceof SQLUpdateStatement u) {
            withCtes(u.getWith(), () -> update(u));
        } else if (st instanceof SQLDeleteStatement d) {
            withCtes(d.getWith(), () -> delete(d));
        } else if (st instanceof SQLCreateTableStatement c) {
            Scope s = newScope(null);
            Ref t = c.getTableSource() == null ? null : register(c.getTableSource(), s);
            if (t != null) t.written = true;
            if (c.getLike() != null) register(c.getLike(), s);
            if (c.getSelect() != null) {
                subqueries.add(Clause.SOURCE);
                walkSelect(c.getSelect(), null, false);
            }
        } else if (st instanceof MySqlRenameTableStatement r) {
            Scope s = newScope(null);
            for (MySqlRenameTableStatement.Item item : r.getItems()) {
                Ref a = registerName(item.getName(), s);
                Ref b = registerName(item.getTo(), s);
                if (a != null) a.written = true;
                if (b != null) b.written = true;
            }
        } else if (st instanceof MySqlExplainStatement e && e.getStatement() == null && e.getTableName() != null) {
            anyDescribe = true;
            registerName(e.getTableName(), newScope(null));
        } else if (st instanceof MySqlExplainStatement e && e.getStatement() != null) {
            analyzeStatement(e.getStatement(), kindOf(e.getStatement()));
        } else if (st instanceof SQLShowCreateTableStatement sc) {
            registerName(sc.getName(), newScope(null));
        } else if (st instanceof SQLShowColumnsStatement sc && sc.getTable() != null) {
            Scope s = newScope(null);
            if (sc.getDatabase() != null && sc.getTable() instanceof SQLIdentifierExpr id) {
                tableNameExprs.add(sc.getTable());
                addRef(norm(ownerText(sc.getDatabase())), norm(id.getName()), null, s);
            } else {
                registerName(sc.getTable(), s);
            }
        } else if (st instanceof MySqlLoadDataInFileStatement ld) {
            Ref r = registerName(ld.getTableName(), newScope(null));
            if (r != null) r.written = true;
        }
        // everything else: tables are collected by the safety net
    }

    /**
     * One traversal of the whole statement after the structured walk: registers every table source the walk did not
     * reach (each with no key restriction), notes user variables and session-dependent functions, and counts column
     * qualifiers for the position pass.
     */
    private void sweep(SQLStatement st, StatementKind kind) {
        Scope[] scope = {null};
        Set<Object> assigned = Collections.newSetFromMap(new IdentityHashMap<>());
        st.accept(new MySqlASTVisitorAdapter() {
            @Override
            public boolean visit(SQLExprTableSource x) {
                if (!seen.contains(x)) {
                    if (scope[0] == null) scope[0] = newScope(null);
                    Ref r = register(x, scope[0]);
                    if (r != null && kind == StatementKind.DDL) r.written = true;
                }
                if (x.getExpr() instanceof SQLVariantRefExpr v && isUserVar(v)) { // SELECT ... INTO @v
                    assignsVar = true;
                    assigned.add(v);
                } else if (x.getExpr() instanceof SQLListExpr l) {
                    for (SQLExpr i : l.getItems()) {
                        if (i instanceof SQLVariantRefExpr v && isUserVar(v)) {
                            assignsVar = true;
                            assigned.add(v);
                        }
                    }
                }
                return true;
            }

            @Override
            public boolean visit(SQLWithSubqueryClause.Entry x) {
                if (x.getAlias() != null) aliasNames.add(lower(norm(x.getAlias())));
                return true;
            }

            @Override
            public boolean visit(SQLBinaryOpExpr x) {
                if (x.getOperator() == SQLBinaryOperator.Assignment && x.getLeft() instanceof SQLVariantRefExpr v && isUserVar(v)) {
                    assignsVar = true;
                    assigned.add(v);
                }
                return true;
            }

            @Override
            public boolean visit(SQLSetStatement x) {
                for (SQLAssignItem item : x.getItems()) {
                    if (item.getTarget() instanceof SQLVariantRefExpr v && isUserVar(v)) {
                        assignsVar = true;
                        assigned.add(v);
                    }
                }
                return true;
            }

            @Override
            public boolean visit(SQLVariantRefExpr x) {
                if (isUserVar(x) && !assigned.contains(x)) readsVar = true;
                return true;
            }

            @Override
            public boolean visit(SQLMethodInvokeExpr x) {
                String n = x.getMethodName();
                if (n != null) {
                    String u = n.toUpperCase(Locale.ROOT);
                    if (SESSION_FUNCTIONS.contains(u)) sessionFunctions.add(u);
                }
                return true;
            }

            @Override
            public boolean visit(SQLPropertyExpr x) {
                countQualifier(x, x.getOwner());
                return true;
            }

            @Override
            public boolean visit(SQLAllColumnExpr x) {
                if (x.getOwner() != null && !tableNameExprs.contains(x)) countQualifier(null, x.getOwner());
                return true;
            }
        });
    }

    private void insert(SQLExprTableSource ts, List<SQLExpr> cols, List<com.alibaba.druid.sql.ast.statement.SQLInsertStatement.ValuesClause> rows,
                        SQLSelect query, List<SQLExpr> duplicateUpdate) {
        Scope s = newScope(null);
        Ref target = ts == null ? null : register(ts, s);
        if (target == null) return;
        target.written = true;
        List<String> columns = new ArrayList<>(cols.size());
        for (SQLExpr c : cols) columns.add(columnName(c));
        int keyIdx = -1;
        if (target.sharded()) {
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i) != null && columns.get(i).equalsIgnoreCase(target.key)) {
                    keyIdx = i;
                    break;
                }
            }
        }
        List<RowKey> rowKeys = new ArrayList<>();
        boolean allKnown = true;
        List<Operand> keyValues = new ArrayList<>();
        for (var vc : rows) {
            List<SQLExpr> vals = vc.getValues();
            if (target.sharded()) {
                RowKey k = rowKey(vals, columns, keyIdx);
                rowKeys.add(k);
                if (k instanceof Operand o) keyValues.add(o);
                else allKnown = false;
            }
            for (SQLExpr v : vals) findSubqueries(v, s, Clause.VALUES, true);
        }
        if (query != null) {
            subqueries.add(Clause.SOURCE);
            walkSelect(query, null, false);
        }
        boolean setsKey = false;
        for (SQLExpr d : duplicateUpdate) {
            SQLExpr col = d instanceof SQLBinaryOpExpr b ? b.getLeft() : d instanceof SQLAssignItem a ? a.getTarget() : null;
            if (target.sharded() && col != null && target.key.equalsIgnoreCase(columnName(col))
                    && (!(col instanceof SQLPropertyExpr p) || ownerIs(target, p.getOwner()))) {
                setsKey = true;
            }
            findSubqueries(d, s, Clause.SET, true);
        }
        if (target.sharded()) {
            target.conds.add(query != null || !allKnown || keyValues.isEmpty() ? ANY : KeyCondition.in(keyValues));
        }
        if (detail) {
            insert = new InsertFacts(target.index, columns, keyIdx, target.sharded() ? rowKeys : List.of(),
                    query != null, !duplicateUpdate.isEmpty(), setsKey);
        }
    }

    private static RowKey rowKey(List<SQLExpr> vals, List<String> columns, int keyIdx) {
        if (columns.isEmpty()) return RowKey.Unknown.NO_COLUMN_LIST;
        if (keyIdx < 0) return RowKey.Unknown.MISSING;
        if (keyIdx >= vals.size()) return RowKey.Unknown.NOT_LITERAL;
        SQLExpr v = vals.get(keyIdx);
        Operand o = operand(v);
        if (o != null) return (RowKey) o;
        if (v instanceof SQLNullExpr || v instanceof SQLDefaultExpr) return RowKey.Unknown.MISSING;
        return RowKey.Unknown.NOT_LITERAL;
    }

    private void update(SQLUpdateStatement u) {
        Scope s = newScope(null);
        List<PendingJoin> pj = new ArrayList<>();
        collectFrom(u.getTableSource(), s, pj, true);
        if (u.getFrom() != null) collectFrom(u.getFrom(), s, pj, true);
        applyConditions(s, u.getWhere(), pj, true);
        findSubqueries(u.getWhere(), s, Clause.WHERE, true);
        boolean setsKey = false, unknownTarget = false;
        for (SQLUpdateSetItem item : u.getItems()) {
            List<SQLExpr> cols = item.getColumn() instanceof SQLListExpr l ? l.getItems() : List.of(item.getColumn());
            for (SQLExpr c : cols) {
                String name = columnName(c);
                if (c instanceof SQLPropertyExpr p) {
                    Ref owner = findByOwner(p.getOwner(), s, false);
                    if (owner == null) {
                        unknownTarget = true;
                        for (Ref r : s.refs) if (r.sharded() && r.key.equalsIgnoreCase(name)) setsKey = true;
                    } else {
                        owner.written = true;
                        if (owner.sharded() && owner.key.equalsIgnoreCase(name)) setsKey = true;
                    }
                } else {
                    if (s.refs.size() == 1) s.refs.get(0).written = true;
                    else unknownTarget = true;
                    for (Ref r : s.refs) if (r.sharded() && name != null && r.key.equalsIgnoreCase(name)) setsKey = true;
                    if (name == null) setsKey |= s.refs.stream().anyMatch(Ref::sharded);
                }
            }
            findSubqueries(item.getValue(), s, Clause.SET, true);
        }
        if (unknownTarget || s.refs.size() == 1) for (Ref r : s.refs) r.written = true;
        if (detail) {
            updatesKey = setsKey;
            dmlLimit = limitOf(u.getLimit());
        }
    }

    private void delete(SQLDeleteStatement d) {
        Scope s = newScope(null);
        List<PendingJoin> pj = new ArrayList<>();
        SQLTableSource targets = null;
        if (d.getFrom() != null) {
            collectFrom(d.getFrom(), s, pj, true);
            targets = d.getTableSource();
        } else if (d.getUsing() != null) {
            collectFrom(d.getUsing(), s, pj, true);
            targets = d.getTableSource();
        } else {
            collectFrom(d.getTableSource(), s, pj, true);
            for (Ref r : s.refs) r.written = true;
        }
        if (targets != null) {
            multiTableDelete = true;
            List<SQLExprTableSource> list = new ArrayList<>();
            flattenTargets(targets, list);
            boolean unknown = list.isEmpty();
            for (SQLExprTableSource t : list) {
                seen.add(t);
                SQLExpr te = t.getExpr();
                if (te != null) tableNameExprs.add(te);
                if (te instanceof SQLPropertyExpr tp && "*".equals(tp.getName())) {
                    te = tp.getOwner(); // DELETE t.* FROM ...
                    tableNameExprs.add(te);
                }
                if (te instanceof SQLAllColumnExpr ac && ac.getOwner() != null) {
                    te = ac.getOwner();
                    tableNameExprs.add(te);
                }
                Ref r = te instanceof SQLIdentifierExpr id ? findInScope(lower(norm(id.getName())), s)
                        : te instanceof SQLPropertyExpr p ? findByOwner(p, s, false) : null;
                if (r == null) unknown = true;
                else r.written = true;
            }
            if (unknown) for (Ref r : s.refs) r.written = true;
        }
        applyConditions(s, d.getWhere(), pj, true);
        findSubqueries(d.getWhere(), s, Clause.WHERE, true);
        if (detail && d instanceof MySqlDeleteStatement m) dmlLimit = limitOf(m.getLimit());
    }

    private static void flattenTargets(SQLTableSource ts, List<SQLExprTableSource> out) {
        if (ts instanceof SQLExprTableSource e) out.add(e);
        else if (ts instanceof SQLJoinTableSource j) {
            flattenTargets(j.getLeft(), out);
            flattenTargets(j.getRight(), out);
        }
    }

    // ------------------------------------------------------------------------------------------- queries

    private Scope newScope(Scope parent) {
        return new Scope(blocks++, parent);
    }

    /** Runs {@code body} with the CTE names of {@code with} in scope, then walks the CTE queries. */
    private void withCtes(SQLWithSubqueryClause with, Runnable body) {
        if (with == null) {
            body.run();
            return;
        }
        Set<String> ctes = new HashSet<>();
        for (SQLWithSubqueryClause.Entry e : with.getEntries()) {
            String n = lower(norm(e.getAlias()));
            if (n != null) {
                ctes.add(n);
                aliasNames.add(n);
            }
        }
        cteScopes.push(ctes);
        try {
            body.run();
            for (SQLWithSubqueryClause.Entry e : with.getEntries()) {
                if (e.getSubQuery() != null) {
                    subqueries.add(Clause.WITH);
                    walkSelect(e.getSubQuery(), null, false);
                }
            }
        } finally {
            cteScopes.pop();
        }
    }

    private void walkSelect(SQLSelect sel, Scope parent, boolean outer) {
        if (sel == null) return;
        SQLWithSubqueryClause with = sel.getWithSubQuery();
        Set<String> ctes = new HashSet<>();
        cteScopes.push(ctes);
        try {
            if (with != null) {
                for (SQLWithSubqueryClause.Entry e : with.getEntries()) {
                    String n = lower(norm(e.getAlias()));
                    if (n != null) {
                        ctes.add(n);
                        aliasNames.add(n);
                    }
                }
            }
            // the main query first, so that a statement's outermost block is numbered before its CTEs
            walkQuery(sel.getQuery(), parent, outer);
            if (with != null) {
                for (SQLWithSubqueryClause.Entry e : with.getEntries()) {
                    if (e.getSubQuery() != null) {
                        if (outer) subqueries.add(Clause.WITH);
                        walkSelect(e.getSubQuery(), parent, false);
                    }
                }
            }
        } finally {
            cteScopes.pop();
        }
    }

    private void walkQuery(SQLSelectQuery q, Scope parent, boolean outer) {
        if (q instanceof SQLSelectQueryBlock b) {
            walkBlock(b, parent, outer);
        } else if (q instanceof SQLUnionQuery u) {
            for (SQLSelectQuery r : u.getRelations()) walkQuery(r, parent, outer);
        }
        // other query kinds (VALUES ...): their tables are picked up by the safety net
    }

    private void walkBlock(SQLSelectQueryBlock b, Scope parent, boolean outer) {
        Scope s = newScope(parent);
        List<PendingJoin> pj = new ArrayList<>();
        collectFrom(b.getFrom(), s, pj, outer);
        applyConditions(s, b.getWhere(), pj, outer);
        for (SQLSelectItem it : b.getSelectList()) findSubqueries(it.getExpr(), s, Clause.SELECT_LIST, outer);
        findSubqueries(b.getWhere(), s, Clause.WHERE, outer);
        SQLSelectGroupByClause g = b.getGroupBy();
        if (g != null) {
            for (SQLExpr e : g.getItems()) findSubqueries(e, s, Clause.GROUP_BY, outer);
            findSubqueries(g.getHaving(), s, Clause.HAVING, outer);
        }
        SQLOrderBy ob = b.getOrderBy();
        if (ob != null) for (SQLSelectOrderByItem it : ob.getItems()) findSubqueries(it.getExpr(), s, Clause.ORDER_BY, outer);
    }

    /** Registers the references of a FROM tree into {@code s}; returns them (for JOIN sides). */
    private List<Ref> collectFrom(SQLTableSource ts, Scope s, List<PendingJoin> pj, boolean outer) {
        if (ts == null) return List.of();
        if (ts instanceof SQLExprTableSource e) {
            Ref r = register(e, s);
            if (r == null) {
                s.otherSources = true;
                return List.of();
            }
            return List.of(r);
        }
        if (ts instanceof SQLJoinTableSource j) {
            List<Ref> left = collectFrom(j.getLeft(), s, pj, outer);
            List<Ref> right = collectFrom(j.getRight(), s, pj, outer);
            pj.add(new PendingJoin(j, left, right));
            List<Ref> all = new ArrayList<>(left);
            all.addAll(right);
            return all;
        }
        s.otherSources = true;
        if (ts.getAlias() != null) aliasNames.add(lower(norm(ts.getAlias())));
        if (ts instanceof SQLSubqueryTableSource sq) {
            if (outer) subqueries.add(Clause.FROM);
            walkSelect(sq.getSelect(), s, false);
        } else if (ts instanceof SQLUnionQueryTableSource u) {
            if (outer) subqueries.add(Clause.FROM);
            walkQuery(u.getUnion(), s, false);
        }
        return List.of();
    }

    private boolean isCte(String nameLower) {
        for (Set<String> c : cteScopes) if (c.contains(nameLower)) return true;
        return false;
    }

    /** A table source naming a table becomes a reference; anything else (DUAL, CTE, variables) does not. */
    private Ref register(SQLExprTableSource e, Scope s) {
        seen.add(e);
        SQLExpr x = e.getExpr();
        if (!(x instanceof SQLIdentifierExpr) && !(x instanceof SQLPropertyExpr)) return null;
        tableNameExprs.add(x);
        String name = norm(e.getTableName());
        String schema = x instanceof SQLPropertyExpr p ? norm(ownerText(p.getOwner())) : null;
        if (name == null) return null;
        if (schema == null) {
            String l = lower(name);
            if (l.equals("dual")) return null;
            if (isCte(l)) {
                if (e.getAlias() != null) aliasNames.add(lower(norm(e.getAlias())));
                return null;
            }
        }
        return addRef(schema, name, e.getAlias() == null ? null : norm(e.getAlias()), s);
    }

    private Ref registerName(SQLName n, Scope s) {
        if (n == null) return null;
        tableNameExprs.add(n);
        if (n instanceof SQLIdentifierExpr id) return addRef(null, norm(id.getName()), null, s);
        if (n instanceof SQLPropertyExpr p) return addRef(norm(ownerText(p.getOwner())), norm(p.getName()), null, s);
        return null;
    }

    private Ref addRef(String schema, String name, String alias, Scope s) {
        Ref r = new Ref(refs.size(), schema, name, alias, s);
        String key = keys.keyColumnOf(schema, name);
        if (key != null) {
            r.type = TableType.SHARDED;
            r.key = key;
        } else if (keys.isBroadcast(schema, name)) {
            r.type = TableType.BROADCAST;
        }
        refs.add(r);
        s.refs.add(r);
        if (alias != null) aliasNames.add(r.aliasLower);
        return r;
    }

    private void findSubqueries(SQLObject x, Scope s, Clause place, boolean outer) {
        if (x == null || x instanceof SQLLiteralExpr || x instanceof SQLVariantRefExpr || x instanceof SQLIdentifierExpr
                || x instanceof SQLNullExpr) return;
        List<SQLSelect> found = new ArrayList<>(0);
        x.accept(new MySqlASTVisitorAdapter() {
            @Override
            public boolean visit(SQLSelect q) {
                found.add(q);
                return false;
            }
        });
        for (SQLSelect q : found) {
            if (outer) subqueries.add(place);
            walkSelect(q, s, false);
        }
    }

    // ------------------------------------------------------------------------------------------- conditions

    private void applyConditions(Scope s, SQLExpr where, List<PendingJoin> pj, boolean outer) {
        for (Ref r : s.refs) {
            if (!r.sharded()) continue;
            if (where != null) r.conds.add(condition(r, where, s));
            for (PendingJoin j : pj) {
                SQLExpr on = j.node().getCondition();
                if (on != null && restricts(j, r)) r.conds.add(condition(r, on, s));
            }
        }
        for (PendingJoin j : pj) {
            joins.add(buildJoin(j, s));
            findSubqueries(j.node().getCondition(), s, Clause.JOIN_ON, outer);
        }
        if (where != null) {
            for (SQLExpr c : conjuncts(where)) {
                ColumnEquality e = equality(c, s);
                if (e != null) equalities.add(e);
            }
        }
    }

    private static Join.Kind joinKind(SQLJoinTableSource j) {
        SQLJoinTableSource.JoinType t = j.getJoinType();
        if (t == null) return Join.Kind.OTHER;
        return switch (t) {
            case COMMA, JOIN, INNER_JOIN, CROSS_JOIN, STRAIGHT_JOIN, NATURAL_JOIN, NATURAL_INNER_JOIN, NATURAL_CROSS_JOIN -> Join.Kind.INNER;
            case LEFT_OUTER_JOIN, NATURAL_LEFT_JOIN -> Join.Kind.LEFT;
            case RIGHT_OUTER_JOIN, NATURAL_RIGHT_JOIN -> Join.Kind.RIGHT;
            case FULL_OUTER_JOIN -> Join.Kind.FULL;
            default -> Join.Kind.OTHER;
        };
    }

    /** Whether a JOIN's ON condition restricts the rows of {@code r} that reach the result. */
    private static boolean restricts(PendingJoin j, Ref r) {
        boolean inLeft = j.left().contains(r), inRight = j.right().contains(r);
        return switch (joinKind(j.node())) {
            case INNER -> inLeft || inRight;
            case LEFT -> inRight;
            case RIGHT -> inLeft;
            default -> false;
        };
    }

    private Join buildJoin(PendingJoin j, Scope s) {
        SQLJoinTableSource n = j.node();
        boolean natural = n.isNatural() || (n.getJoinType() != null && n.getJoinType().name().startsWith("NATURAL"));
        List<ColumnEquality> on = new ArrayList<>();
        boolean other = false;
        if (n.getCondition() != null) {
            for (SQLExpr c : conjuncts(n.getCondition())) {
                ColumnEquality e = equality(c, s);
                if (e != null) on.add(e);
                else other = true;
            }
        }
        List<String> using = new ArrayList<>();
        for (SQLExpr u : n.getUsing()) {
            String col = columnName(u);
            if (col == null) continue;
            using.add(col);
            Ref l = sideOwner(j.left(), col), r = sideOwner(j.right(), col);
            if (l != null && r != null) on.add(new ColumnEquality(new ColumnRef(l.index, l.label(), col), new ColumnRef(r.index, r.label(), col)));
        }
        equalities.addAll(on);
        return new Join(joinKind(n), natural, j.left().stream().map(r -> r.index).toList(),
                j.right().stream().map(r -> r.index).toList(), on, using, other);
    }

    private static Ref sideOwner(List<Ref> side, String col) {
        if (side.size() == 1) return side.get(0);
        Ref found = null;
        for (Ref r : side) {
            if (r.sharded() && r.key.equalsIgnoreCase(col)) {
                if (found != null) return null;
                found = r;
            }
        }
        return found;
    }

    private static List<SQLExpr> conjuncts(SQLExpr e) {
        List<SQLExpr> out = new ArrayList<>();
        addConjuncts(e, out);
        return out;
    }

    private static void addConjuncts(SQLExpr e, List<SQLExpr> out) {
        if (e instanceof SQLBinaryOpExpr b && b.getOperator() == SQLBinaryOperator.BooleanAnd) {
            addConjuncts(b.getLeft(), out);
            addConjuncts(b.getRight(), out);
        } else if (e instanceof SQLBinaryOpExprGroup g && g.getOperator() == SQLBinaryOperator.BooleanAnd) {
            for (SQLExpr x : g.getItems()) addConjuncts(x, out);
        } else if (e != null) {
            out.add(e);
        }
    }

    private ColumnEquality equality(SQLExpr c, Scope s) {
        if (!(c instanceof SQLBinaryOpExpr b)) return null;
        if (b.getOperator() != SQLBinaryOperator.Equality && b.getOperator() != SQLBinaryOperator.LessThanOrEqualOrGreaterThan) return null;
        ColumnRef l = columnRef(b.getLeft(), s), r = columnRef(b.getRight(), s);
        if (l == null || r == null || l.table() == r.table()) return null;
        return new ColumnEquality(l, r);
    }

    private ColumnRef columnRef(SQLExpr x, Scope s) {
        if (x instanceof SQLPropertyExpr p) {
            Ref r = findByOwner(p.getOwner(), s, true);
            String col = norm(p.getName());
            return r == null || col == null || col.equals("*") ? null : new ColumnRef(r.index, r.label(), col);
        }
        if (x instanceof SQLIdentifierExpr id) {
            String col = norm(id.getName());
            Ref r = null;
            if (s.refs.size() == 1 && !s.otherSources) r = s.refs.get(0);
            else {
                for (Ref o : s.refs) {
                    if (o.sharded() && o.key.equalsIgnoreCase(col)) {
                        if (r != null) return null;
                        r = o;
                    }
                }
            }
            return r == null ? null : new ColumnRef(r.index, r.label(), col);
        }
        return null;
    }

    /** The reference a column qualifier names: its label in this scope or, when {@code outward}, an enclosing one. */
    private Ref findByOwner(SQLExpr owner, Scope s, boolean outward) {
        for (Scope sc = s; sc != null; sc = outward ? sc.parent : null) {
            for (Ref r : sc.refs) if (ownerIs(r, owner)) return r;
        }
        return null;
    }

    private static Ref findInScope(String labelLower, Scope s) {
        for (Ref r : s.refs) if (r.labelLower.equals(labelLower)) return r;
        return null;
    }

    /** True when a column qualifier ({@code u} in {@code u.uid}, or {@code db.t} in {@code db.t.uid}) names {@code r}. */
    private static boolean ownerIs(Ref r, SQLExpr owner) {
        if (owner instanceof SQLIdentifierExpr id) return r.labelLower.equals(lower(norm(id.getName())));
        if (owner instanceof SQLPropertyExpr p && p.getOwner() instanceof SQLIdentifierExpr sch) {
            return r.alias == null && r.nameLower.equals(lower(norm(p.getName())))
                    && (r.schemaLower == null || r.schemaLower.equals(lower(norm(sch.getName()))));
        }
        return false;
    }

    /** The key condition {@code e} imposes on {@code r}'s key; {@link KeyCondition#ANY} when it says nothing sure. */
    private KeyCondition condition(Ref r, SQLExpr e, Scope s) {
        if (e instanceof SQLBinaryOpExpr b) {
            SQLBinaryOperator op = b.getOperator();
            if (op == null) return ANY;
            return switch (op) {
                case BooleanAnd -> KeyCondition.and(condition(r, b.getLeft(), s), condition(r, b.getRight(), s));
                case BooleanOr -> KeyCondition.or(condition(r, b.getLeft(), s), condition(r, b.getRight(), s));
                case Equality, LessThanOrEqualOrGreaterThan, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual ->
                        comparison(r, op, b.getLeft(), b.getRight(), s);
                default -> ANY;
            };
        }
        if (e instanceof SQLBinaryOpExprGroup g) {
            List<KeyCondition> parts = new ArrayList<>();
            for (SQLExpr x : g.getItems()) parts.add(condition(r, x, s));
            if (g.getOperator() == SQLBinaryOperator.BooleanAnd) return KeyCondition.and(parts);
            if (g.getOperator() == SQLBinaryOperator.BooleanOr) return KeyCondition.or(parts);
            return ANY;
        }
        if (e instanceof SQLInListExpr in) {
            if (in.isNot()) return ANY;
            if (isKey(r, in.getExpr(), s)) {
                List<Operand> vals = new ArrayList<>();
                for (SQLExpr t : in.getTargetList()) {
                    Operand o = operand(t);
                    if (o == null) return ANY;
                    vals.add(o);
                }
                return KeyCondition.in(vals);
            }
            if (in.getExpr() instanceof SQLListExpr tuple) {
                int k = -1;
                for (int i = 0; i < tuple.getItems().size(); i++) {
                    if (isKey(r, tuple.getItems().get(i), s)) {
                        k = i;
                        break;
                    }
                }
                if (k < 0) return ANY;
                List<Operand> vals = new ArrayList<>();
                for (SQLExpr t : in.getTargetList()) {
                    if (!(t instanceof SQLListExpr row) || row.getItems().size() != tuple.getItems().size()) return ANY;
                    Operand o = operand(row.getItems().get(k));
                    if (o == null) return ANY;
                    vals.add(o);
                }
                return KeyCondition.in(vals);
            }
            return ANY;
        }
        if (e instanceof SQLBetweenExpr bt) {
            if (bt.isNot() || !isKey(r, bt.getTestExpr(), s)) return ANY;
            Operand lo = operand(bt.getBeginExpr()), hi = operand(bt.getEndExpr());
            if (lo == null && hi == null) return ANY;
            return KeyCondition.range(lo, true, hi, true);
        }
        return ANY;
    }

    private KeyCondition comparison(Ref r, SQLBinaryOperator op, SQLExpr left, SQLExpr right, Scope s) {
        Operand v;
        boolean flipped;
        if (isKey(r, left, s) && (v = operand(right)) != null) flipped = false;
        else if (isKey(r, right, s) && (v = operand(left)) != null) flipped = true;
        else return ANY;
        if (flipped) {
            op = switch (op) {
                case GreaterThan -> SQLBinaryOperator.LessThan;
                case GreaterThanOrEqual -> SQLBinaryOperator.LessThanOrEqual;
                case LessThan -> SQLBinaryOperator.GreaterThan;
                case LessThanOrEqual -> SQLBinaryOperator.GreaterThanOrEqual;
                default -> op;
            };
        }
        return switch (op) {
            case Equality, LessThanOrEqualOrGreaterThan -> KeyCondition.eq(v);
            case GreaterThan -> KeyCondition.range(v, false, null, false);
            case GreaterThanOrEqual -> KeyCondition.range(v, true, null, false);
            case LessThan -> KeyCondition.range(null, false, v, false);
            case LessThanOrEqual -> KeyCondition.range(null, false, v, true);
            default -> ANY;
        };
    }

    /** True when {@code x} is a reference to {@code r}'s key column. */
    private boolean isKey(Ref r, SQLExpr x, Scope s) {
        if (x instanceof SQLIdentifierExpr id) {
            String c = norm(id.getName());
            if (c == null || !c.equalsIgnoreCase(r.key)) return false;
            int owners = 0;
            for (Ref o : s.refs) if (o.sharded() && o.key.equalsIgnoreCase(c)) owners++;
            return owners == 1;
        }
        if (x instanceof SQLPropertyExpr p) {
            String c = norm(p.getName());
            if (c == null || !c.equalsIgnoreCase(r.key) || !ownerIs(r, p.getOwner())) return false;
            int owners = 0;
            for (Ref o : s.refs) if (ownerIs(o, p.getOwner())) owners++;
            return owners == 1;
        }
        return false;
    }

    /** An integer literal or a {@code ?}; null for anything else. */
    static Operand operand(SQLExpr x) {
        if (x instanceof SQLIntegerExpr i) {
            Long v = asLong(i.getNumber());
            return v == null ? null : Operand.lit(v);
        }
        if (x instanceof SQLVariantRefExpr v && "?".equals(v.getName()) && v.getIndex() >= 0) return Operand.param(v.getIndex());
        if (x instanceof SQLUnaryExpr u && u.getExpr() instanceof SQLIntegerExpr i) {
            Number n = i.getNumber();
            if (n == null) return null;
            BigInteger b = n instanceof BigInteger bi ? bi : BigInteger.valueOf(n.longValue());
            if (u.getOperator() == SQLUnaryOperator.Negative) b = b.negate();
            else if (u.getOperator() != SQLUnaryOperator.Plus) return null;
            return b.bitLength() < 64 ? Operand.lit(b.longValue()) : null;
        }
        return null;
    }

    private static Long asLong(Number n) {
        if (n == null) return null;
        if (n instanceof BigInteger b) return b.bitLength() < 64 ? b.longValue() : null;
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) return n.longValue();
        return null;
    }

    private static Limit limitOf(SQLLimit l) {
        if (l == null) return null;
        Operand off = l.getOffset() == null ? null : operand(l.getOffset());
        Operand cnt = l.getRowCount() == null ? null : operand(l.getRowCount());
        boolean ok = cnt != null && (l.getOffset() == null || off != null);
        return new Limit(off, cnt, ok);
    }

    // ------------------------------------------------------------------------------------------- SELECT shape

    private SelectShape shapeOf(SQLSelect sel) {
        SQLSelectQuery q = sel.getQuery();
        boolean union = q instanceof SQLUnionQuery;
        SQLSelectQueryBlock first = firstBlock(q);
        SQLOrderBy ob = sel.getOrderBy();
        SQLLimit lim = sel.getLimit();
        // (SELECT .. ORDER BY/LIMIT ..) ORDER BY/LIMIT ..: only the outer clauses are described below, so say that
        // the bracketed block has its own (a merge applying only the outer ones would differ from MySQL)
        boolean nested = !union && first != null && (ob != null || lim != null)
                && ((first.getOrderBy() != null && first.getOrderBy() != ob) || (first.getLimit() != null && first.getLimit() != lim));
        if (q instanceof SQLUnionQuery u) {
            if (ob == null) ob = u.getOrderBy();
            if (lim == null) lim = u.getLimit();
        } else if (first != null) {
            if (ob == null) ob = first.getOrderBy();
            if (lim == null) lim = first.getLimit();
        }
        List<SelectShape.Item> items = new ArrayList<>();
        List<SelectShape.GroupItem> group = new ArrayList<>();
        boolean distinct = false, rollup = false, having = false, calc = false;
        if (first != null) {
            for (SQLSelectItem it : first.getSelectList()) items.add(item(it));
            distinct = first.getDistionOption() != 0;
            SQLSelectGroupByClause g = first.getGroupBy();
            if (g != null) {
                for (SQLExpr e : g.getItems()) group.add(new SelectShape.GroupItem(text(e), selectIndex(e, first, items)));
                rollup = g.isWithRollUp();
                having = g.getHaving() != null;
            }
            calc = first instanceof MySqlSelectQueryBlock m && m.isCalcFoundRows();
        }
        List<SelectShape.OrderItem> order = new ArrayList<>();
        if (ob != null) {
            for (SQLSelectOrderByItem it : ob.getItems()) {
                order.add(new SelectShape.OrderItem(text(it.getExpr()), it.getType() == SQLOrderingSpecification.DESC,
                        first == null ? -1 : selectIndex(it.getExpr(), first, items),
                        collationOf(it)));
            }
        }
        SelectShape.LockMode lock = lockOf(q);
        return new SelectShape(items, distinct, group, rollup, having, order, limitOf(lim), lock, union, calc, nested);
    }

    /**
     * The COLLATE of an ORDER BY item, or null. Druid keeps it out of the printed fast-path text (on the item, or on
     * an identifier), so look in both places, and in the full printed text for other expression shapes.
     */
    private static String collationOf(SQLSelectOrderByItem it) {
        if (it.getCollate() != null) return norm(it.getCollate());
        SQLExpr e = it.getExpr();
        if (e instanceof SQLIdentifierExpr id) return id.getCollate() == null ? null : norm(id.getCollate());
        if (e instanceof SQLIntegerExpr) return null;
        String t = e.toString();
        int at = t.toUpperCase(Locale.ROOT).indexOf("COLLATE");
        return at < 0 ? null : t.substring(at + 7).trim();
    }

    private static SQLSelectQueryBlock firstBlock(SQLSelectQuery q) {
        while (q instanceof SQLUnionQuery u) {
            if (u.getRelations().isEmpty()) return null;
            q = u.getRelations().get(0);
        }
        return q instanceof SQLSelectQueryBlock b ? b : null;
    }

    private static SelectShape.LockMode lockOf(SQLSelectQuery q) {
        if (q instanceof SQLSelectQueryBlock b) {
            if (b.isForUpdate()) return SelectShape.LockMode.FOR_UPDATE;
            if (b.isForShare() || (b instanceof MySqlSelectQueryBlock m && m.isLockInShareMode())) return SelectShape.LockMode.FOR_SHARE;
            return SelectShape.LockMode.NONE;
        }
        if (q instanceof SQLUnionQuery u) {
            SelectShape.LockMode best = SelectShape.LockMode.NONE;
            for (SQLSelectQuery r : u.getRelations()) {
                SelectShape.LockMode m = lockOf(r);
                if (m.ordinal() > best.ordinal()) best = m;
            }
            return best;
        }
        return SelectShape.LockMode.NONE;
    }

    private static SelectShape.Item item(SQLSelectItem it) {
        SQLExpr e = it.getExpr();
        SelectShape.Aggregate agg = null;
        boolean aggDistinct = false;
        if (e instanceof SQLAggregateExpr a) {
            agg = aggregateKind(a);
            aggDistinct = a.getOption() == SQLAggregateOption.DISTINCT;
        }
        boolean star = e instanceof SQLAllColumnExpr || (e instanceof SQLPropertyExpr p && "*".equals(p.getName()));
        boolean nested = false;
        if (agg == null && !(e instanceof SQLLiteralExpr) && !(e instanceof SQLName) && !(e instanceof SQLAllColumnExpr)) {
            boolean[] found = {false};
            e.accept(new MySqlASTVisitorAdapter() {
                @Override
                public boolean visit(SQLAggregateExpr x) {
                    found[0] = true;
                    return false;
                }

                @Override
                public boolean visit(SQLSelect x) {
                    return false;
                }
            });
            nested = found[0];
        }
        String alias = it.getAlias() == null ? null : norm(it.getAlias());
        return new SelectShape.Item(text(e), alias, agg, aggDistinct, nested, star);
    }

    private static SelectShape.Aggregate aggregateKind(SQLAggregateExpr a) {
        if (a.getOver() != null || a.getOverRef() != null) return SelectShape.Aggregate.OTHER;
        String m = a.getMethodName() == null ? "" : a.getMethodName().toUpperCase(Locale.ROOT);
        return switch (m) {
            case "COUNT" -> SelectShape.Aggregate.COUNT;
            case "SUM" -> SelectShape.Aggregate.SUM;
            case "MIN" -> SelectShape.Aggregate.MIN;
            case "MAX" -> SelectShape.Aggregate.MAX;
            case "AVG" -> SelectShape.Aggregate.AVG;
            default -> SelectShape.Aggregate.OTHER;
        };
    }

    /** Which select item an ORDER BY / GROUP BY expression denotes: by position, alias, or same text. */
    private static int selectIndex(SQLExpr e, SQLSelectQueryBlock block, List<SelectShape.Item> items) {
        if (e instanceof SQLIntegerExpr i) {
            Long n = asLong(i.getNumber());
            if (n == null || n < 1 || n > items.size()) return -1;
            for (int k = 0; k < n - 1; k++) if (items.get(k).star()) return -1;
            return (int) (n - 1);
        }
        if (e instanceof SQLIdentifierExpr id) {
            String n = norm(id.getName());
            for (int k = 0; k < items.size(); k++) if (n.equalsIgnoreCase(items.get(k).alias())) return k;
            int found = -1;
            List<SQLSelectItem> sel = block.getSelectList();
            for (int k = 0; k < sel.size(); k++) {
                if (items.get(k).star()) continue;   // a `*` / `t.*` item is never the named column
                SQLExpr x = sel.get(k).getExpr();
                String c = x instanceof SQLIdentifierExpr xi ? norm(xi.getName()) : x instanceof SQLPropertyExpr xp ? norm(xp.getName()) : null;
                if (n.equalsIgnoreCase(c) && items.get(k).alias() == null) {
                    if (found >= 0) return -1;
                    found = k;
                }
            }
            return found;
        }
        String t = text(e);
        for (int k = 0; k < items.size(); k++) if (!items.get(k).star() && t.equalsIgnoreCase(items.get(k).expr())) return k;
        return -1;
    }

    // ------------------------------------------------------------------------------------------- expressions

    private void countQualifier(SQLPropertyExpr self, SQLExpr owner) {
        if (self != null) {
            if (tableNameExprs.contains(self)) return;
            if (self.getParent() instanceof SQLPropertyExpr pp && pp.getOwner() == self) return; // schema.table part
        }
        String key = null;
        if (owner instanceof SQLIdentifierExpr id) key = "|" + lower(norm(id.getName()));
        else if (owner instanceof SQLPropertyExpr p && p.getOwner() instanceof SQLIdentifierExpr sch) {
            key = lower(norm(sch.getName())) + "|" + lower(norm(p.getName()));
        }
        if (key != null) qualifierUses.merge(key, 1, Integer::sum);
    }

    private static boolean isUserVar(SQLVariantRefExpr v) {
        String n = v.getName();
        return n != null && n.startsWith("@") && !n.startsWith("@@");
    }

    // ------------------------------------------------------------------------------------------- names

    private static String ownerText(SQLExpr owner) {
        if (owner instanceof SQLIdentifierExpr id) return id.getName();
        if (owner instanceof SQLPropertyExpr p) return p.getName();
        return owner == null ? null : owner.toString();
    }

    private static String columnName(SQLExpr c) {
        if (c instanceof SQLIdentifierExpr id) return norm(id.getName());
        if (c instanceof SQLPropertyExpr p) return norm(p.getName());
        return null;
    }

    /** Strips quoting backticks (and undoubles inner ones). */
    static String norm(String s) {
        if (s == null) return null;
        if (s.length() >= 2 && s.charAt(0) == '`' && s.charAt(s.length() - 1) == '`') {
            return s.substring(1, s.length() - 1).replace("``", "`");
        }
        if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') return SQLUtils.normalize(s);
        return s;
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String text(SQLExpr e) {
        // fast paths for the common shapes; Druid's printer otherwise (it costs about 0.3 µs an expression)
        if (e instanceof SQLIdentifierExpr id) return id.getName();
        if (e instanceof SQLPropertyExpr p && p.getOwner() instanceof SQLIdentifierExpr o) return o.getName() + "." + p.getName();
        if (e instanceof SQLAllColumnExpr a && a.getOwner() == null) return "*";
        if (e instanceof SQLIntegerExpr i && i.getNumber() != null) return i.getNumber().toString();
        String t = e.toString();
        return t.indexOf('\n') >= 0 || t.indexOf('\t') >= 0 ? t.replaceAll("\\s*[\\n\\t]+\\s*", " ").trim() : t;
    }
}
