package io.shardgate.proxy.frontend;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code KILL [HARD|SOFT] [CONNECTION|QUERY] [ID] n}: the id a client names is the proxy's connection id (what
 * the greeting told it), not a backend's, so the proxy must translate it rather than forward it.
 */
public record KillStatement(long connectionId, boolean queryOnly) {
    private static final Pattern KILL = Pattern.compile(
            "\\s*KILL\\s+(?:(?:HARD|SOFT)\\s+)?(?:(QUERY|CONNECTION)\\s+)?(?:ID\\s+)?(\\d{1,19})\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    /** The KILL in {@code sql}, or null when it is another statement (cheap for those: no regex runs). */
    public static KillStatement parse(String sql) {
        int i = 0;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) i++;
        if (!sql.regionMatches(true, i, "KILL", 0, 4)) return null;
        Matcher m = KILL.matcher(sql);
        if (!m.matches()) return null;
        try {
            return new KillStatement(Long.parseLong(m.group(2)), "QUERY".equalsIgnoreCase(m.group(1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The same statement for a backend, naming that backend's own thread id. */
    public String forBackend(long backendThreadId) {
        return "KILL " + (queryOnly ? "QUERY " : "CONNECTION ") + backendThreadId;
    }
}
