package io.shardgate.proxy.xa;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Global transaction ids of one proxy run: {@code sg-<instanceId>-<run>-<n>}, where {@code run} is the start time
 * in milliseconds (base 36) and {@code n} counts up from 1 (base 36). The instance id keeps proxies that share
 * groups apart (recovery touches only its own instance's branches); the start time keeps one instance's runs apart
 * (recovery of the current run must not roll back a branch a live session is preparing right now). At most
 * 3 + 16 + 1 + 9 + 1 + 13 = 43 characters, inside the 64-byte limit.
 *
 * <p>Thread-safe: sessions on every event loop draw from one source.
 */
public final class XidSource {
    public static final String PREFIX = "sg-";
    /** What {@code transactions.instance_id} may be: no '-', so a gtrid splits unambiguously. */
    public static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_]{1,16}");

    private final String instanceId;
    private final String runPrefix;
    private final AtomicLong counter = new AtomicLong();

    public XidSource(String instanceId, long startMillis) {
        if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("instance id must be 1 to 16 of A-Z a-z 0-9 _: '" + instanceId + "'");
        }
        if (startMillis < 0) throw new IllegalArgumentException("negative start time " + startMillis);
        this.instanceId = instanceId;
        this.runPrefix = PREFIX + instanceId + "-" + Long.toString(startMillis, 36) + "-";
    }

    public String instanceId() {
        return instanceId;
    }

    /** A gtrid never handed out before by this instance (as long as its clock does not go back to this run's start). */
    public String nextGtrid() {
        return runPrefix + Long.toString(counter.incrementAndGet(), 36);
    }

    /** True for gtrids drawn from this very source (this run of the proxy). */
    public boolean ofThisRun(String gtrid) {
        return gtrid.startsWith(runPrefix);
    }

    /** True for gtrids of this instance id, from this run or an earlier one. */
    public boolean ofThisInstance(String gtrid) {
        return instanceId.equals(instanceOf(gtrid));
    }

    /** The instance id inside a shardgate gtrid, or null when {@code gtrid} does not have the shape. */
    public static String instanceOf(String gtrid) {
        if (gtrid == null || !gtrid.startsWith(PREFIX)) return null;
        String[] parts = gtrid.substring(PREFIX.length()).split("-", -1);
        if (parts.length != 3 || !INSTANCE_ID.matcher(parts[0]).matches() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return null;
        }
        return parts[0];
    }
}
