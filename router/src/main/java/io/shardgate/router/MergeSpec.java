package io.shardgate.router;

import java.util.List;

/**
 * How the results of a {@link RoutePlan.Kind#SCATTER_READ} are combined, in this order: aggregate rows of equal
 * GROUP BY values (or all rows when there is no GROUP BY but aggregates), remove duplicates (DISTINCT), sort
 * (a merge of the per-shard sorted streams when there is no grouping), then skip {@code offset} rows and keep
 * {@code count}. Column positions are 0-based indexes in the result set.
 *
 * @param orderBy     sort keys; empty: any order (concatenation)
 * @param groupBy     select indexes of the GROUP BY columns
 * @param aggregates  aggregate columns and how to combine their per-shard values
 * @param distinct    SELECT DISTINCT
 * @param offset      rows to skip after merging (the shards were not asked to skip them)
 * @param count       rows to keep after the offset, or null for all
 * @param shardLimit  the LIMIT each shard was asked for, or null when the shards got no LIMIT or the client's
 * @param hiddenColumns columns the shards return after the client's select list (the COUNTs of AVG), to be
 *                    dropped after merging
 */
public record MergeSpec(List<SortKey> orderBy, List<Integer> groupBy, List<AggregateColumn> aggregates,
                        boolean distinct, long offset, Long count, Long shardLimit, int hiddenColumns) {

    /** Without hidden columns. */
    public MergeSpec(List<SortKey> orderBy, List<Integer> groupBy, List<AggregateColumn> aggregates,
                     boolean distinct, long offset, Long count, Long shardLimit) {
        this(orderBy, groupBy, aggregates, distinct, offset, count, shardLimit, 0);
    }

    public MergeSpec {
        orderBy = List.copyOf(orderBy);
        groupBy = List.copyOf(groupBy);
        aggregates = List.copyOf(aggregates);
    }

    /** Results are simply concatenated. */
    public static final MergeSpec CONCAT = new MergeSpec(List.of(), List.of(), List.of(), false, 0, null, null);

    /**
     * COUNT_SUM: counts summed; SUM: summed (NULL when all NULL); MIN/MAX of the shards' values; AVG: the shards
     * return SUM(x) in this column and COUNT(x) in {@link AggregateColumn#countIndex()}; the result is the sum of
     * the sums divided by the sum of the counts (NULL when the count is 0), presented under
     * {@link AggregateColumn#label()}.
     */
    public enum Combine { COUNT_SUM, SUM, MIN, MAX, AVG }

    /**
     * @param selectIndex result column, or -1 when the key is found by {@code column} name in a {@code *} result
     * @param expr        the ORDER BY expression as written (normalised by the parser)
     */
    public record SortKey(int selectIndex, String column, String expr, boolean descending) {
        @Override
        public String toString() {
            return (selectIndex >= 0 ? "#" + selectIndex : "column " + column) + " (" + expr + ")" + (descending ? " DESC" : " ASC");
        }
    }

    /**
     * @param countIndex for AVG, the hidden column holding the shard's COUNT; else -1
     * @param label      for AVG, the column name the client must see (the alias, else the item as written); else null
     */
    public record AggregateColumn(int selectIndex, String expr, Combine combine, int countIndex, String label) {
        public AggregateColumn(int selectIndex, String expr, Combine combine) {
            this(selectIndex, expr, combine, -1, null);
        }

        @Override
        public String toString() {
            return "#" + selectIndex + " " + expr + " -> " + combine
                    + (combine == Combine.AVG ? "(#" + selectIndex + " / #" + countIndex + ") as '" + label + "'" : "");
        }
    }

    /** Merge steps, one per line, each starting with "merge: ". */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        if (!groupBy.isEmpty()) sb.append("merge: group by ").append(groupBy.stream().map(i -> "#" + i).toList()).append('\n');
        if (!aggregates.isEmpty()) sb.append("merge: aggregate ").append(aggregates).append('\n');
        if (distinct) sb.append("merge: distinct\n");
        if (!orderBy.isEmpty()) sb.append("merge: order by ").append(orderBy).append('\n');
        if (offset > 0 || count != null) {
            sb.append("merge: limit offset ").append(offset).append(" count ").append(count == null ? "all" : count);
            if (shardLimit != null) sb.append(" (each shard asked for LIMIT ").append(shardLimit).append(')');
            sb.append('\n');
        }
        if (hiddenColumns > 0) sb.append("merge: drop the last ").append(hiddenColumns).append(" column(s)\n");
        if (sb.length() == 0) sb.append("merge: concatenate\n");
        return sb.toString();
    }
}
