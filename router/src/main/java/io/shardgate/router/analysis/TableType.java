package io.shardgate.router.analysis;

/** How a referenced table is placed, according to {@link KeyColumns}. */
public enum TableType {
    /** Rows spread over groups by a key column. */
    SHARDED,
    /** A full copy in every group. */
    BROADCAST,
    /** Lives only in the default group. */
    UNSHARDED
}
