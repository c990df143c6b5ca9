package io.shardgate.rules;

import java.util.Locale;

/**
 * How one logical table is laid out over the shards. A table without a rule lives whole in the map's
 * {@linkplain ShardMap#defaultShard() default shard}.
 *
 * <p>Table names and key columns are compared case-insensitively (ASCII): MySQL on Linux treats table names as
 * case-sensitive by default, but a DBA's YAML and an application's SQL disagree in case often, and two tables
 * whose names differ only in case are refused in the map, so ignoring case cannot pick the wrong rule.
 */
public sealed interface TableRule permits ShardedTable, BroadcastTable {

    /** The table name as declared in the YAML. */
    String name();

    /** The form names are compared in: lower case, locale-independent. */
    static String normalize(String identifier) {
        return identifier.toLowerCase(Locale.ROOT);
    }
}
