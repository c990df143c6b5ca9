package io.shardgate.router.analysis;

import java.util.List;

/**
 * What a merger needs to know about a SELECT run on several shards: result columns, aggregation, grouping,
 * ordering and paging of the outermost query. Expression texts are printed by Druid (normalised spacing and
 * keyword case), meant for display and matching, not for sending to a server.
 *
 * @param items     result columns in order; {@code *} and {@code t.*} are single items with {@code star}
 * @param distinct  SELECT DISTINCT / DISTINCTROW
 * @param groupBy   GROUP BY items
 * @param rollup    GROUP BY ... WITH ROLLUP
 * @param having    has a HAVING clause (it must be evaluated after merging groups)
 * @param orderBy   ORDER BY items of the outermost query (of the UNION when there is one)
 * @param limit     LIMIT of the outermost query, or null
 * @param lock      FOR UPDATE / FOR SHARE (also LOCK IN SHARE MODE) on any block of the outermost query
 * @param union     the outermost query is a UNION; {@code items} are then the first branch's
 * @param calcFoundRows SQL_CALC_FOUND_ROWS
 * @param nestedOrderLimit a bracketed query block has its own ORDER BY or LIMIT and the statement has an outer
 *                      ORDER BY or LIMIT too ({@code (SELECT .. LIMIT 2) ORDER BY ..}); {@code orderBy} and
 *                      {@code limit} are then the outer ones and the inner ones are not described
 */
public record SelectShape(List<Item> items, boolean distinct, List<GroupItem> groupBy, boolean rollup,
                          boolean having, List<OrderItem> orderBy, Limit limit, LockMode lock, boolean union,
                          boolean calcFoundRows, boolean nestedOrderLimit) {

    /** Without a nested ORDER BY / LIMIT. */
    public SelectShape(List<Item> items, boolean distinct, List<GroupItem> groupBy, boolean rollup,
                       boolean having, List<OrderItem> orderBy, Limit limit, LockMode lock, boolean union,
                       boolean calcFoundRows) {
        this(items, distinct, groupBy, rollup, having, orderBy, limit, lock, union, calcFoundRows, false);
    }

    public SelectShape {
        items = List.copyOf(items);
        groupBy = List.copyOf(groupBy);
        orderBy = List.copyOf(orderBy);
    }

    public enum Aggregate { COUNT, SUM, MIN, MAX, AVG, /** any other aggregate or window function */ OTHER }

    public enum LockMode { NONE, FOR_UPDATE, FOR_SHARE }

    /**
     * A result column.
     *
     * @param expr               the expression as printed by Druid
     * @param alias              AS alias (unquoted) or null
     * @param aggregate          when the whole item is an aggregate call, its function; else null
     * @param aggregateDistinct  {@code COUNT(DISTINCT ...)} etc.
     * @param containsAggregate  an aggregate occurs inside a larger expression (e.g. {@code SUM(a)/COUNT(*)}),
     *                           which a merger cannot recombine
     * @param star               {@code *} or {@code t.*}
     */
    public record Item(String expr, String alias, Aggregate aggregate, boolean aggregateDistinct,
                       boolean containsAggregate, boolean star) {
        @Override
        public String toString() {
            String s = expr + (alias != null ? " AS " + alias : "");
            if (aggregate != null) s += " <" + aggregate + (aggregateDistinct ? " DISTINCT" : "") + ">";
            else if (containsAggregate) s += " <nested-aggregate>";
            return s;
        }
    }

    /** @param selectIndex index of the matching {@link Item} (by position, alias or same expression), or -1 */
    public record GroupItem(String expr, int selectIndex) {
        @Override
        public String toString() {
            return expr + (selectIndex >= 0 ? "#" + selectIndex : "");
        }
    }

    /**
     * @param selectIndex index of the matching {@link Item} (by position, alias or same expression), or -1
     * @param collation   {@code COLLATE} name of the item (Druid keeps it apart from {@code expr}), or null
     */
    public record OrderItem(String expr, boolean descending, int selectIndex, String collation) {
        public OrderItem(String expr, boolean descending, int selectIndex) {
            this(expr, descending, selectIndex, null);
        }

        @Override
        public String toString() {
            return expr + (collation != null && !expr.toUpperCase(java.util.Locale.ROOT).contains("COLLATE")
                    ? " COLLATE " + collation : "") + (descending ? " DESC" : "")
                    + (selectIndex >= 0 ? "#" + selectIndex : "");
        }
    }

    /** True when some item is an aggregate, or contains one. */
    public boolean aggregates() {
        return items.stream().anyMatch(i -> i.aggregate() != null || i.containsAggregate());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("select{");
        if (distinct) sb.append("DISTINCT ");
        sb.append(items);
        if (!groupBy.isEmpty()) sb.append(" group=").append(groupBy).append(rollup ? " rollup" : "");
        if (having) sb.append(" having");
        if (!orderBy.isEmpty()) sb.append(" order=").append(orderBy);
        if (limit != null) sb.append(' ').append(limit);
        if (lock != LockMode.NONE) sb.append(' ').append(lock == LockMode.FOR_UPDATE ? "for-update" : "for-share");
        if (union) sb.append(" union");
        if (calcFoundRows) sb.append(" calc-found-rows");
        if (nestedOrderLimit) sb.append(" nested-order-limit");
        return sb.append('}').toString();
    }
}
