package io.shardgate.proxy.prepared;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ?} parameter markers of a statement, found as MySQL's lexer finds them: not inside
 * {@code 'strings'}, {@code "strings"} (backslash escapes and doubled quotes), {@code `quoted names`} (doubled
 * backticks), block comments (slash-star to star-slash), {@code -- } comments (two dashes then a space, tab, line break or the
 * end: {@code 1--1} is arithmetic) or {@code #} comments. The body of an executable comment (a block comment opened by
 * slash-star-bang, optionally with a version number, or MariaDB's slash-star-M-bang) is statement text to MySQL,
 * so markers in it count.
 */
public final class ParameterMarkers {
    private ParameterMarkers() {}

    public static int count(String sql) {
        return positions(sql).length;
    }

    /** The char indexes of the markers, in order. */
    public static int[] positions(String sql) {
        List<Integer> found = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            switch (c) {
                case '?' -> {
                    found.add(i);
                    i++;
                }
                case '\'', '"' -> i = endOfString(sql, i, c);
                case '`' -> i = endOfQuotedName(sql, i);
                case '#' -> i = endOfLine(sql, i);
                case '-' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '-' && (i + 2 == n || isCommentSpace(sql.charAt(i + 2)))) {
                        i = endOfLine(sql, i);
                    } else {
                        i++;
                    }
                }
                case '/' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '*') {
                        int body = executableCommentBody(sql, i);
                        i = body >= 0 ? body : endOfBlockComment(sql, i);
                    } else {
                        i++;
                    }
                }
                default -> i++;
            }
        }
        int[] out = new int[found.size()];
        for (int k = 0; k < out.length; k++) out[k] = found.get(k);
        return out;
    }

    /**
     * The statement with the i-th marker replaced by {@code literals.get(i)}. A space is put between a literal and
     * a neighbouring name or number character ({@code SELECT?} gives {@code SELECT 1}, not {@code SELECT1}), and
     * between a {@code -} before the marker and a literal that starts with {@code -}.
     *
     * @throws IllegalArgumentException when the number of literals is not the number of markers
     */
    public static String substitute(String sql, List<String> literals) {
        int[] at = positions(sql);
        if (at.length != literals.size()) {
            throw new IllegalArgumentException("statement has " + at.length + " parameter markers, "
                    + literals.size() + " values given");
        }
        int extra = 0;
        for (String l : literals) extra += l.length() + 1;
        StringBuilder out = new StringBuilder(sql.length() + extra);
        int from = 0;
        for (int k = 0; k < at.length; k++) {
            int p = at[k];
            String lit = literals.get(k);
            out.append(sql, from, p);
            if (!lit.isEmpty()) {
                if (p > 0) {
                    char before = sql.charAt(p - 1);
                    if (isWordChar(before) && isWordChar(lit.charAt(0))
                            || before == '-' && lit.charAt(0) == '-') {
                        out.append(' ');
                    }
                }
                out.append(lit);
                if (p + 1 < sql.length() && isWordChar(sql.charAt(p + 1)) && isWordChar(lit.charAt(lit.length() - 1))) {
                    out.append(' ');
                }
            }
            from = p + 1;
        }
        out.append(sql, from, sql.length());
        return out.toString();
    }

    /** Index just past a '...' or "..." string opened at {@code start} (the end of the text if unterminated). */
    private static int endOfString(String sql, int start, char quote) {
        int n = sql.length();
        int i = start + 1;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2; // doubled quote
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    private static int endOfQuotedName(String sql, int start) {
        int n = sql.length();
        int i = start + 1;
        while (i < n) {
            if (sql.charAt(i) == '`') {
                if (i + 1 < n && sql.charAt(i + 1) == '`') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    private static int endOfLine(String sql, int start) {
        int nl = sql.indexOf('\n', start);
        return nl < 0 ? sql.length() : nl + 1;
    }

    private static int endOfBlockComment(String sql, int start) {
        int end = sql.indexOf("*/", start + 2);
        return end < 0 ? sql.length() : end + 2;
    }

    /**
     * For an executable comment's opening (slash-star-bang or slash-star-M-bang, then optional version digits) at
     * {@code start}: the index of its body, which is scanned as statement text (its closing star-slash holds no
     * marker). Else -1.
     */
    private static int executableCommentBody(String sql, int start) {
        int i = start + 2;
        int n = sql.length();
        if (i < n && sql.charAt(i) == 'M' && i + 1 < n && sql.charAt(i + 1) == '!') {
            i += 2;
        } else if (i < n && sql.charAt(i) == '!') {
            i += 1;
        } else {
            return -1;
        }
        while (i < n && Character.isDigit(sql.charAt(i))) i++;
        return i;
    }

    /** What MySQL accepts after "--" for it to start a comment: a space or a control character. */
    private static boolean isCommentSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b || c < 0x20;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$'
                || c >= 0x80;
    }
}
