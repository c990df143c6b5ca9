package io.shardgate.router.analysis;

/** A column of one table reference: {@code table} is the index in {@link StatementFacts#tables()}. */
public record ColumnRef(int table, String label, String column) {
    @Override
    public String toString() {
        return label + "." + column;
    }
}
