package io.shardgate.proxy.xa;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Ends a session's XA transaction over the backend connections that ran its {@code XA START}: two-phase commit
 * when it spans groups, one phase when it touched one, or rollback.
 *
 * <p>How to call it: on the session's event loop, which every participant's connection shares; each connection idle
 * (no command in flight) with its branch ACTIVE (after {@code XA START} and the statements). The returned future
 * completes on that loop once every connection is idle again. Statements on one connection run one after the other;
 * different connections run in parallel.
 *
 * <p>After success every connection is out of XA and reusable. After a failure each connection is either out of XA
 * or closed (so not {@code usable()}): the caller hands them all back to their pools as usual.
 *
 * <p>Two-phase: XA END and XA PREPARE on each; if any fails, XA ROLLBACK on all and the future fails with error
 * 1402 (XA_RBROLLBACK) naming the group and the server's message. If all prepared, the decision goes to the
 * {@link XaDecisionLog} and is forced before any XA COMMIT; a COMMIT that then fails does not fail the transaction
 * (it is committed by decision): the connection is closed, which leaves its branch prepared, and recovery commits it.
 * A branch that may be left prepared after a failed rollback goes to recovery the same way, which rolls it back.
 *
 * <p>Test-only crash points ({@code -Dshardgate.xa.haltAt=prepared|decided}, docs/operations.md): the JVM halts
 * after every branch prepared and before the decision is logged, or after it is forced and before any XA COMMIT.
 */
public final class XaCommit {
    private static final Logger log = LoggerFactory.getLogger(XaCommit.class);

    /** ER_XAER_NOTA: the server has no such branch (already ended): nothing left to roll back. */
    static final int ER_XAER_NOTA = 1397;
    /** ER_XA_RBROLLBACK, what the client gets when the transaction was rolled back. */
    public static final int ER_XA_RBROLLBACK = 1402;
    public static final String HALT_PROPERTY = "shardgate.xa.haltAt";

    /** The statements of one branch; the connection that ran its XA START. */
    public interface Branch {
        /** Runs a statement whose result the proxy consumes; fails with the server's error. */
        Future<Void> execute(String sql);

        /** Drops the connection: the server rolls back a branch that is not prepared, keeps one that is. */
        void close();
    }

    /** One group of the transaction: its xid ({@code bqual} = group) and the connection holding its branch. */
    public record Participant(String group, Xid xid, Branch branch) {
        public Participant {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(xid, "xid");
            Objects.requireNonNull(branch, "branch");
        }

        public static Participant of(String group, Xid xid, BackendConnection connection) {
            return new Participant(group, xid, new Branch() {
                @Override
                public Future<Void> execute(String sql) {
                    return connection.executeInternal(sql);
                }

                @Override
                public void close() {
                    connection.close();
                }
            });
        }
    }

    private final XaDecisionLog decisions;
    private final Consumer<String> handOver;
    private final String haltAt;
    private final Runnable halt;

    /**
     * @param decisions where commit decisions are made durable
     * @param handOver  takes the gtrid of a transaction whose branches recovery must finish ({@link XaRecovery#adopt})
     */
    public XaCommit(XaDecisionLog decisions, Consumer<String> handOver) {
        this(decisions, handOver, System.getProperty(HALT_PROPERTY), () -> Runtime.getRuntime().halt(99));
    }

    XaCommit(XaDecisionLog decisions, Consumer<String> handOver, String haltAt, Runnable halt) {
        this.decisions = decisions;
        this.handOver = handOver;
        this.haltAt = haltAt;
        this.halt = halt;
    }

    /** Commits the transaction of {@code participants} (all of one gtrid); see the class comment. */
    public Future<Void> commit(EventExecutor loop, List<Participant> participants) {
        Promise<Void> result = loop.newPromise();
        if (participants.isEmpty()) return result.setSuccess(null);
        String gtrid = participants.get(0).xid().gtrid();
        for (Participant p : participants) {
            if (!p.xid().gtrid().equals(gtrid)) throw new IllegalArgumentException("participants of two transactions: " + participants);
        }
        if (participants.size() == 1) onePhase(loop, participants.get(0), result);
        else new TwoPhase(loop, participants, result).start();
        return result;
    }

    /** Rolls the transaction back on every participant; never fails (see {@link #rollbackQuietly}). */
    public Future<Void> rollback(EventExecutor loop, List<Participant> participants) {
        Promise<Void> result = loop.newPromise();
        Countdown all = new Countdown(participants.size(), () -> result.setSuccess(null));
        for (Participant p : participants) {
            p.branch().execute(p.xid().endSql()).addListener(f -> rollbackQuietly(p, false, all::arrive));
        }
        return result;
    }

    private void onePhase(EventExecutor loop, Participant p, Promise<Void> result) {
        p.branch().execute(p.xid().endSql()).addListener(end -> {
            if (!end.isSuccess()) {
                rollbackQuietly(p, false, () -> result.setFailure(rolledBack(p, "end", end.cause())));
                return;
            }
            p.branch().execute(p.xid().commitOnePhaseSql()).addListener(c -> {
                if (c.isSuccess()) {
                    result.setSuccess(null);
                } else if (c.cause() instanceof BackendException b && b.code != 0) {
                    // the server refused: the branch is rolled back (XA_RB*) or still idle; make sure it is gone
                    rollbackQuietly(p, false, () -> result.setFailure(rolledBack(p, "commit", b)));
                } else {
                    p.branch().close(); // connection lost: the server decides; the client hears "may or may not"
                    result.setFailure(c.cause());
                }
            });
        });
    }

