package io.shardgate.router;

/**
 * One place a statement goes: a group, the member role, and the SQL to send there. {@code sql == null}
 * means "the client's statement unchanged", which lets the executor forward the client's bytes as they came.
 *
 * @param shard    the shard this target serves, or null for a passthrough that is not about shards
 * @param database the shard's physical database (what table names were rewritten to), or null likewise
 */
public record RouteTarget(String group, Role role, String sql, String shard, String database) {

    /** A target not tied to a shard. */
    public RouteTarget(String group, Role role, String sql) {
        this(group, role, sql, null, null);
    }

    public boolean unchanged() {
        return sql == null;
    }
}
