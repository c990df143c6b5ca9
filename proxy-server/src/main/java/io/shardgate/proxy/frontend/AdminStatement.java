package io.shardgate.proxy.frontend;

/**
 * Statements the proxy answers itself, starting with the word {@code SHARDGATE} (no MySQL statement does),
 * optionally after {@code SHOW} because JDBC's {@code executeQuery} only sends statements that start with a
 * result-producing keyword: {@code [SHOW] SHARDGATE EXPLAIN <statement>} prints the router's plan for the
 * statement without running it; {@code [SHOW] SHARDGATE POOLS} lists the backend connection pools (per server:
 * open, idle, waiting requests, logins since start), which shows multiplexing at work.
 */
public sealed interface AdminStatement {
    record Explain(String statement) implements AdminStatement {}

    record Pools() implements AdminStatement {}

    record Unknown(String text) implements AdminStatement {}

    /** The admin statement in {@code sql}, or null when it is not one. */
    static AdminStatement parse(String sql) {
        String s = sql.strip();
        if (startsWithWord(s, "SHOW")) s = s.substring("SHOW".length()).strip();
        if (!startsWithWord(s, "SHARDGATE")) return null;
        String rest = s.substring("SHARDGATE".length()).strip();
        if (startsWithWord(rest, "EXPLAIN")) {
            String stmt = rest.substring("EXPLAIN".length()).strip();
            if (stmt.endsWith(";")) stmt = stmt.substring(0, stmt.length() - 1).strip();
            return stmt.isEmpty() ? new Unknown(s) : new Explain(stmt);
        }
        if (startsWithWord(rest, "POOLS")) {
            String after = rest.substring("POOLS".length()).strip();
            return after.isEmpty() || after.equals(";") ? new Pools() : new Unknown(s);
        }
        return new Unknown(s);
    }

    private static boolean startsWithWord(String s, String word) {
        return s.regionMatches(true, 0, word, 0, word.length())
                && (s.length() == word.length() || !Character.isLetterOrDigit(s.charAt(word.length())) && s.charAt(word.length()) != '_');
    }

    /** What to tell a client that typed something else after SHARDGATE. */
    static String usage(Unknown u) {
        String shown = u.text().length() > 60 ? u.text().substring(0, 60) + "..." : u.text();
        return "shardgate: unknown admin statement '" + shown + "'; supported: SHARDGATE EXPLAIN <statement>, SHARDGATE POOLS";
    }
}
