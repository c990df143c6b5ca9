package io.shardgate.proxy.frontend;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Recognises the few statements a sharding session handles itself, by their text. */
final class SessionStatements {
    private SessionStatements() {}

    private static final Pattern USE = Pattern.compile(
            "(?is)\\s*(?:/\\*.*?\\*/\\s*)*USE\\s+(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))\\s*;?\\s*");
    private static final Pattern SET = Pattern.compile("(?is)\\s*SET\\s+(\\w+)?.*");

    /** The database a {@code USE db} statement names, or null when the statement is something else. */
    static String useDatabase(String sql) {
        Matcher m = USE.matcher(sql);
        if (!m.matches()) return null;
        return m.group(1) != null ? m.group(1).replace("``", "`") : m.group(2);
    }

    /** What a SET statement is, for the session state replayed on every shard connection. */
    enum SetKind { NOT_SET, PASSWORD, TRANSACTION_ONCE, AUTOCOMMIT, SYSTEM_ONLY, WITH_USER_VARIABLES }

    static SetKind classifySet(String sql) {
        Matcher m = SET.matcher(sql);
        if (!m.matches()) return SetKind.NOT_SET;
        String word = m.group(1) == null ? "" : m.group(1).toUpperCase(Locale.ROOT);
        if (word.equals("PASSWORD")) return SetKind.PASSWORD;
        if (word.equals("TRANSACTION")) return SetKind.TRANSACTION_ONCE; // the next transaction only
        // autocommit belongs to the default connection's transaction; other connections keep autocommit on
        if (sql.toLowerCase(Locale.ROOT).contains("autocommit")) return SetKind.AUTOCOMMIT;
        return userVariable(sql) ? SetKind.WITH_USER_VARIABLES : SetKind.SYSTEM_ONLY;
    }

