package io.shardgate.router.analysis;

/** Character offsets {@code [start, end)} in the statement text as the client sent it. */
public record Span(int start, int end) implements Comparable<Span> {
    public Span {
        if (start < 0 || end < start) throw new IllegalArgumentException("bad span " + start + ".." + end);
    }

    public int length() {
        return end - start;
    }

    /** The covered text of {@code sql}. */
    public String of(String sql) {
        return sql.substring(start, end);
    }

    @Override
    public int compareTo(Span o) {
        return start != o.start ? Integer.compare(start, o.start) : Integer.compare(end, o.end);
    }

    @Override
    public String toString() {
        return start + ".." + end;
    }
}
