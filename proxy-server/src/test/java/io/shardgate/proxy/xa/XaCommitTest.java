package io.shardgate.proxy.xa;

import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.backend.BackendException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit executor's decisions, over scripted branches on a real event loop (no server). */
class XaCommitTest {
    @TempDir
    Path dataDir;

    DefaultEventLoop loop;
    XaDecisionLog log;
    final List<String> handedOver = Collections.synchronizedList(new ArrayList<>());
    final String gtrid = "sg-p1-run-1";

    @BeforeEach
    void setUp() throws Exception {
        loop = new DefaultEventLoop();
        log = XaDecisionLog.open(dataDir);
    }

    @AfterEach
    void tearDown() {
        log.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** A branch answering each statement asynchronously on the loop, by {@code answer} (null = OK). */
    final class FakeBranch implements XaCommit.Branch {
        final String group;
        final List<String> sent = Collections.synchronizedList(new ArrayList<>());
        final Function<String, Throwable> answer;
        volatile boolean closed;
        boolean busy;

        FakeBranch(String group, Function<String, Throwable> answer) {
            this.group = group;
            this.answer = answer;
        }

        @Override
        public Future<Void> execute(String sql) {
            assertThat(loop.inEventLoop()).as("called on the session's loop").isTrue();
            assertThat(busy).as("one statement at a time on a connection").isFalse();
            sent.add(sql.replace(Xid.of(gtrid, group).literal(), "x"));
            busy = true;
            Promise<Void> p = loop.newPromise();
            Throwable failure = closed ? new BackendException("connection closed", null) : answer.apply(sql);
            if (failure instanceof BackendException b && b.code == 0) closed = true; // as a real lost connection
            loop.execute(() -> {
                busy = false;
                if (failure == null) p.setSuccess(null);
                else p.setFailure(failure);
            });
            return p;
        }

        @Override
        public void close() {
            closed = true;
        }

        XaCommit.Participant participant() {
            return new XaCommit.Participant(group, Xid.of(gtrid, group), this);
        }
    }

    static Throwable ok(String sql) {
        return null;
    }

    static BackendException serverError(int code, String msg) {
        return new BackendException(code, "XAE04", msg, null);
    }

    Future<Void> commit(XaCommit xa, FakeBranch... branches) throws Exception {
        List<XaCommit.Participant> ps = new ArrayList<>();
        for (FakeBranch b : branches) ps.add(b.participant());
        return loop.submit(() -> xa.commit(loop, ps)).get().await();
    }

    XaCommit executor() {
        return new XaCommit(log, handedOver::add, null, () -> { throw new AssertionError("no halt expected"); });
    }


    @Test
    void twoGroupsPrepareThenLogTheDecisionThenCommitThenDone() throws Exception {
        Map<String, Boolean> decidedAtCommit = new HashMap<>();
        Function<String, Throwable> answer = sql -> {
            if (sql.startsWith("XA COMMIT")) decidedAtCommit.put(sql, log.pendingCommit(gtrid) != null);
            return null;
        };
        FakeBranch g0 = new FakeBranch("g0", answer);
        FakeBranch g1 = new FakeBranch("g1", answer);
        Future<Void> f = commit(executor(), g0, g1);
        assertThat(f.isSuccess()).as("%s", f.cause()).isTrue();
        assertThat(g0.sent).containsExactly("XA END x", "XA PREPARE x", "XA COMMIT x");
        assertThat(g1.sent).containsExactly("XA END x", "XA PREPARE x", "XA COMMIT x");
        assertThat(decidedAtCommit).hasSize(2).allSatisfy((sql, decided) -> assertThat(decided).as(sql).isTrue());
        assertThat(Await.until(() -> log.pendingCommits().isEmpty())).as("DONE appended").isTrue();
        assertThat(handedOver).isEmpty();
        assertThat(g0.closed || g1.closed).isFalse();
    }

    @Test
    void aFailedPrepareRollsBackEveryBranchAndNamesTheGroup() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", XaCommitTest::ok);
        FakeBranch g1 = new FakeBranch("g1", sql -> sql.startsWith("XA PREPARE")
                ? serverError(1614, "XA_RBDEADLOCK: Transaction branch was rolled back: deadlock was detected")
                : sql.startsWith("XA ROLLBACK") ? serverError(XaCommit.ER_XAER_NOTA, "XAER_NOTA: Unknown XID") : null);
        Future<Void> f = commit(executor(), g0, g1);
        assertThat(f.isSuccess()).isFalse();
        assertThat(f.cause()).isInstanceOf(BackendException.class).hasMessage(
                "shardgate: the transaction was rolled back: group g1 could not prepare it: "
                        + "XA_RBDEADLOCK: Transaction branch was rolled back: deadlock was detected");
        assertThat(((BackendException) f.cause()).code).isEqualTo(1402);
        assertThat(g0.sent).containsExactly("XA END x", "XA PREPARE x", "XA ROLLBACK x");
        assertThat(g1.sent).containsExactly("XA END x", "XA PREPARE x", "XA ROLLBACK x");
        assertThat(log.pendingCommits()).isEmpty();
        assertThat(g0.closed || g1.closed).as("'unknown xid' on rollback leaves a clean connection").isFalse();
        assertThat(handedOver).isEmpty();
    }

