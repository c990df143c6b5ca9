package io.shardgate.router;

/**
 * One place a statement goes: a group, the member role, and the SQL to send there. {@code sql == null}
 * means "the client's statement unchanged", which lets the executor forward the client's bytes as they came.
 */
public record RouteTarget(String group, Role role, String sql) {
    public boolean unchanged() {
        return sql == null;
    }
}
