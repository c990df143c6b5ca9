package io.shardgate.proxy.xa;

import io.shardgate.monitor.Topology;
import io.shardgate.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * What a proxy run needs for transactions across groups, opened once at start: the decision log, the gtrid source
 * of this run, recovery, and the commit executor sessions use. Closed with the proxy.
 */
public final class XaServices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XaServices.class);
    /** How long start waits for the first recovery pass before it goes on in the background. */
    static final long START_WAIT_MS = 15_000;

    private final boolean enabled;
    private final XaDecisionLog decisions;
    private final XidSource xids;
    private final XaRecovery recovery;
    private final XaCommit commit;

    private XaServices(boolean enabled, XaDecisionLog decisions, XidSource xids, XaRecovery recovery) {
        this.enabled = enabled;
        this.decisions = decisions;
        this.xids = xids;
        this.recovery = recovery;
        this.commit = new XaCommit(decisions, recovery::adopt);
    }

    /**
     * Opens the decision log under the configured data directory and runs recovery's first pass; null when the
     * configuration has no data directory. A log that cannot be opened (corrupt, locked by another proxy) stops
     * the start: the decisions in it must not be lost. Unreachable masters do not: they are retried meanwhile.
     */
    public static XaServices start(ProxyConfig.Transactions t, Supplier<Topology> topology, String user, String password,
                                   int connectTimeoutMs) throws InterruptedException {
        if (t.dataDir() == null) return null;
        XaDecisionLog decisions;
        try {
            decisions = XaDecisionLog.open(t.dataDir());
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the XA decision log: " + e.getMessage(), e);
        }
        XidSource xids = new XidSource(t.instanceId(), System.currentTimeMillis());
        XaRecovery recovery = XaRecovery.jdbc(decisions, xids, topology, user, password, connectTimeoutMs);
        XaServices s = new XaServices(t.xa(), decisions, xids, recovery);
        long t0 = System.nanoTime();
        boolean clean = recovery.recoverAtStart(START_WAIT_MS);
        log.info("XA recovery at start: {} in {} ms (instance id {}, decision log {})", clean ? "done" : "continuing in the background",
                (System.nanoTime() - t0) / 1_000_000, t.instanceId(), decisions.file());
        return s;
    }

    /** False with {@code transactions.cross_group: refuse}: a transaction must stay in one group. */
    public boolean enabled() {
        return enabled;
    }

    public XaDecisionLog decisions() {
        return decisions;
    }

    public XidSource xids() {
        return xids;
    }

    public XaRecovery recovery() {
        return recovery;
    }

    public XaCommit commit() {
        return commit;
    }

    @Override
    public void close() {
        recovery.close();
        decisions.close();
    }
}
