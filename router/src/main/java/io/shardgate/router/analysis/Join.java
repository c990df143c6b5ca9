package io.shardgate.router.analysis;

import java.util.List;

/**
 * One JOIN (or comma) in a FROM clause.
 *
 * @param kind             INNER covers JOIN, INNER/CROSS JOIN, STRAIGHT_JOIN and the comma
 * @param natural          NATURAL join: joined on all same-named columns, which the analyzer cannot list
 * @param left             table indexes on the left side (several when the left side is itself a join)
 * @param right            table indexes on the right side
 * @param on               column equalities between the two sides in ON (top-level AND terms) or USING
 * @param using            the USING column names, if any
 * @param otherConditions  ON holds something besides those equalities
 */
public record Join(Kind kind, boolean natural, List<Integer> left, List<Integer> right, List<ColumnEquality> on,
                   List<String> using, boolean otherConditions) {

    public enum Kind { INNER, LEFT, RIGHT, FULL, OTHER }

    public Join {
        left = List.copyOf(left);
        right = List.copyOf(right);
        on = List.copyOf(on);
        using = List.copyOf(using);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (natural) sb.append("NATURAL ");
        sb.append(kind).append(' ').append(left).append(right);
        if (!on.isEmpty()) sb.append(" on ").append(on);
        if (!using.isEmpty()) sb.append(" using ").append(using);
        if (otherConditions) sb.append(" +other");
        return sb.toString();
    }
}
