package io.shardgate.router.analysis;

import com.alibaba.druid.sql.dialect.mysql.parser.MySqlLexer;
import com.alibaba.druid.sql.parser.Token;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finds where each table reference is written, so the router can rewrite names by splicing the client's text.
 *
 * <p>Druid's AST does not keep reliable source offsets, so this is a second, lexical pass: Druid's own MySQL lexer
 * tokenises the (comment-blanked) text, giving each token's exact {@code [start, end)}; string literals, comments
 * and quoted identifiers are therefore never confused with names. The AST says which names to look for and how
 * many times; the pass matches them to tokens:
 * <ol>
 *   <li><b>Name sites.</b> For each distinct {@code schema.name} (case-insensitive, backticks stripped), the
 *       candidate sites are the token sequences {@code name} or {@code schema . name} that are not part of a longer
 *       dotted name and are not followed by an operator (a column called like a table, {@code WHERE t = 1}), nor by
 *       {@code (} unless after INTO/TABLE/ON... (a function call). If there are exactly as many candidates as
 *       references and each follows a keyword that can precede a table name (FROM, JOIN, UPDATE, INTO, TABLE, a
 *       comma, ...), they are taken; otherwise only those after such a keyword are kept, strictest list first; if the
 *       count still differs, positions are reported unknown. Several references to the same name are given sites in
 *       text order, except that a reference with an alias prefers the site followed by that alias.</li>
 *   <li><b>Qualifiers.</b> A column written {@code t.col} or {@code db.t.col} names an unaliased table by its name;
 *       renaming the table must rename those too. Sites {@code t . x} / {@code db . t . x} are counted and must
 *       equal the number Druid's AST holds, and the name must not also be used as an alias anywhere in the text.</li>
 *   <li><b>Multi-table DELETE targets</b> ({@code DELETE t1, t2 FROM ...}, {@code DELETE FROM t1 USING ...}): the
 *       target list is read from the tokens; a target that is a table name (not an alias) is rewritten too.</li>
 * </ol>
 * Any doubt gives "unknown" (the router must then not splice), never a wrong position.
 */
final class PositionResolver {

    private PositionResolver() { }

    private static final class Lx extends MySqlLexer {
        Lx(String text) {
            super(text);
        }

        int tokenStart() {
            return startPos;
        }
    }

    /**
     * A token: type, offsets, and for names and keywords the lower-case unquoted text ({@code norm}), else null.
     * {@link #word()} is the upper-case text of an unquoted name or keyword (null for quoted names).
     */
    record Tok(Token type, int start, int end, String norm, boolean quoted) {
        String word() {
            if (norm == null || quoted) return null;
            return type == Token.IDENTIFIER ? norm.toUpperCase(Locale.ROOT) : type.name;
        }
    }

    /** Lower-case text of keyword tokens (Token.name for those whose name is a word). */
    private static final Map<Token, String> KEYWORDS = new java.util.EnumMap<>(Token.class);

    static {
        for (Token t : Token.values()) {
            if (t != Token.IDENTIFIER && t.name != null && isWord(t.name)) KEYWORDS.put(t, t.name.toLowerCase(Locale.ROOT));
        }
    }

    /** Words after which a table name may follow. */
    private static final Set<String> STRICT = Set.of("FROM", "JOIN", "STRAIGHT_JOIN", "UPDATE", "INTO", "TABLE", "TABLES",
            "USING", "INSERT", "REPLACE", "IGNORE", "LOW_PRIORITY", "QUICK", "DELAYED", "HIGH_PRIORITY", "EXISTS",
            "TRUNCATE", "REFERENCES");
    private static final Set<String> DDL_EXTRA = Set.of("ON", "TO", "LIKE", "VIEW");
    private static final Set<String> DESCRIBE_EXTRA = Set.of("DESC", "DESCRIBE", "EXPLAIN");
    /** Words after which {@code name (} is a table name, not a function call. */
    private static final Set<String> LPAREN_OK = Set.of("INTO", "TABLE", "ON", "INSERT", "REPLACE", "IGNORE", "EXISTS",
            "REFERENCES", "DELAYED", "LOW_PRIORITY", "HIGH_PRIORITY", "LIKE", "VIEW");
    private static final Set<String> DELETE_MODIFIERS = Set.of("LOW_PRIORITY", "QUICK", "IGNORE");
    /** Tokens that never follow a table name. */
    private static final Set<Token> NEVER_AFTER_TABLE = EnumSet.of(Token.EQ, Token.COLONEQ, Token.LT, Token.GT, Token.LTEQ,
            Token.GTEQ, Token.BANGEQ, Token.LTGT, Token.LTEQGT, Token.PLUS, Token.SUB, Token.SLASH, Token.PERCENT,
            Token.BAR, Token.AMP, Token.CARET, Token.BARBAR, Token.AMPAMP, Token.LTLT, Token.GTGT, Token.STAR,
            Token.IS, Token.BETWEEN, Token.LITERAL_CHARS, Token.LITERAL_INT);

    static List<Tok> lex(String text) {
        Lx lx = new Lx(text);
        List<Tok> out = new ArrayList<>(Math.max(16, text.length() / 5));
        int guard = text.length() + 16;
        while (guard-- > 0) {
            lx.nextToken();
            Token t = lx.token();
            if (t == Token.EOF) return out;
            if (t == Token.ERROR) throw new IllegalStateException("lexer error at " + lx.pos());
            if (t == Token.HINT || t == Token.LINE_COMMENT || t == Token.MULTI_LINE_COMMENT) continue;
            int s = lx.tokenStart(), e = Math.min(lx.pos(), text.length());
            if (s < 0 || s > e) throw new IllegalStateException("bad token offsets " + s + ".." + e);
            String norm = null;
            boolean quoted = false;
            if (t == Token.IDENTIFIER) {
                if (text.charAt(s) == '`') {
                    quoted = true;
                    norm = Analysis.lower(Analysis.norm(text.substring(s, e)));
                } else {
                    String raw = lx.stringVal();
                    if (raw == null || raw.length() != e - s || !text.regionMatches(s, raw, 0, raw.length())) raw = text.substring(s, e);
                    if (isWord(raw)) norm = raw.toLowerCase(Locale.ROOT);
                }
            } else {
                String kw = KEYWORDS.get(t);
                if (kw != null) {
                    norm = kw.length() == e - s && text.regionMatches(true, s, kw, 0, kw.length()) ? kw
                            : isWord(text.substring(s, e)) ? text.substring(s, e).toLowerCase(Locale.ROOT) : null;
                }
            }
            out.add(new Tok(t, s, e, norm, quoted));
        }
        throw new IllegalStateException("lexer does not advance");
    }

    private static boolean isWord(String s) {
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '_' && c != '$') return false;
        }
        return true;
    }

    /** Sets {@code span} and {@code other} of every reference; returns null, or why positions are unknown. */
    static String resolve(String text, List<Analysis.Ref> refs, Map<String, Integer> qualifierUses, Set<String> aliasNames,
                          boolean ddl, boolean describe, boolean multiTableDelete, int statementCount) {
        List<Tok> toks;
        try {
            toks = lex(text);
        } catch (RuntimeException e) {
            return "lexer failed: " + e.getMessage();
        }
        int n = toks.size();
        boolean[] used = new boolean[n + 1];

        // multi-table DELETE: find the target list first, so its names are not taken for table sites
        List<int[]> deleteTargets = null; // {firstToken, lastToken, schemaTokenOrMinus1}
        if (multiTableDelete) {
            if (statementCount != 1) return "multi-table DELETE in a multi-statement text";
            deleteTargets = deleteTargets(toks);
            if (deleteTargets == null) return "cannot read the multi-table DELETE target list";
            for (int[] t : deleteTargets) for (int k = t[0]; k <= t[1]; k++) used[k] = true;
        }

        Map<String, List<Analysis.Ref>> groups = new LinkedHashMap<>();
        for (Analysis.Ref r : refs) groups.computeIfAbsent(r.siteKey(), k -> new ArrayList<>()).add(r);
        for (List<Analysis.Ref> g : groups.values()) {
            Analysis.Ref r0 = g.get(0);
            List<Integer> cands = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (used[i]) continue;
                int last = siteEnd(toks, i, r0.schemaLower, r0.nameLower);
                if (last < 0) continue;
                if (i > 0 && toks.get(i - 1).type() == Token.DOT) continue;
                Tok next = last + 1 < n ? toks.get(last + 1) : null;
                if (next != null) {
                    if (next.type() == Token.DOT || NEVER_AFTER_TABLE.contains(next.type())) continue;
                    if (next.type() == Token.LPAREN && !LPAREN_OK.contains(prevWord(toks, i))) continue;
                }
                cands.add(i);
            }
            List<Integer> sites = pick(cands, g.size(), toks, ddl, describe);
            if (sites == null) {
                return "cannot place table " + (r0.schema == null ? "" : r0.schema + ".") + r0.name + ": "
                        + cands.size() + " candidate sites for " + g.size() + " references";
            }
            assign(g, sites, toks, used);
        }

        if (deleteTargets != null) {
            for (int[] t : deleteTargets) {
                String schema = t[2] >= 0 ? toks.get(t[2]).norm() : null;
                int nameTok = t[2] >= 0 ? t[2] + 2 : t[0];
                String name = toks.get(nameTok).norm();
                if (schema == null && aliasNames.contains(name) && refs.stream().anyMatch(r -> name.equals(r.aliasLower))) continue;
                Analysis.Ref owner = unaliasedOwner(refs, schema, name);
                if (owner == null) return "DELETE target " + name + " names no table of the statement";
                if (aliasNames.contains(name)) return "name " + name + " is both a table and an alias";
                owner.other.add(new Span(toks.get(t[0]).start(), toks.get(nameTok).end()));
            }
        }

        // column qualifiers naming unaliased tables
        Map<String, List<Span>> lexical = new LinkedHashMap<>();
        for (int i = 0; i + 2 < n; i++) {
            Tok t = toks.get(i);
            if (used[i] || t.norm() == null || toks.get(i + 1).type() != Token.DOT) continue;
            if (i > 0 && toks.get(i - 1).type() == Token.DOT) continue;
            Tok mid = toks.get(i + 2);
            if (mid.norm() != null && i + 3 < n && toks.get(i + 3).type() == Token.DOT) {
                if (used[i + 2]) continue;
                lexical.computeIfAbsent(t.norm() + "|" + mid.norm(), k -> new ArrayList<>()).add(new Span(t.start(), mid.end()));
                i += 3;
            } else {
                lexical.computeIfAbsent("|" + t.norm(), k -> new ArrayList<>()).add(new Span(t.start(), t.end()));
                i += 1;
            }
        }
        Set<String> keys = new HashSet<>(lexical.keySet());
        keys.addAll(qualifierUses.keySet());
        for (String key : keys) {
            int bar = key.indexOf('|');
            String schema = bar == 0 ? null : key.substring(0, bar);
            String name = key.substring(bar + 1);
            Analysis.Ref owner = unaliasedOwner(refs, schema, name);
            if (owner == null) continue; // qualifies by an alias, or is not a table qualifier: nothing to rewrite
            List<Span> sites = lexical.getOrDefault(key, List.of());
            int expected = qualifierUses.getOrDefault(key, 0);
            if (sites.size() != expected) {
                return "qualifier " + key.replace('|', '.') + " appears " + sites.size() + " times in the text but "
                        + expected + " times in the parse";
            }
            if (!sites.isEmpty() && schema == null && aliasNames.contains(name)) {
                return "name " + name + " is both a table and an alias";
            }
            owner.other.addAll(sites);
        }
        for (Analysis.Ref r : refs) {
            if (r.span == null) return "table " + r.name + " not found in the text";
            r.other.sort(null);
        }
        return null;
    }

    private static Analysis.Ref unaliasedOwner(List<Analysis.Ref> refs, String schemaLower, String nameLower) {
        Analysis.Ref loose = null;
        for (Analysis.Ref r : refs) {
            if (r.alias != null || !r.nameLower.equals(nameLower)) continue;
            if (schemaLower == null || schemaLower.equals(r.schemaLower)) return r;
            if (r.schemaLower == null && loose == null) loose = r;
        }
        return loose;
    }

    /** Index of the last token of a {@code name} / {@code schema . name} site starting at {@code i}, or -1. */
    private static int siteEnd(List<Tok> toks, int i, String schema, String name) {
        Tok t = toks.get(i);
        if (schema == null) return name.equals(t.norm()) ? i : -1;
        if (!schema.equals(t.norm()) || i + 2 >= toks.size()) return -1;
        return toks.get(i + 1).type() == Token.DOT && name.equals(toks.get(i + 2).norm()) ? i + 2 : -1;
    }

    private static String prevWord(List<Tok> toks, int i) {
        String w = i == 0 ? null : toks.get(i - 1).word();
        return w == null ? "" : w;
    }

    private static boolean strict(List<Tok> toks, int i, boolean ddl, boolean describe) {
        String w = prevWord(toks, i);
        return STRICT.contains(w) || (ddl && DDL_EXTRA.contains(w)) || (describe && DESCRIBE_EXTRA.contains(w));
    }

    private static boolean loose(List<Tok> toks, int i, boolean ddl, boolean describe) {
        if (strict(toks, i, ddl, describe)) return true;
        Token p = i == 0 ? null : toks.get(i - 1).type();
        return p == Token.COMMA || p == Token.LPAREN;
    }

    private static List<Integer> pick(List<Integer> cands, int k, List<Tok> toks, boolean ddl, boolean describe) {
        if (cands.size() == k && cands.stream().allMatch(i -> loose(toks, i, ddl, describe))) return cands;
        List<Integer> s = cands.stream().filter(i -> strict(toks, i, ddl, describe)).toList();
        if (s.size() == k) return s;
        List<Integer> l = cands.stream().filter(i -> loose(toks, i, ddl, describe)).toList();
        if (l.size() == k) return l;
        return null;
    }

    private static void assign(List<Analysis.Ref> g, List<Integer> sites, List<Tok> toks, boolean[] used) {
        boolean[] taken = new boolean[sites.size()];
        Analysis.Ref first = g.get(0);
        int width = first.schemaLower == null ? 0 : 2;
        for (Analysis.Ref r : g) {
            if (r.aliasLower == null) continue;
            for (int k = 0; k < sites.size(); k++) {
                if (!taken[k] && r.aliasLower.equals(aliasAfter(toks, sites.get(k) + width))) {
                    taken[k] = true;
                    place(r, sites.get(k), width, toks, used);
                    break;
                }
            }
        }
        for (Analysis.Ref r : g) {
            if (r.span != null) continue;
            for (int k = 0; k < sites.size(); k++) {
                if (!taken[k]) {
                    taken[k] = true;
                    place(r, sites.get(k), width, toks, used);
                    break;
                }
            }
        }
    }

    private static void place(Analysis.Ref r, int i, int width, List<Tok> toks, boolean[] used) {
        r.span = new Span(toks.get(i).start(), toks.get(i + width).end());
        for (int k = i; k <= i + width; k++) used[k] = true;
    }

    private static String aliasAfter(List<Tok> toks, int last) {
        int j = last + 1;
        if (j < toks.size() && "AS".equals(toks.get(j).word())) j++;
        return j < toks.size() ? toks.get(j).norm() : null;
    }

    /**
     * The target list of the (single) multi-table DELETE: {@code DELETE [mods] t1[.*], ... FROM} or
     * {@code DELETE [mods] FROM t1[.*], ... USING}. Each item: {first token, last token, schema token or -1}.
     */
    private static List<int[]> deleteTargets(List<Tok> toks) {
        int j = 0;
        while (j < toks.size() && !"DELETE".equals(toks.get(j).word())) j++;
        j++;
        while (j < toks.size() && DELETE_MODIFIERS.contains(String.valueOf(toks.get(j).word()))) j++;
        String stop = "FROM";
        if (j < toks.size() && "FROM".equals(toks.get(j).word())) {
            stop = "USING";
            j++;
        }
        List<int[]> out = new ArrayList<>();
        while (j < toks.size()) {
            // item: name [. *] | schema . name [. *]
            Tok a = toks.get(j);
            if (a.norm() == null) return null;
            int schemaTok = -1, last = j;
            if (j + 2 < toks.size() && toks.get(j + 1).type() == Token.DOT && toks.get(j + 2).norm() != null) {
                schemaTok = j;
                last = j + 2;
            }
            int nameEnd = last;
            if (last + 2 < toks.size() && toks.get(last + 1).type() == Token.DOT && toks.get(last + 2).type() == Token.STAR) {
                last += 2;
            }
            out.add(new int[] {j, nameEnd, schemaTok});
            j = last + 1;
            if (j < toks.size() && toks.get(j).type() == Token.COMMA) {
                j++;
                continue;
            }
            if (j < toks.size() && stop.equals(toks.get(j).word())) return out;
            return null;
        }
        return null;
    }
}
