package io.shardgate.router;

/**
 * Sends every statement, unchanged, to the master of one group. The plan is the same for every statement,
 * so it is built once: this router costs nothing per statement.
 */
public final class DefaultGroupRouter implements Router {
    private final RoutePlan plan;

    public DefaultGroupRouter(String group) {
        this.plan = RoutePlan.single(group, Role.MASTER, "no sharding rules yet: everything goes to the master of group " + group);
    }

    @Override
    public RoutePlan plan(String sql) {
        return plan;
    }

    @Override
    public boolean needsStatementText() {
        return false;
    }
}