    /** A {@code @name} that is not {@code @@name}, outside quotes. */
    private static boolean userVariable(String sql) {
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '@') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '@') {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    /** A statement about the session's transaction, which a sharding session carries out itself. */
    record Txn(TxnKind kind, boolean autocommit) {}

    enum TxnKind { BEGIN, COMMIT, ROLLBACK, SAVEPOINT, AUTOCOMMIT, UNSUPPORTED }

    private static final Pattern BEGIN = Pattern.compile("(?is)\\s*(?:BEGIN(?:\\s+WORK)?|START\\s+TRANSACTION\\b[^;]*)\\s*;?\\s*");
    private static final Pattern COMMIT = Pattern.compile("(?is)\\s*COMMIT(?:\\s+WORK)?\\s*;?\\s*");
    private static final Pattern ROLLBACK = Pattern.compile("(?is)\\s*ROLLBACK(?:\\s+WORK)?\\s*;?\\s*");
    private static final Pattern CHAIN = Pattern.compile("(?is)\\s*(?:COMMIT|ROLLBACK)\\b(?!\\s+(?:WORK\\s+)?TO\\b).*");
    private static final Pattern SAVEPOINT = Pattern.compile(
            "(?is)\\s*(?:SAVEPOINT\\s+\\S+|RELEASE\\s+SAVEPOINT\\s+\\S+|ROLLBACK(?:\\s+WORK)?\\s+TO\\s+(?:SAVEPOINT\\s+)?\\S+)\\s*;?\\s*");
    private static final Pattern AUTOCOMMIT = Pattern.compile(
            "(?is)\\s*SET\\s+(?:(?:SESSION|LOCAL)\\s+|@@(?:SESSION\\.|LOCAL\\.)?)?autocommit\\s*:?=\\s*('?)(0|1|ON|OFF|TRUE|FALSE)\\1\\s*;?\\s*");

    /** The transaction statement {@code sql} is, or null when it is none. */
    static Txn transaction(String sql) {
        if (BEGIN.matcher(sql).matches()) return new Txn(TxnKind.BEGIN, false);
        if (COMMIT.matcher(sql).matches()) return new Txn(TxnKind.COMMIT, false);
        if (ROLLBACK.matcher(sql).matches()) return new Txn(TxnKind.ROLLBACK, false);
        if (SAVEPOINT.matcher(sql).matches()) return new Txn(TxnKind.SAVEPOINT, false);
        if (CHAIN.matcher(sql).matches()) return new Txn(TxnKind.UNSUPPORTED, false); // AND CHAIN, RELEASE
        Matcher m = AUTOCOMMIT.matcher(sql);
        if (m.matches()) {
            String v = m.group(2).toUpperCase(Locale.ROOT);
            return new Txn(TxnKind.AUTOCOMMIT, v.equals("1") || v.equals("ON") || v.equals("TRUE"));
        }
        return classifySet(sql) == SetKind.AUTOCOMMIT ? new Txn(TxnKind.UNSUPPORTED, false) : null;
    }

    private static final Pattern SELECT_DATABASE = Pattern.compile("(?is)\\s*SELECT\\s+(?:DATABASE|SCHEMA)\\s*\\(\\s*\\)\\s*;?\\s*");
    private static final Pattern SHOW_DATABASES = Pattern.compile("(?is)\\s*SHOW\\s+(?:DATABASES|SCHEMAS)\\s*;?\\s*");

    /** {@code SELECT DATABASE()} (or SCHEMA()), alone. */
    static boolean selectDatabase(String sql) {
        return SELECT_DATABASE.matcher(sql).matches();
    }

    /** {@code SHOW DATABASES} (or SCHEMAS), without LIKE or WHERE. */
    static boolean showDatabases(String sql) {
        return SHOW_DATABASES.matcher(sql).matches();
    }

    /**
     * The text without its comments ({@code /* *}{@code /}, {@code -- }, {@code #}; strings and quoted names kept),
     * trimmed: what decides what kind of statement it is. The same string when it holds no comment.
     */
    static String withoutComments(String sql) {
        if (sql.indexOf('/') < 0 && sql.indexOf('#') < 0 && sql.indexOf("--") < 0) return sql;
        StringBuilder out = new StringBuilder(sql.length());
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && quote != '`' && i + 1 < sql.length()) out.append(sql.charAt(++i));
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
                out.append(c);
            } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 1;
                out.append(' ');
            } else if (c == '#' || (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-'
                    && (i + 2 >= sql.length() || Character.isWhitespace(sql.charAt(i + 2))))) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString().strip();
    }

    /** The two patterns of {@link #logicalShow}, per logical schema name (one per proxy, compiled once). */
    private static final java.util.Map<String, Pattern[]> SHOW_PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern[] showPatterns(String schema) {
        String db = "(?:`" + Pattern.quote(schema) + "`|" + Pattern.quote(schema) + ")";
        return new Pattern[]{
                Pattern.compile("(?is)\\s*SHOW\\s+(FULL\\s+)?TABLES\\s+(?:FROM|IN)\\s+" + db + "(\\s.*)?"),
                Pattern.compile("(?is)\\s*SHOW\\s+(FULL\\s+)?(COLUMNS|FIELDS|INDEX|INDEXES|KEYS)\\s+(?:FROM|IN)\\s+"
                        + "(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)\\s+(?:FROM|IN)\\s+" + db + "(\\s.*)?")};
    }

    /**
     * The SHOW statements database tools send for the logical schema, rewritten to what the servers know:
     * {@code SHOW [FULL] TABLES FROM <schema>} names the default shard's database; {@code SHOW [FULL]
     * COLUMNS|INDEX|KEYS FROM t FROM <schema>} becomes {@code ... FROM <schema>.t}, which the router sends to
     * a shard of t. Null for anything else.
     */
    static String logicalShow(String sql, String schema, String defaultDatabase) {
        if (schema == null) return null;
        Pattern[] p = SHOW_PATTERNS.computeIfAbsent(schema, SessionStatements::showPatterns);
        Matcher tables = p[0].matcher(sql);
        if (tables.matches()) {
            return "SHOW " + (tables.group(1) == null ? "" : "FULL ") + "TABLES FROM `" + defaultDatabase.replace("`", "``") + "`"
                    + (tables.group(2) == null ? "" : tables.group(2));
        }
        Matcher columns = p[1].matcher(sql);
        if (columns.matches()) {
            return "SHOW " + (columns.group(1) == null ? "" : "FULL ") + columns.group(2) + " FROM `" + schema + "`."
                    + columns.group(3) + (columns.group(4) == null ? "" : columns.group(4));
        }
        return null;
    }

    /**
     * The statement's first word, upper-cased (leading blanks and comments skipped), or "" when it starts
     * with something else: what decides which of the checks above a statement needs, without a regex.
     */
    static String firstWord(String sql) {
        int i = io.shardgate.proxy.logical.SqlBlanks.skip(sql, 0), n = sql.length();
        int start = i;
        while (i < n && i - start < 16 && Character.isLetter(sql.charAt(i))) i++;
        return sql.substring(start, i).toUpperCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- multiplexing

    private static final Pattern LAST_INSERT_ID_CALL = Pattern.compile("(?i)\\bLAST_INSERT_ID\\s*\\(\\s*\\)");
    private static final Pattern SELECT_LAST_INSERT_ID = Pattern.compile(
            "(?is)\\s*SELECT\\s+LAST_INSERT_ID\\s*\\(\\s*\\)(?:\\s+(?:AS\\s+)?(?:`((?:[^`]|``)+)`|([A-Za-z_][A-Za-z0-9_$]*)))?\\s*;?\\s*");

    /**
     * Whether a statement leaves state on its backend connection that no other connection has and that the
     * session cannot replay: a temporary table, a named lock, a variable set by a query, SQL_CALC_FOUND_ROWS
     * for a later FOUND_ROWS(), LOCK TABLES, a server-side PREPARE or HANDLER. Such a session keeps its
     * connections (is not multiplexed) from then on. Errs on the side of keeping.
     */
    static boolean keepsConnection(String sql, String firstWord) {
        switch (firstWord) {
            // CALL: a procedure's OUT parameters are user variables, and its body may lock or create anything
            case "LOCK", "HANDLER", "PREPARE", "EXECUTE", "DEALLOCATE", "DECLARE", "CALL", "FLUSH" -> {
                return true;
            }
            case "SET", "SHOW", "BEGIN", "COMMIT", "ROLLBACK", "USE" -> {
                return false; // SETs are replayed; the rest leave nothing on the connection
            }
            case "CREATE" -> {
                if (containsWord(sql, "TEMPORARY")) return true;
            }
            default -> { }
        }
        // scanned rather than matched: this runs for every statement of a multiplexed session
        if (sql.indexOf(":=") >= 0) return true;
        // a text of several statements may begin a transaction, create a temporary table, SET or USE after the
        // first one: the session cannot tell what it leaves, so it keeps the connection
        if (sql.indexOf(';') >= 0 && severalStatements(sql)) return true;
        if (sql.indexOf('@') >= 0 && INTO_VARIABLE.matcher(sql).find()) return true;
        if (sql.indexOf('_') < 0) return false; // every name below has one
        if (containsWord(sql, "SQL_CALC_FOUND_ROWS")) return true;
        for (int paren = sql.indexOf('('); paren >= 0; paren = sql.indexOf('(', paren + 1)) {
            int end = paren;
            while (end > 0 && Character.isWhitespace(sql.charAt(end - 1))) end--;
            int start = end;
            while (start > 0 && isNameChar(sql.charAt(start - 1))) start--;
            if (end - start < 8) continue;
            if (isName(sql, start, end, "GET_LOCK") || isName(sql, start, end, "FOUND_ROWS")
                    || isName(sql, start, end, "ROW_COUNT") || isName(sql, start, end, "IS_USED_LOCK")) {
                return true;
            }
            if (isName(sql, start, end, "LAST_INSERT_ID")) {
                int arg = paren + 1;
                while (arg < sql.length() && Character.isWhitespace(sql.charAt(arg))) arg++;
                if (arg < sql.length() && sql.charAt(arg) != ')') return true; // LAST_INSERT_ID(expr) sets it
            }
        }
        return false;
    }

    /** Whether a {@code ;} outside quotes is followed by more than blanks (and comments are not looked into). */
    static boolean severalStatements(String sql) {
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == ';') {
                for (int j = i + 1; j < sql.length(); j++) if (!Character.isWhitespace(sql.charAt(j))) return true;
                return false;
            }
        }
        return false;
    }

    private static final Pattern INTO_VARIABLE = Pattern.compile("(?i)\\bINTO\\s+@");

    /** Whether {@code sql[start, end)} is {@code name}, in any case (without copying it out). */
    private static boolean isName(String sql, int start, int end, String name) {
        return end - start == name.length() && sql.regionMatches(true, start, name, 0, name.length());
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    /** Whether {@code word} (upper case) occurs in {@code sql} as a whole word, in any case. */
    static boolean containsWord(String sql, String word) {
        int n = word.length();
        for (int i = 0; i + n <= sql.length(); i++) {
            if (sql.regionMatches(true, i, word, 0, n) && (i == 0 || !isNameChar(sql.charAt(i - 1)))
                    && (i + n == sql.length() || !isNameChar(sql.charAt(i + n)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the statement calls LAST_INSERT_ID() (without an argument). */
    static boolean callsLastInsertId(String sql) {
        return sql.length() >= 16 && sql.indexOf('_') >= 0 && containsWord(sql, "LAST_INSERT_ID")
                && LAST_INSERT_ID_CALL.matcher(sql).find();
    }

    /** {@code sql} with each LAST_INSERT_ID() written as {@code value}. */
    static String withLastInsertId(String sql, long value) {
        return LAST_INSERT_ID_CALL.matcher(sql).replaceAll(Long.toUnsignedString(value));
    }

    /**
     * For {@code SELECT LAST_INSERT_ID() [[AS] name]}: the column's name as the server would give it; null for
     * any other statement.
     */
    static String selectLastInsertId(String sql) {
        Matcher m = SELECT_LAST_INSERT_ID.matcher(sql);
        if (!m.matches()) return null;
        if (m.group(1) != null) return m.group(1).replace("``", "`");
        return m.group(2) != null ? m.group(2) : "LAST_INSERT_ID()";
    }

    private static final Pattern PLAIN_BEGIN = Pattern.compile("(?i)(?:BEGIN(?:\\s+WORK)?|START\\s+TRANSACTION)\\s*;?");

    /** A BEGIN without options (READ ONLY, WITH CONSISTENT SNAPSHOT...): one that has an XA form. */
    static boolean plainBegin(String begin) {
        return PLAIN_BEGIN.matcher(begin.strip()).matches();
    }

    private static final Pattern COMPUTED_NOW = Pattern.compile("(?i)\\b(?:SELECT|NOW|SYSDATE|CURDATE|CURTIME|CURRENT_\\w+"
            + "|UTC_\\w+|LOCALTIME|LOCALTIMESTAMP|UNIX_TIMESTAMP|RAND|UUID\\w*|CONNECTION_ID|LAST_INSERT_ID|ROW_COUNT|FOUND_ROWS|NEXTVAL|LASTVAL"
            + "|GET_LOCK|SLEEP|BENCHMARK|RANDOM_BYTES)\\b");

    /**
     * Whether replaying a SET on another connection sets the same values: true unless it calls a function
     * whose value depends on when or where it runs (NOW(), RAND(), UUID(), CONNECTION_ID()...) or reads a
     * table (a subquery). {@code CONCAT(@@sql_mode, ',X')}, which drivers send, is replayable.
     */
    static boolean replayableSet(String sql) {
        return !COMPUTED_NOW.matcher(sql).find(); // CURRENT_TIMESTAMP needs no parentheses
    }

    /** {@code SHOW WARNINGS}, {@code SHOW ERRORS}, or their {@code COUNT(*)} forms. */
    record Diagnostics(boolean count, String countColumn) {}

    private static final Pattern DIAGNOSTICS = Pattern.compile(
            "(?is)\\s*SHOW\\s+(COUNT\\s*\\(\\s*\\*\\s*\\)\\s+)?(WARNINGS|ERRORS)(?:\\s+LIMIT\\s+[0-9 ,]+)?\\s*;?\\s*");

    static Diagnostics diagnostics(String sql) {
        Matcher m = DIAGNOSTICS.matcher(sql);
        if (!m.matches()) return null;
        String which = m.group(2).toUpperCase(Locale.ROOT);
        return new Diagnostics(m.group(1) != null,
                "@@session." + (which.equals("WARNINGS") ? "warning_count" : "error_count"));
    }

    /** Whether the text names information_schema (answered for the logical schema on the default connection). */
    static boolean mentionsInformationSchema(String sql) {
        int n = "information_schema".length();
        for (int i = sql.indexOf('_'); i >= 0; i = sql.indexOf('_', i + 1)) {
            int start = i - "information".length();
            if (start >= 0 && sql.regionMatches(true, start, "information_schema", 0, n)) return true;
        }
        return false;
    }
}
