package io.shardgate.router;

/** Turns a statement into a {@link RoutePlan}. Implementations do no I/O and must be safe to call from many threads. */
public interface Router {
    /** Plans {@code sql} for a session whose current database is the logical schema (or which has no schema). */
    RoutePlan plan(String sql);

    /**
     * Plans {@code sql} for a session whose current database is {@code currentDb} (null: none selected).
     * Unqualified table names belong to the current database, so they are the logical schema's only when it
     * is current; otherwise they are another database's, which lives on the default group.
     */
    default RoutePlan plan(String sql, String currentDb) {
        return plan(sql);
    }

    /** False when plans do not depend on the statement, so the proxy need not decode it (a large one costs). */
    default boolean needsStatementText() {
        return true;
    }
}
