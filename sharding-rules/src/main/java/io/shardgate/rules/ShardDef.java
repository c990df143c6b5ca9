package io.shardgate.rules;

import java.util.Objects;

/**
 * A shard: one physical database ({@code database}) inside one replication group ({@code group}). Rows of a
 * sharded table live in exactly one shard; a broadcast table has a full copy in every shard.
 */
public record ShardDef(String name, String group, String database) {
    public ShardDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(database, "database");
    }
}
