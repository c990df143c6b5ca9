package io.shardgate.router.analysis;

import java.util.List;
import java.util.Set;

/**
 * Sorts a statement for read-write splitting, from its text alone: may a replica answer it, does it change
 * data (so the session's next reads should see it), or neither. Conservative: anything not recognised as a
 * plain read is not one.
 */
public final class ReadClassifier {
    private ReadClassifier() {}

    public enum StatementClass {
        /** A SELECT a replica can answer: no locking, no INTO, no variable assignment, no connection-bound function. */
        READ,
        /** Changes data or schema (or commits): reads that follow should see it. */
        WRITE,
        /** Anything else (SET, SHOW, BEGIN, a locking read ...): the master, without a read-your-writes window. */
        OTHER
    }

    private static final Set<String> WRITES = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP",
            "TRUNCATE", "RENAME", "LOAD", "CALL", "DO", "COMMIT", "XA", "GRANT", "REVOKE", "HANDLER", "IMPORT");

    /**
     * Functions a replica must not answer: locks live on one server, and these report on the session's own
     * connection or wait for replication.
     */
    private static final Set<String> MASTER_FUNCTIONS = Set.of("GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS",
            "IS_FREE_LOCK", "IS_USED_LOCK", "LAST_INSERT_ID", "FOUND_ROWS", "ROW_COUNT", "CONNECTION_ID",
            "MASTER_POS_WAIT", "MASTER_GTID_WAIT", "SOURCE_POS_WAIT", "WAIT_FOR_EXECUTED_GTID_SET", "NEXTVAL",
            "LASTVAL", "SETVAL", "NEXT", "PREVIOUS");

    public static StatementClass classify(String sql) {
        SqlText.Prepared prepared = SqlText.prepare(sql);
        List<TextScan.Word> words = TextScan.words(sql);
        if (words.isEmpty()) return StatementClass.OTHER;
        String first = words.get(0).word();
        if (WRITES.contains(first)) return StatementClass.WRITE;
        if (!first.equals("SELECT")) return StatementClass.OTHER;
        for (String h : prepared.hints()) {
            if (h.equalsIgnoreCase("master")) return StatementClass.OTHER;
        }
        for (int i = 0; i < words.size(); i++) {
            TextScan.Word w = words.get(i);
            String next = i + 1 < words.size() ? words.get(i + 1).word() : "";
            if (w.word().equals("FOR") && (next.equals("UPDATE") || next.equals("SHARE"))) return StatementClass.OTHER;
            if (w.word().equals("LOCK") && next.equals("IN")) return StatementClass.OTHER;
            if (w.word().equals("INTO")) return StatementClass.OTHER;
            if (!w.call().isEmpty() && MASTER_FUNCTIONS.contains(w.word())) return StatementClass.OTHER;
            // NEXT VALUE FOR seq / PREVIOUS VALUE FOR seq: sequences live on the master
            if ((w.word().equals("NEXT") || w.word().equals("PREVIOUS")) && next.equals("VALUE")) return StatementClass.OTHER;
            // its FOUND_ROWS() will be asked on the master: the count must be made there too
            if (w.word().equals("SQL_CALC_FOUND_ROWS")) return StatementClass.OTHER;
        }
        return assignsOrContinues(prepared.parseText()) ? StatementClass.OTHER : StatementClass.READ;
    }

    /**
     * Whether the text, outside strings and quoted names (comments are already blanked), assigns a variable
     * ({@code :=}) or holds more than one statement (a {@code ;} followed by more than blanks).
     */
    private static boolean assignsOrContinues(String s) {
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote != '`') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == ':' && i + 1 < s.length() && s.charAt(i + 1) == '=') {
                return true;
            } else if (c == ';' && !s.substring(i + 1).isBlank()) {
                return true;
            }
        }
        return false;
    }
}
