package io.shardgate.proxy;

import java.util.concurrent.atomic.LongAdder;

/** Counters a proxy keeps; cheap to bump from any event loop. */
public final class ProxyMetrics {
    /** Client sessions that completed login. */
    public final LongAdder sessionsOpened = new LongAdder();
    /** Times a backend's reads were paused because its client could not keep up. */
    public final LongAdder backpressurePauses = new LongAdder();
    /** Statements (or shard parts of one) answered by a replica. */
    public final LongAdder replicaReads = new LongAdder();
    /** Client connections closed for a protocol violation (garbage, bad sequence, oversized login packet). */
    public final LongAdder malformedClients = new LongAdder();
}
