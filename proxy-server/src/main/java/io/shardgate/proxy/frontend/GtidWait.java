package io.shardgate.proxy.frontend;

import java.util.regex.Pattern;

/**
 * Read-your-writes by GTID, in each server's dialect. MariaDB: the writing connection's own last GTID
 * ({@code @@last_gtid}, {@code domain-server-sequence}) and {@code MASTER_GTID_WAIT} on the replica. MySQL:
 * {@code @@global.gtid_executed} of the master right after the write (it contains the session's own
 * transaction, and others', so the wait is on at least what the session needs) and
 * {@code WAIT_FOR_EXECUTED_GTID_SET} on the replica. Both waits answer 0 once the replica has applied the set,
 * 1 (or NULL) when the time ran out.
 */
enum GtidWait {
    MARIADB("SELECT @@last_gtid", "MASTER_GTID_WAIT",
            Pattern.compile("[0-9]+-[0-9]+-[0-9]+(?:,[0-9]+-[0-9]+-[0-9]+)*")),
    MYSQL("SELECT @@global.gtid_executed", "WAIT_FOR_EXECUTED_GTID_SET",
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?::[0-9]+(?:-[0-9]+)?)+"
                    + "(?:,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?::[0-9]+(?:-[0-9]+)?)+)*"));

    private final String lastGtidQuery;
    private final String waitFunction;
    private final Pattern valid;

    GtidWait(String lastGtidQuery, String waitFunction, Pattern valid) {
        this.lastGtidQuery = lastGtidQuery;
        this.waitFunction = waitFunction;
        this.valid = valid;
    }

    /** The dialect of a server announcing {@code version} (its handshake's server version). */
    static GtidWait of(String version) {
        return version != null && version.toLowerCase(java.util.Locale.ROOT).contains("mariadb") ? MARIADB : MYSQL;
    }

    /** Asked on the connection that wrote, right after the write. */
    String lastGtidQuery() {
        return lastGtidQuery;
    }

    /**
     * The GTID (set) as the wait function takes it, or null when the server's answer is not one (empty: nothing
     * written by GTID; anything else is not put into a statement). MySQL lists a set over several lines.
     */
    String normalize(String gtid) {
        if (gtid == null) return null;
        String g = gtid.replaceAll("\\s+", "");
        return !g.isEmpty() && valid.matcher(g).matches() ? g : null;
    }

    /** Waits at most {@code seconds} on the replica for {@code gtid} (as {@link #normalize} gave it). */
    String waitQuery(String gtid, double seconds) {
        return "SELECT " + waitFunction + "('" + gtid + "', " + seconds + ")";
    }

    /** Whether the wait's answer says the replica has the GTID. */
    static boolean reached(String answer) {
        return "0".equals(answer);
    }
}
