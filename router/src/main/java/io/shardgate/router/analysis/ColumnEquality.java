package io.shardgate.router.analysis;

/**
 * {@code left = right} between columns of two different table references, found in JOIN ON, JOIN USING, or as a
 * top-level AND term of WHERE. The router uses it to check that sharded tables are joined on their keys.
 */
public record ColumnEquality(ColumnRef left, ColumnRef right) {
    @Override
    public String toString() {
        return left + "=" + right;
    }
}
