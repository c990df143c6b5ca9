package io.shardgate.router.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Lexical look-ups in a statement text that Druid's AST cannot give (it has no offsets): where each VALUES row
 * tuple of an INSERT is, and where the outermost LIMIT clause is. Block comments are blanked first (as for the
 * analysis, offsets unchanged); quotes, backticks and line comments are skipped; only parenthesis depth 0 counts.
 * Both methods return null when the text does not have the expected shape; callers must then not splice.
 */
public final class TextScan {
    private TextScan() { }

    /**
     * The spans of the row tuples {@code (...)} following the first top-level {@code VALUES} / {@code VALUE} keyword,
     * each from its opening to (including) its closing parenthesis, in text order; null when there is none or a
     * tuple is not closed.
     */
    public static List<Span> insertRows(String sql) {
        String s = SqlText.prepare(sql).parseText();
        int n = s.length();
        int depth = 0;
        int i = 0;
        int after = -1;
        while (i < n && after < 0) {
            char c = s.charAt(i);
            int skip = skip(s, i);
            if (skip > i) { i = skip; continue; }
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth == 0 && wordStart(s, i)) {
                int e = wordEnd(s, i);
                String w = s.substring(i, e);
                if (w.equalsIgnoreCase("VALUES") || w.equalsIgnoreCase("VALUE")) after = e;
                i = e;
                continue;
            }
            i++;
        }
        if (after < 0) return null;
        List<Span> rows = new ArrayList<>();
        i = after;
        while (true) {
            i = skipSpace(s, i);
            if (i >= n || s.charAt(i) != '(') return rows.isEmpty() ? null : rows;
            int start = i;
            int d = 0;
            while (i < n) {
                int skip = skip(s, i);
                if (skip > i) { i = skip; continue; }
                char c = s.charAt(i++);
                if (c == '(') d++;
                else if (c == ')' && --d == 0) break;
            }
            if (d != 0) return null;
            rows.add(new Span(start, i));
            i = skipSpace(s, i);
            if (i < n && s.charAt(i) == ',') i++;
            else return rows;
        }
    }

    /**
     * The span of the last top-level {@code LIMIT} clause: from the keyword to the end of its arguments
     * ({@code LIMIT n}, {@code LIMIT m, n}, {@code LIMIT n OFFSET m}, numbers or {@code ?}); null when none.
     */
    public static Span outerLimit(String sql) {
        String s = SqlText.prepare(sql).parseText();
        int n = s.length();
        int found = topLevelWord(s, "LIMIT", true);
        if (found < 0) return null;
        int e = argument(s, wordEnd(s, found));
        if (e < 0) return null;
        int j = skipSpace(s, e);
        if (j < n && s.charAt(j) == ',') {
            e = argument(s, j + 1);
        } else if (wordStart(s, j) && s.substring(j, wordEnd(s, j)).equalsIgnoreCase("OFFSET")) {
            e = argument(s, wordEnd(s, j));
        }
        return e < 0 ? null : new Span(found, e);
    }

    /**
     * Where a clause can be added at the end of the outermost query: after its last token (before a trailing
     * {@code ;} or comment), or before a top-level {@code FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE}; -1 when
     * the statement has a top-level {@code INTO}, {@code WINDOW} or {@code PROCEDURE} clause, where it cannot be
     * told safely.
     */
    public static int selectTail(String sql) {
        String s = SqlText.prepare(sql).parseText();
        for (String w : new String[]{"INTO", "WINDOW", "PROCEDURE"}) {
            if (topLevelWord(s, w, false) >= 0) return -1;
        }
        int lock = -1;
        for (String w : new String[]{"FOR", "LOCK"}) {
            int at = topLevelWord(s, w, true);
            if (at >= 0) {
                int next = skipSpace(s, wordEnd(s, at));
                String after = wordStart(s, next) ? s.substring(next, wordEnd(s, next)).toUpperCase(java.util.Locale.ROOT) : "";
                if (after.equals("UPDATE") || after.equals("SHARE") || after.equals("IN")) lock = lock < 0 ? at : Math.min(lock, at);
            }
        }
        int end = 0;
        int i = 0;
        int n = lock >= 0 ? lock : s.length();
        while (i < n) {
            char c = s.charAt(i);
            int skip = skip(s, i);
            if (skip > i) {
                if (c == '\'' || c == '"' || c == '`') end = Math.min(skip, n); // a string or name; else a comment
                i = skip;
                continue;
            }
            if (!Character.isWhitespace(c) && c != ';') end = i + 1;
            i++;
        }
        return end;
    }

    /**
     * Where {@code word} stands outside parentheses, strings and comments: its first such place, or its last
     * when {@code last}; -1 when nowhere.
     */
    private static int topLevelWord(String s, String word, boolean last) {
        return topLevelWord(s, 0, s.length(), word, last, false);
    }

    /**
     * Like {@link #topLevelWord(String, String, boolean)} within [{@code from}, {@code to}) (depth counted from
     * {@code from}); with {@code called}, only where the word is followed by {@code (} (a function call).
     */
    private static int topLevelWord(String s, int from, int to, String word, boolean last, boolean called) {
        int depth = 0;
        int i = from;
        int found = -1;
        while (i < to) {
            char c = s.charAt(i);
            int skip = skip(s, i);
            if (skip > i) { i = skip; continue; }
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (wordStart(s, i)) {
                int e = wordEnd(s, i);
                int next = skipSpace(s, e);
                if (depth == 0 && s.substring(i, e).equalsIgnoreCase(word)
                        && (!called || next < to && s.charAt(next) == '(')) {
                    if (!last) return i;
                    found = i;
                }
                i = e;
                continue;
            }
            i++;
        }
        return found;
    }

    private static final java.util.Set<String> SELECT_END = java.util.Set.of("FROM", "INTO", "WHERE", "GROUP", "HAVING",
            "WINDOW", "ORDER", "LIMIT", "FOR", "LOCK", "UNION", "EXCEPT", "INTERSECT");

    /**
     * The spans of the select list items of the first top-level {@code SELECT} (the first item's span includes
     * modifiers such as DISTINCT), trimmed; null when there is no top-level SELECT.
     */
    public static List<Span> selectItems(String sql) {
        String s = SqlText.prepare(sql).parseText();
        int n = s.length();
        int at = topLevelWord(s, "SELECT", false);
        if (at < 0) return null;
        int start = wordEnd(s, at);
        List<Span> items = new ArrayList<>();
        int itemStart = start;
        int i = start;
        int depth = 0;
        while (i <= n) {
            if (i == n) { items.add(trim(s, itemStart, n)); break; }
            char c = s.charAt(i);
            int skip = skip(s, i);
            if (skip > i) { i = skip; continue; }
            if (c == '(') depth++;
            else if (c == ')') {
                if (--depth < 0) { items.add(trim(s, itemStart, i)); break; }
            } else if (c == ',' && depth == 0) {
                items.add(trim(s, itemStart, i));
                itemStart = i + 1;
            } else if (wordStart(s, i)) {
                int e = wordEnd(s, i);
                if (depth == 0 && SELECT_END.contains(s.substring(i, e).toUpperCase(java.util.Locale.ROOT))) {
                    items.add(trim(s, itemStart, i));
                    break;
                }
                i = e;
                continue;
            }
            i++;
        }
        return items;
    }

    /**
     * The call {@code function(...)} inside {@code within} (the first one at that span's own parenthesis depth):
     * its span and its argument's span; null when absent.
     */
    public static Span[] call(String sql, Span within, String function) {
        String s = SqlText.prepare(sql).parseText();
        int i = topLevelWord(s, within.start(), within.end(), function, false, true);
        if (i < 0) return null;
        int open = skipSpace(s, wordEnd(s, i));
        int d = 0;
        int j = open;
        while (j < within.end()) {
            int k = skip(s, j);
            if (k > j) { j = k; continue; }
            char x = s.charAt(j++);
            if (x == '(') d++;
            else if (x == ')' && --d == 0) return new Span[] {new Span(i, j), new Span(open + 1, j - 1)};
        }
        return null;
    }

    /**
     * Whether replacing [{@code from}, {@code to}) of the original text (the run of INSERT row tuples) would cut a
     * block comment: one that starts before the run and ends inside it, or starts inside and ends after it, or an
     * executable comment ({@code /*!}, {@code /*M!}) overlapping it at all, whose content is SQL the splice would
     * move or drop (e.g. {@code VALUES (1) /*!, (1500) *}{@code /}). A plain comment wholly inside the run is
     * harmless (dropped with a gap or copied with its tuple), as are line comments (they end before the next tuple).
     */
    public static boolean spliceCutsComment(String sql, int from, int to) {
        int n = sql.length();
        int i = 0;
        while (i < n && i < to) {
            int k = skip(sql, i);
            if (k > i) { i = k; continue; }
            if (sql.charAt(i) == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int close = sql.indexOf("*/", i + 2);
                int end = close < 0 ? n : close + 2;
                boolean executable = sql.startsWith("/*!", i) || sql.startsWith("/*M!", i);
                if (end > from && (executable || i < from || end > to)) return true;
                i = end;
                continue;
            }
            i++;
        }
        return false;
    }

    /**
     * A word outside strings, quoted identifiers and comments (executable comments' content included), not part of
     * a qualified name or a variable: upper-cased {@code word}; {@code call} is "" when no {@code (} follows,
     * "()" for an empty argument list, "(" otherwise.
     */
    public record Word(String word, String call) { }

    /** The {@link Word}s of the statement, in text order. */
    public static List<Word> words(String sql) {
        String s = SqlText.prepare(sql).parseText();
        int n = s.length();
        List<Word> out = new ArrayList<>();
        int i = 0;
        while (i < n) {
            int k = skip(s, i);
            if (k > i) { i = k; continue; }
            if (wordStart(s, i)) {
                int e = wordEnd(s, i);
                char before = i > 0 ? s.charAt(i - 1) : ' ';
                if (before != '.' && before != '@') {
                    int j = skipSpace(s, e);
                    String call = "";
                    if (j < n && s.charAt(j) == '(') {
                        int m = skipSpace(s, j + 1);
                        call = m < n && s.charAt(m) == ')' ? "()" : "(";
                    }
                    out.add(new Word(s.substring(i, e).toUpperCase(java.util.Locale.ROOT), call));
                }
                i = e;
                continue;
            }
            i++;
        }
        return out;
    }

    private static Span trim(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) from++;
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) to--;
        return new Span(from, to);
    }

    /** End of a number or {@code ?} after optional spaces from {@code i}, or -1. */
    private static int argument(String s, int i) {
        i = skipSpace(s, i);
        if (i < s.length() && s.charAt(i) == '?') return i + 1;
        int j = i;
        while (j < s.length() && Character.isDigit(s.charAt(j))) j++;
        return j > i ? j : -1;
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static boolean wordStart(String s, int i) {
        return i < s.length() && Character.isLetter(s.charAt(i)) && (i == 0 || !wordChar(s.charAt(i - 1)));
    }

    private static int wordEnd(String s, int i) {
        while (i < s.length() && wordChar(s.charAt(i))) i++;
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length()) {
            int k = skip(s, i);
            if (k > i && s.charAt(i) != '\'' && s.charAt(i) != '"' && s.charAt(i) != '`') { i = k; continue; }
            if (!Character.isWhitespace(s.charAt(i))) break;
            i++;
        }
        return i;
    }

    /** When a quoted string, quoted identifier or line comment starts at {@code i}: the index after it; else i. */
    private static int skip(String s, int i) {
        int n = s.length();
        char c = s.charAt(i);
        if (c == '\'' || c == '"' || c == '`') {
            int j = i + 1;
            while (j < n) {
                char d = s.charAt(j);
                if (d == '\\' && c != '`') { j += 2; continue; }
                if (d == c) {
                    if (j + 1 < n && s.charAt(j + 1) == c) { j += 2; continue; }
                    return j + 1;
                }
                j++;
            }
            return n;
        }
        if (c == '#' || (c == '-' && i + 1 < n && s.charAt(i + 1) == '-' && (i + 2 >= n || s.charAt(i + 2) <= ' '))) {
            int e = s.indexOf('\n', i);
            return e < 0 ? n : e + 1;
        }
        return i;
    }
}