    /**
     * XA ROLLBACK on one branch whatever its state, then {@code then}. An answer "no such xid" means nothing was left
     * and the connection is fine; any other failure closes the connection (an XA still open there must not reach
     * the pool), and if the branch may be prepared ({@code mayBePrepared}) hands it to recovery.
     */
    private void rollbackQuietly(Participant p, boolean mayBePrepared, Runnable then) {
        p.branch().execute(p.xid().rollbackSql()).addListener(r -> {
            if (!r.isSuccess() && !(r.cause() instanceof BackendException b && b.code == ER_XAER_NOTA)) {
                log.debug("XA ROLLBACK {} failed: {}", p.xid(), r.cause().getMessage());
                p.branch().close();
                if (mayBePrepared) handOver.accept(p.xid().gtrid());
            }
            then.run();
        });
    }

    private static BackendException rolledBack(Participant p, String step, Throwable cause) {
        return new BackendException(ER_XA_RBROLLBACK, "XA100", "shardgate: the transaction was rolled back: group "
                + p.group() + " could not " + step + " it: " + cause.getMessage(), cause);
    }

    private void haltIf(String point, String gtrid) {
        if (point.equals(haltAt)) {
            log.error("XA test crash point '{}' reached for {}: halting the JVM (-D{})", point, gtrid, HALT_PROPERTY);
            halt.run();
        }
    }

    /** Runs {@code done} on the n-th arrival; event loop only. */
    private static final class Countdown {
        private int left;
        private final Runnable done;

        Countdown(int n, Runnable done) {
            this.left = n;
            this.done = done;
            if (n == 0) done.run();
        }

        void arrive() {
            if (--left == 0) done.run();
        }
    }

    /** One two-phase commit; every method on the event loop. */
    private final class TwoPhase {
        private final EventExecutor loop;
        private final List<Participant> participants;
        private final Promise<Void> result;
        private final String gtrid;
        /** Per participant: PREPARE was sent (its branch may be prepared whatever the answer). */
        private final boolean[] prepareSent;
        private BackendException firstFailure;

        TwoPhase(EventExecutor loop, List<Participant> participants, Promise<Void> result) {
            this.loop = loop;
            this.participants = List.copyOf(participants);
            this.result = result;
            this.gtrid = participants.get(0).xid().gtrid();
            this.prepareSent = new boolean[participants.size()];
        }

        void start() {
            Countdown all = new Countdown(participants.size(), this::prepared);
            for (int i = 0; i < participants.size(); i++) {
                int n = i;
                Participant p = participants.get(i);
                p.branch().execute(p.xid().endSql()).addListener(end -> {
                    if (!end.isSuccess()) {
                        failed(p, "prepare", end.cause());
                        all.arrive();
                        return;
                    }
                    prepareSent[n] = true;
                    p.branch().execute(p.xid().prepareSql()).addListener(prep -> {
                        if (!prep.isSuccess()) failed(p, "prepare", prep.cause());
                        all.arrive();
                    });
                });
            }
        }

        private void failed(Participant p, String step, Throwable cause) {
            if (firstFailure == null) firstFailure = rolledBack(p, step, cause);
        }

        private void prepared() {
            if (firstFailure != null) {
                rollbackAll(firstFailure);
                return;
            }
            haltIf("prepared", gtrid);
            List<String> groups = participants.stream().map(Participant::group).toList();
            decisions.commit(gtrid, groups).whenComplete((v, e) -> loop.execute(() -> {
                if (e != null) {
                    log.error("XA {}: the commit decision could not be logged; rolling back: {}", gtrid, e.getMessage());
                    rollbackAll(new BackendException(ER_XA_RBROLLBACK, "XA100",
                            "shardgate: the transaction was rolled back: the proxy could not log the commit decision: "
                                    + e.getMessage(), e));
                } else {
                    haltIf("decided", gtrid);
                    commitAll();
                }
            }));
        }

        private void rollbackAll(BackendException cause) {
            Countdown all = new Countdown(participants.size(), () -> result.setFailure(cause));
            for (int i = 0; i < participants.size(); i++) {
                rollbackQuietly(participants.get(i), prepareSent[i], all::arrive);
            }
        }

        private void commitAll() {
            boolean[] lost = new boolean[1];
            Countdown all = new Countdown(participants.size(), () -> {
                if (lost[0]) {
                    handOver.accept(gtrid); // recovery commits what is left, then writes DONE
                } else {
                    decisions.done(gtrid).whenComplete((v, e) -> {
                        if (e != null) log.warn("XA {}: DONE not logged ({}); recovery will look again", gtrid, e.getMessage());
                    });
                }
                result.setSuccess(null);
            });
            for (Participant p : participants) {
                p.branch().execute(p.xid().commitSql()).addListener(c -> {
                    if (!c.isSuccess()) {
                        lost[0] = true;
                        log.warn("XA {}: COMMIT on group {} failed after the decision was logged ({}); the client is told"
                                + " it committed and recovery commits that branch", gtrid, p.group(), c.cause().getMessage());
                        p.branch().close(); // a branch still attached to a live session cannot be committed elsewhere
                    }
                    all.arrive();
                });
            }
        }
    }
}
