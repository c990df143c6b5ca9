package io.shardgate.router;

/** Turns a statement into a {@link RoutePlan}. Implementations do no I/O and must be safe to call from many threads. */
public interface Router {
    RoutePlan plan(String sql);

    /** False when plans do not depend on the statement, so the proxy need not decode it (a large one costs). */
    default boolean needsStatementText() {
        return true;
    }
}
