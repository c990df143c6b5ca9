package io.shardgate.router.analysis;

import com.alibaba.druid.sql.parser.Token;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A quote-aware pass over the raw text, done before parsing and only when the text contains {@code /*}:
 * <ul>
 *   <li>collects {@code shardgate:} hints from block comments ({@code /*+ shardgate:master *}{@code /} or a plain
 *       {@code /* shardgate:master *}{@code /});</li>
 *   <li>blanks every block comment with spaces, so the parser never trips over a hint in an odd place;</li>
 *   <li>for MySQL executable comments ({@code /*!50000 ... *}{@code /}, MariaDB's {@code /*M!100100 ... *}{@code /})
 *       blanks only the markers, so their content is parsed as the server will run it.</li>
 * </ul>
 * Blanking keeps every character offset, so positions found in the parse text are positions in the original.
 */
final class SqlText {

    /**
     * @param versionDependent an executable comment whose content only some backends run: MariaDB's {@code /*M!}, or
     *                         a version above 80000 (run by MariaDB 10+, not by every MySQL 8.0); its content is
     *                         analysed, so tables are a superset, but key conditions cannot be trusted
     */
    record Prepared(String parseText, List<String> hints, boolean executableComments, boolean versionDependent) { }

    /** Executable comments up to this version are run by MySQL 8.0 and MariaDB 10+ alike. */
    private static final long CERTAIN_VERSION = 80000;

    private static final String HINT_PREFIX = "shardgate:";

    private SqlText() { }

    static Prepared prepare(String sql) {
        if (sql.indexOf("/*") < 0) return new Prepared(sql, List.of(), false, false);
        char[] out = null;
        List<String> hints = new ArrayList<>();
        boolean executable = false, versionDependent = false;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipQuoted(sql, i, c, true);
            } else if (c == '`') {
                i = skipQuoted(sql, i, c, false);
            } else if (c == '#') {
                i = lineEnd(sql, i);
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-'
                    && (i + 2 >= n || sql.charAt(i + 2) <= ' ')) {
                i = lineEnd(sql, i);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int close = sql.indexOf("*/", i + 2);
                int end = close < 0 ? n : close + 2;
                int contentEnd = close < 0 ? n : close;
                if (out == null) out = sql.toCharArray();
                int m = executableMarkerEnd(sql, i, contentEnd);
                if (m > 0) {
                    executable = true;
                    versionDependent |= versionDependent(sql, i, m);
                    blank(out, i, m);
                    blank(out, contentEnd, end);
                } else {
                    collectHints(sql, i + 2, contentEnd, hints);
                    blank(out, i, end);
                }
                i = end;
            } else {
                i++;
            }
        }
        return new Prepared(out == null ? sql : new String(out), List.copyOf(hints), executable, versionDependent);
    }

    /**
     * Druid's lexer splits an unquoted identifier at a non-ASCII letter that is not its first character
     * ({@code usér} becomes {@code us} followed by the alias {@code ér}), which would make the parse name the wrong
     * table. Returns the offset of such a split, or -1. Only worth calling when the text has non-ASCII characters.
     */
    static int splitIdentifier(String text) {
        List<PositionResolver.Tok> toks;
        try {
            toks = PositionResolver.lex(text);
        } catch (RuntimeException e) {
            return -1;
        }
        for (int i = 0; i + 1 < toks.size(); i++) {
            PositionResolver.Tok a = toks.get(i), b = toks.get(i + 1);
            boolean aName = a.type() == Token.IDENTIFIER || a.word() != null;
            boolean bName = b.type() == Token.IDENTIFIER || b.word() != null;
            if (a.end() != b.start() || !aName || !bName) continue;
            if (text.charAt(b.start()) > 127 || text.charAt(a.end() - 1) > 127) return b.start();
        }
        return -1;
    }

    static boolean hasNonAscii(String text) {
        for (int i = 0; i < text.length(); i++) if (text.charAt(i) > 127) return true;
        return false;
    }

    /** For {@code /*!NNNNN} or {@code /*M!NNNNN} at {@code at}: the index after the marker and version, else -1. */
    private static boolean versionDependent(String sql, int at, int markerEnd) {
        if (sql.charAt(at + 2) == 'M') return true;
        int d = at + 3; // after "/*!"
        if (d >= markerEnd) return false;
        String digits = sql.substring(d, markerEnd);
        return digits.length() > 6 || Long.parseLong(digits) > CERTAIN_VERSION;
    }

    private static int executableMarkerEnd(String sql, int at, int contentEnd) {
        int j = at + 2;
        if (j < contentEnd && sql.charAt(j) == 'M' && j + 1 < contentEnd && sql.charAt(j + 1) == '!') j++;
        if (j >= contentEnd || sql.charAt(j) != '!') return -1;
        j++;
        while (j < contentEnd && Character.isDigit(sql.charAt(j))) j++;
        return j;
    }

    private static void collectHints(String sql, int from, int to, List<String> hints) {
        int k = from;
        while (true) {
            k = sql.indexOf(HINT_PREFIX, k);
            if (k < 0 || k >= to) return;
            int s = k + HINT_PREFIX.length();
            int e = s;
            while (e < to) {
                char ch = sql.charAt(e);
                if (Character.isWhitespace(ch) || ch == '*' || ch == '/') break;
                e++;
            }
            if (e > s) hints.add(sql.substring(s, e));
            k = e;
        }
    }

    private static void blank(char[] out, int from, int to) {
        for (int k = from; k < to; k++) {
            if (out[k] != '\n' && out[k] != '\r') out[k] = ' ';
        }
    }

    private static int skipQuoted(String sql, int at, char q, boolean backslash) {
        int n = sql.length();
        int i = at + 1;
        while (i < n) {
            char c = sql.charAt(i);
            if (backslash && c == '\\') {
                i += 2;
            } else if (c == q) {
                if (i + 1 < n && sql.charAt(i + 1) == q) i += 2;
                else return i + 1;
            } else {
                i++;
            }
        }
        return n;
    }

    private static int lineEnd(String sql, int at) {
        int nl = sql.indexOf('\n', at);
        return nl < 0 ? sql.length() : nl + 1;
    }
}
