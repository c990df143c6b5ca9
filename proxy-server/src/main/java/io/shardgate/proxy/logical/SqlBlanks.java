package io.shardgate.proxy.logical;

/** Skips what separates the words of a statement: whitespace and comments ({@code /* *}{@code /}, {@code -- }, {@code #}). */
public final class SqlBlanks {
    private SqlBlanks() {}

    /** The index of the first character at or after {@code i} that is neither whitespace nor inside a comment. */
    public static int skip(String sql, int i) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '#' || (c == '-' && i + 2 < n && sql.charAt(i + 1) == '-' && Character.isWhitespace(sql.charAt(i + 2)))) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else {
                return i;
            }
        }
        return n;
    }
}
