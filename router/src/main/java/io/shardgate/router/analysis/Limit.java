package io.shardgate.router.analysis;

/**
 * A LIMIT clause: {@code LIMIT count}, {@code LIMIT offset, count} or {@code LIMIT count OFFSET offset}.
 * {@code offset} is null when absent; either is null also when it is neither an integer literal nor a {@code ?}
 * (then {@link #understood()} is false).
 */
public record Limit(Operand offset, Operand count, boolean understood) {
    @Override
    public String toString() {
        if (!understood) return "limit(?)";
        return offset == null ? "limit " + count : "limit " + offset + "," + count;
    }
}
