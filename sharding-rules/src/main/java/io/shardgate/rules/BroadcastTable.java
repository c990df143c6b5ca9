package io.shardgate.rules;

import java.util.Objects;

/** A table with the same rows on every shard (small reference data: joins with it stay on one shard). */
public record BroadcastTable(String name) implements TableRule {
    public BroadcastTable {
        Objects.requireNonNull(name, "name");
    }
}
