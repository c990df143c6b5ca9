package io.shardgate.router;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardgate.router.analysis.ReadClassifier;
import io.shardgate.router.analysis.ReadClassifier.StatementClass;

/**
 * Sends every statement, unchanged, to one group. Without read-write splitting the plan is the same for every
 * statement, built once, and the statement is not even read. With it, a plain SELECT is marked for a replica
 * and a write as a write ({@link ReadClassifier}, its verdict cached by statement text like
 * {@link ShardingRouter}'s plans); the executor decides which member answers.
 */
public final class DefaultGroupRouter implements Router {
    private final RoutePlan master;
    private final RoutePlan replica;
    private final RoutePlan write;
    private final Cache<String, StatementClass> classes;

    public DefaultGroupRouter(String group) {
        this(group, false);
    }

    /** @param replicaReads mark plain reads for replicas (costs reading each statement) */
    public DefaultGroupRouter(String group, boolean replicaReads) {
        String why = "no shards: everything goes to group " + group;
        this.master = RoutePlan.single(group, Role.MASTER, why + "'s master");
        this.replica = master.with(Role.REPLICA, false);
        this.write = master.with(Role.MASTER, true);
        this.classes = replicaReads ? Caffeine.newBuilder().maximumSize(ShardingRouter.DEFAULT_CACHE_SIZE).build() : null;
    }

    @Override
    public RoutePlan plan(String sql) {
        if (classes == null) return master;
        StatementClass c = sql.length() > ShardingRouter.MAX_CACHED_LENGTH ? ReadClassifier.classify(sql)
                : classes.get(sql, ReadClassifier::classify);
        return switch (c) {
            case READ -> replica;
            case WRITE -> write;
            case OTHER -> master;
        };
    }

    @Override
    public boolean needsStatementText() {
        return classes != null;
    }
}
