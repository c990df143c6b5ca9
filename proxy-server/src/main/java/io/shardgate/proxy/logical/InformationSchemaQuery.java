package io.shardgate.proxy.logical;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recognises a query on information_schema that database tools send about the logical schema, and rewrites it
 * for the default shard's server: each string literal naming the logical schema that is compared with a schema
 * column ({@code TABLE_SCHEMA = 'shop'}, {@code SCHEMA_NAME LIKE 'shop'}, {@code t.table_schema IN ('shop', 'x')},
 * also {@code <>}, {@code NOT LIKE}, {@code NOT IN}) names the default shard's database instead. What it answers is
 * then renamed back ({@link SchemaValueRewriter}). Queries on {@code SCHEMATA} are taken whatever they compare,
 * so that their answer can show the logical schema in place of the shards' databases.
 *
 * <p>Reads the text with a small tokenizer (quotes, comments), not a parser: it finds literals and the few tokens
 * before them. Anything else about information_schema is not this class's, and passes unchanged.
 */
public final class InformationSchemaQuery {
    private static final String INFORMATION = "information";

    private enum Kind { WORD, NAME, STRING, SYMBOL }

    /** A token: its kind and where it is; {@code text} is a word's upper-cased text, a name's or string's content. */
    private record Token(Kind kind, int start, int end, String text, char quote) {
        boolean is(String word) {
            return (kind == Kind.WORD || kind == Kind.SYMBOL) && text.equals(word);
        }
    }

    /** A statement to send in place of the client's; {@code schemata}: it reads SCHEMATA. */
    public record Rewrite(String sql, boolean schemata) {}

    private InformationSchemaQuery() {}

    /** The statement to send for {@code sql}, or null when it is not a query to answer for the logical schema. */
    public static Rewrite of(String sql, ShardDatabases dbs) {
        if (!mentionsInformationSchema(sql)) return null;
        List<Token> tokens = tokens(sql);
        boolean schemata = false;
        for (Token t : tokens) {
            if ((t.kind == Kind.WORD || t.kind == Kind.NAME) && t.text.equalsIgnoreCase("SCHEMATA")) schemata = true;
        }
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind != Kind.STRING || !dbs.isLogical(t.text.replace("\\", ""))) continue;
            Boolean like = comparedWithSchema(tokens, i);
            if (like == null) continue;
            if (out == null) out = new StringBuilder(sql.length() + 16);
            out.append(sql, copied, t.start).append(literal(dbs.defaultDatabase(), t.quote, like));
            copied = t.end;
        }
        if (out == null) return schemata ? new Rewrite(sql, true) : null;
        return new Rewrite(out.append(sql, copied, sql.length()).toString(), schemata);
    }

    /**
     * Whether the string at {@code i} is the right side of a comparison with a schema column: null when it is
     * not, else whether the comparison is a LIKE (whose pattern needs {@code _} and {@code %} escaped).
     */
    private static Boolean comparedWithSchema(List<Token> tokens, int i) {
        int j = i - 1;
        if (j < 1) return null;
        Token op = tokens.get(j);
        if (op.is("=") || op.is("<=>") || op.is("!=") || op.is("<>")) return schemaColumn(tokens, j - 1) ? Boolean.FALSE : null;
        if (op.is("LIKE")) {
            int column = tokens.get(j - 1).is("NOT") ? j - 2 : j - 1;
            return schemaColumn(tokens, column) ? Boolean.TRUE : null;
        }
        // a list: strings and commas back to its parenthesis, then IN or NOT IN
        while (j >= 0 && (tokens.get(j).is(",") || tokens.get(j).kind == Kind.STRING)) j--;
        if (j < 2 || !tokens.get(j).is("(") || !tokens.get(j - 1).is("IN")) return null;
        int column = tokens.get(j - 2).is("NOT") ? j - 3 : j - 2;
        return schemaColumn(tokens, column) ? Boolean.FALSE : null;
    }

    /** A column holding a database name: TABLE_SCHEMA, CONSTRAINT_SCHEMA, INDEX_SCHEMA ..., SCHEMA_NAME. */
    private static boolean schemaColumn(List<Token> tokens, int i) {
        if (i < 0) return false;
        Token t = tokens.get(i);
        if (t.kind != Kind.WORD && t.kind != Kind.NAME) return false;
        String name = t.text.toUpperCase(Locale.ROOT);
        return name.endsWith("SCHEMA") || name.equals("SCHEMA_NAME");
    }

    /** {@code name} as a string literal in {@code quote}s; as a LIKE pattern that matches only it when {@code like}. */
    private static String literal(String name, char quote, boolean like) {
        StringBuilder b = new StringBuilder(name.length() + 8).append(quote);
        for (char c : name.toCharArray()) {
            if (c == '\\' || (like && (c == '_' || c == '%'))) b.append('\\');
            if (c == quote) b.append(quote);
            b.append(c);
        }
        return b.append(quote).toString();
    }

    /** Whether "information_schema" appears, in any case: checked on every SELECT, so without a regex. */
    static boolean mentionsInformationSchema(String sql) {
        for (int i = sql.indexOf('_'); i >= 0; i = sql.indexOf('_', i + 1)) {
            if (i >= INFORMATION.length() && sql.regionMatches(true, i - INFORMATION.length(), "information_schema", 0, 18)) {
                return true;
            }
        }
        return false;
    }

    private static List<Token> tokens(String sql) {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while ((i = SqlBlanks.skip(sql, i)) < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int start = i;
                StringBuilder text = new StringBuilder();
                i++;
                while (i < n) {
                    char d = sql.charAt(i);
                    if (d == '\\' && c != '`' && i + 1 < n) {
                        text.append(d).append(sql.charAt(i + 1));
                        i += 2;
                    } else if (d == c && i + 1 < n && sql.charAt(i + 1) == c) {
                        text.append(c);
                        i += 2;
                    } else if (d == c) {
                        i++;
                        break;
                    } else {
                        text.append(d);
                        i++;
                    }
                }
                out.add(new Token(c == '`' ? Kind.NAME : Kind.STRING, start, i, text.toString(), c));
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) i++;
                out.add(new Token(Kind.WORD, start, i, sql.substring(start, i).toUpperCase(Locale.ROOT), (char) 0));
            } else {
                int len = sql.startsWith("<=>", i) ? 3
                        : sql.startsWith("!=", i) || sql.startsWith("<>", i) || sql.startsWith("<=", i) || sql.startsWith(">=", i) ? 2 : 1;
                out.add(new Token(Kind.SYMBOL, i, i + len, sql.substring(i, i + len), (char) 0));
                i += len;
            }
        }
        return out;
    }
}
