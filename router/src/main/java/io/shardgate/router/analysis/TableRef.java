package io.shardgate.router.analysis;

import java.util.List;

/**
 * One table reference in a statement (a table named twice, e.g. a self-join, is two references).
 *
 * @param index      position in {@link StatementFacts#tables()}
 * @param schema     schema qualifier as written, unquoted, or null
 * @param name       table name as written, unquoted
 * @param alias      alias, unquoted, or null
 * @param type       placement per {@link KeyColumns}
 * @param keyColumn  sharding key column when {@code type == SHARDED}, else null
 * @param condition  what WHERE / JOIN ON (or INSERT's VALUES) say about the key; {@link KeyCondition#ANY} for
 *                   tables that are not sharded
 * @param written    the statement writes this table (INSERT/REPLACE target, UPDATE/DELETE target, DDL)
 * @param block      query block: 0 for the statement's outermost FROM, greater for subqueries, derived tables,
 *                   CTEs and UNION branches
 * @param span       where the name (including a schema qualifier) is in the text, or null when not resolved
 * @param otherSpans other places where this reference is named by its table name and that a rewrite must change
 *                   too: column qualifiers of an unaliased table ({@code user.uid}, {@code db.user.*}) and the
 *                   target list of a multi-table DELETE. Empty when {@code span} is null.
 */
public record TableRef(int index, String schema, String name, String alias, TableType type, String keyColumn,
                       KeyCondition condition, boolean written, int block, Span span, List<Span> otherSpans) {

    public TableRef {
        otherSpans = List.copyOf(otherSpans);
    }

    /** How columns refer to this reference: the alias, else the table name. */
    public String label() {
        return alias != null ? alias : name;
    }

    /** {@code schema.name} or {@code name}. */
    public String qualifiedName() {
        return schema == null ? name : schema + "." + name;
    }

    public boolean sharded() {
        return type == TableType.SHARDED;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(qualifiedName());
        if (alias != null) sb.append(" AS ").append(alias);
        switch (type) {
            case SHARDED -> sb.append(" {").append(keyColumn).append(' ').append(condition).append('}');
            case BROADCAST -> sb.append(" {broadcast}");
            default -> { }
        }
        if (written) sb.append(" written");
        if (block > 0) sb.append(" block=").append(block);
        if (span != null) {
            sb.append(" @").append(span);
            for (Span s : otherSpans) sb.append('+').append(s);
        }
        return sb.toString();
    }
}