    @Test
    void aFailedEndSkipsPrepareThereAndARollbackThatFailsClosesTheConnection() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", XaCommitTest::ok);
        FakeBranch g1 = new FakeBranch("g1", sql -> sql.startsWith("XA END") || sql.startsWith("XA ROLLBACK")
                ? serverError(1399, "XAER_RMFAIL: The command cannot be executed when global transaction is in the  ACTIVE state") : null);
        Future<Void> f = commit(executor(), g0, g1);
        assertThat(f.cause()).hasMessageStartingWith("shardgate: the transaction was rolled back: group g1 could not prepare it: XAER_RMFAIL");
        assertThat(g1.sent).containsExactly("XA END x", "XA ROLLBACK x");
        assertThat(g1.closed).as("an XA still open must not go back to the pool").isTrue();
        assertThat(g0.closed).isFalse();
        assertThat(handedOver).as("g1 never prepared: the server rolls it back on disconnect").isEmpty();
    }

    @Test
    void aConnectionLostDuringPrepareIsHandedToRecovery() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", XaCommitTest::ok);
        FakeBranch g1 = new FakeBranch("g1", sql -> sql.startsWith("XA PREPARE")
                ? new BackendException("shardgate: lost the connection to backend 127.0.0.1:1", null) : null);
        Future<Void> f = commit(executor(), g0, g1);
        assertThat(f.cause()).hasMessageContaining("group g1 could not prepare it: shardgate: lost the connection");
        assertThat(g1.sent).containsExactly("XA END x", "XA PREPARE x", "XA ROLLBACK x");
        assertThat(g1.closed).isTrue();
        assertThat(handedOver).as("its branch may be prepared: recovery rolls it back").containsExactly(gtrid);
        assertThat(log.pendingCommits()).as("no decision: presumed abort").isEmpty();
    }

    @Test
    void aCommitFailingAfterTheDecisionStillSucceedsAndGoesToRecovery() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", XaCommitTest::ok);
        FakeBranch g1 = new FakeBranch("g1", sql -> sql.startsWith("XA COMMIT")
                ? new BackendException("shardgate: lost the connection to backend 127.0.0.1:1", null) : null);
        Future<Void> f = commit(executor(), g0, g1);
        assertThat(f.isSuccess()).as("committed by decision").isTrue();
        assertThat(handedOver).containsExactly(gtrid);
        assertThat(g1.closed).isTrue();
        assertThat(g0.closed).isFalse();
        assertThat(log.pendingCommit(gtrid)).as("no DONE until recovery finishes").containsExactly("g0", "g1");
    }

    @Test
    void oneGroupCommitsInOnePhaseWithoutALogRecord() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", XaCommitTest::ok);
        Future<Void> f = commit(executor(), g0);
        assertThat(f.isSuccess()).isTrue();
        assertThat(g0.sent).containsExactly("XA END x", "XA COMMIT x ONE PHASE");
        assertThat(log.forces()).isZero();
        assertThat(log.pendingCommits()).isEmpty();
    }

    @Test
    void aRefusedOnePhaseCommitIsReportedAsRolledBack() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", sql -> sql.endsWith("ONE PHASE")
                ? serverError(1614, "XA_RBDEADLOCK: deadlock") : sql.startsWith("XA ROLLBACK") ? serverError(1397, "XAER_NOTA") : null);
        Future<Void> f = commit(executor(), g0);
        assertThat(f.cause()).hasMessage("shardgate: the transaction was rolled back: group g0 could not commit it: XA_RBDEADLOCK: deadlock");
        assertThat(g0.sent).containsExactly("XA END x", "XA COMMIT x ONE PHASE", "XA ROLLBACK x");
        assertThat(g0.closed).isFalse();
    }

    @Test
    void rollbackEndsAndRollsBackEveryBranchWhateverFails() throws Exception {
        FakeBranch g0 = new FakeBranch("g0", sql -> sql.startsWith("XA END") ? serverError(1399, "XAER_RMFAIL") : null);
        FakeBranch g1 = new FakeBranch("g1", XaCommitTest::ok);
        XaCommit xa = executor();
        Future<Void> f = loop.submit(() -> xa.rollback(loop, List.of(g0.participant(), g1.participant()))).get().await();
        assertThat(f.isSuccess()).isTrue();
        assertThat(g0.sent).containsExactly("XA END x", "XA ROLLBACK x");
        assertThat(g1.sent).containsExactly("XA END x", "XA ROLLBACK x");
        assertThat(g0.closed || g1.closed).isFalse();
    }

    @Test
    void testCrashPointsHaltAtThePromisedMoments() throws Exception {
        List<String> atHalt = new ArrayList<>();
        FakeBranch[] b = new FakeBranch[2];
        Runnable recordState = () -> atHalt.add("pending=" + log.pendingCommits().keySet()
                + " commits=" + b[0].sent.stream().filter(s -> s.startsWith("XA COMMIT")).count()
                + " prepared=" + b[1].sent.contains("XA PREPARE x"));

        b[0] = new FakeBranch("g0", XaCommitTest::ok);
        b[1] = new FakeBranch("g1", XaCommitTest::ok);
        commit(new XaCommit(log, handedOver::add, "prepared", recordState), b[0], b[1]);
        assertThat(atHalt).containsExactly("pending=[] commits=0 prepared=true");

        atHalt.clear();
        b[0] = new FakeBranch("g0", XaCommitTest::ok);
        b[1] = new FakeBranch("g1", XaCommitTest::ok);
        commit(new XaCommit(log, handedOver::add, "decided", recordState), b[0], b[1]);
        assertThat(atHalt).containsExactly("pending=[" + gtrid + "] commits=0 prepared=true");
    }
}
