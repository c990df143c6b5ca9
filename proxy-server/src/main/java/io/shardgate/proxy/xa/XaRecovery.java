package io.shardgate.proxy.xa;

import io.shardgate.monitor.JdbcReplicaProber;
import io.shardgate.monitor.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Ends the prepared XA branches the proxy left behind, by its decision log: a branch whose gtrid has a pending
 * COMMIT there is committed, any other is rolled back (presumed abort). Once no group of a pending decision holds a
 * prepared branch of it any more, DONE is appended.
 *
 * <p>Which branches it touches: only shardgate's format id, only gtrids of this proxy's instance id (another live
 * proxy may be preparing its own right now), and of this instance only gtrids of earlier runs, or of this run when
 * the commit path handed them over ({@link #adopt}): a branch of this run that nobody handed over belongs to a
 * session that may be between its PREPARE and its decision.
 *
 * <p>Control plane: it reaches the masters over JDBC ({@link JdbcXaServer}), as the replica probes do, since it
 * runs before the proxy listens and then on its own thread, never on an event loop or a client's statement.
 *
 * <p>One daemon thread does all the work: the pass at start ({@link #recoverAtStart}), then, while some master
 * could not be reached or something handed over is unresolved, a pass every {@code retryMs}. It stops at
 * {@link #close}.
 */
public final class XaRecovery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XaRecovery.class);

    private final XaDecisionLog decisions;
    private final XidSource xids;
    private final Supplier<Topology> topology;
    private final XaServer.Connector connector;
    private final ScheduledExecutorService thread;
    /** Gtrids of this run the commit path gave up on; recovery thread only (added through it). */
    private final Set<String> adopted = new HashSet<>();
    /** Groups whose master the last pass could not reach or could not clean; recovery thread only. */
    private final Set<String> unfinished = new HashSet<>();
    /** Groups already warned about as unreachable: one WARN per outage, not one per retry; recovery thread only. */
    private final Set<String> warned = new HashSet<>();
    private volatile boolean retrying;

    public XaRecovery(XaDecisionLog decisions, XidSource xids, Supplier<Topology> topology, XaServer.Connector connector,
                      long retryMs) {
        this.decisions = decisions;
        this.xids = xids;
        this.topology = topology;
        this.connector = connector;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shardgate-xa-recovery");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::retry, retryMs, retryMs, TimeUnit.MILLISECONDS);
    }

    /** Recovery over Connector/J with the backend account; connects within {@code connectTimeoutMs}. */
    public static XaRecovery jdbc(XaDecisionLog decisions, XidSource xids, Supplier<Topology> topology, String user,
                                  String password, int connectTimeoutMs) {
        return new XaRecovery(decisions, xids, topology,
                JdbcXaServer.connector(user, password, connectTimeoutMs, 30_000), 5_000);
    }

    /**
     * Runs one pass over every master and waits for it, at most {@code waitMs}: prepared branches hold row locks,
     * so they are best ended before clients come. A master that is down is retried in the background; so is the
     * pass itself when it takes longer. Returns true when nothing is left to do.
     */
    public boolean recoverAtStart(long waitMs) throws InterruptedException {
        try {
            return thread.submit(this::pass).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("XA recovery: not finished after {} ms; the proxy starts and recovery goes on in the background", waitMs);
            return false;
        } catch (ExecutionException e) {
            log.error("XA recovery failed; retrying in the background", e.getCause());
            return false;
        }
    }

    /**
     * Hands over a gtrid of this run that the commit path could not finish on some group (connection lost during XA
     * COMMIT, or XA ROLLBACK after PREPARE): recovery ends its branches by the decision log, now and, until done, on
     * every retry. Any thread.
     */
    public void adopt(String gtrid) {
        try {
            thread.execute(() -> {
                adopted.add(gtrid);
                guarded();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.warn("XA recovery is stopped; {} is resolved at the next start", gtrid);
        }
    }

    /** True while some master or handed-over transaction is left for a later pass (tests, admin). */
    public boolean retrying() {
        return retrying;
    }

    /** Runs a pass now and waits for it (tests). */
    boolean passNow() throws InterruptedException, ExecutionException {
        return thread.submit(this::pass).get();
    }

    private void retry() {
        if (!unfinished.isEmpty() || !adopted.isEmpty() || hasEarlierRunDecisions()) guarded();
    }

    /** A pass whose failure leaves the schedule running (a periodic task that throws is never run again). */
    private void guarded() {
        try {
            pass();
        } catch (RuntimeException e) {
            retrying = true;
            log.error("XA recovery pass failed; retrying", e);
        }
    }

    private boolean hasEarlierRunDecisions() {
        return decisions.pendingCommits().keySet().stream().anyMatch(g -> !xids.ofThisRun(g));
    }

    /** One look at every master; returns true when nothing is left to do. */
    private boolean pass() {
        Topology t = topology.get();
        Set<String> reached = new HashSet<>();
        Map<String, Set<String>> stillPrepared = new HashMap<>(); // gtrid -> groups where ending it failed
        unfinished.clear();
        for (Topology.Member m : t.groups().values()) {
            try (XaServer s = connector.connect(m.master())) {
                for (Xid x : s.recover()) {
                    if (!mine(x.gtrid())) continue;
                    if (!end(s, m, x)) {
                        stillPrepared.computeIfAbsent(x.gtrid(), k -> new HashSet<>()).add(m.group());
                        unfinished.add(m.group());
                    }
                }
                reached.add(m.group());
                if (warned.remove(m.group())) log.info("XA recovery: group {} master {} reached again", m.group(), m.master());
            } catch (SQLException | RuntimeException e) {
                unfinished.add(m.group());
                if (warned.add(m.group())) {
                    log.warn("XA recovery: cannot look at group {} master {} ({}); retrying in the background", m.group(),
                            m.master(), JdbcReplicaProber.describe(e));
                } else {
                    log.debug("XA recovery: group {} master {} still unreachable: {}", m.group(), m.master(), e.toString());
                }
            }
        }
        // a decision is done once each of its groups was looked at and holds no prepared branch of it any more
        decisions.pendingCommits().forEach((gtrid, groups) -> {
            if (!mine(gtrid)) return;
            if (reached.containsAll(groups) && !stillPrepared.containsKey(gtrid)) {
                decisions.done(gtrid).join();
                adopted.remove(gtrid);
            } else if (!t.groups().keySet().containsAll(groups)) {
                log.warn("XA recovery: decision to commit {} names group(s) {} not in the topology; it stays pending",
                        gtrid, groups);
            }
        });
        // handed-over rollbacks have no decision to close: done when every master was looked at and none has it
        if (reached.containsAll(t.groups().keySet())) {
            adopted.removeIf(g -> decisions.pendingCommit(g) == null && !stillPrepared.containsKey(g));
        }
        boolean clean = unfinished.isEmpty() && adopted.isEmpty() && !hasEarlierRunDecisions();
        retrying = !clean;
        return clean;
    }

    private boolean mine(String gtrid) {
        return xids.ofThisInstance(gtrid) && (!xids.ofThisRun(gtrid) || adopted.contains(gtrid));
    }

    /** Commits or rolls back one prepared branch by the decision log; false when the server refused. */
    private boolean end(XaServer s, Topology.Member m, Xid x) {
        boolean commit = decisions.pendingCommit(x.gtrid()) != null;
        try {
            s.execute(commit ? x.commitSql() : x.rollbackSql());
            log.info(commit ? "XA recovery: committed {} on {} (decision log)" : "XA recovery: rolled back {} on {} (no decision)",
                    x.gtrid(), m.group());
            return true;
        } catch (SQLException e) {
            log.warn("XA recovery: could not {} {} on group {} master {}: {}; retrying", commit ? "commit" : "roll back",
                    x, m.group(), m.master(), JdbcReplicaProber.describe(e));
            return false;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
