package io.shardgate.rules;

/** A key value that no shard holds: a range map whose ranges do not cover it. */
public final class NoShardException extends RuntimeException {
    private final String table;
    private final String keyColumn;
    private final long value;

    public NoShardException(String table, String keyColumn, long value, String detail) {
        super("table " + table + " has no shard for " + keyColumn + " = " + value + ": " + detail);
        this.table = table;
        this.keyColumn = keyColumn;
        this.value = value;
    }

    public String table() {
        return table;
    }

    public String keyColumn() {
        return keyColumn;
    }

    public long value() {
        return value;
    }
}
