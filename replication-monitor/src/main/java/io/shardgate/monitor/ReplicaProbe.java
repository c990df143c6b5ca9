package io.shardgate.monitor;

import java.util.Objects;

/**
 * What one probe of one replica found.
 *
 * @param reachable     a connection was made and the status statement answered (false: down, refused, timed out)
 * @param ioRunning     the replication IO (receiver) thread runs ({@code Yes}; {@code Connecting} counts as not running)
 * @param sqlRunning    the replication SQL (applier) thread runs
 * @param secondsBehind {@code Seconds_Behind_Master} / {@code Seconds_Behind_Source}; null when the server reports NULL
 * @param error         why the probe could not tell the replica is fine ({@code unreachable: ...}, {@code not replicating},
 *                      a failed status statement); null when the status was read
 */
public record ReplicaProbe(boolean reachable, boolean ioRunning, boolean sqlRunning, Long secondsBehind, String error) {

    public static final String NOT_REPLICATING = "not replicating";

    public ReplicaProbe {
        if (!reachable && error == null) throw new IllegalArgumentException("an unreachable probe needs an error");
    }

    /** The replica could not be reached: error {@code unreachable: <message>}. */
    public static ReplicaProbe unreachable(String message) {
        return new ReplicaProbe(false, false, false, null, "unreachable: " + Objects.requireNonNullElse(message, "unknown error"));
    }

    /** The server answered but is not a replica (empty replica status). */
    public static ReplicaProbe notReplicating() {
        return new ReplicaProbe(true, false, false, null, NOT_REPLICATING);
    }

    /** The server answered but its status could not be read (e.g. a missing privilege). */
    public static ReplicaProbe failed(String message) {
        return new ReplicaProbe(true, false, false, null, Objects.requireNonNullElse(message, "unknown error"));
    }

    /** The replica status was read. */
    public static ReplicaProbe status(boolean ioRunning, boolean sqlRunning, Long secondsBehind) {
        return new ReplicaProbe(true, ioRunning, sqlRunning, secondsBehind, null);
    }
}
