package io.shardgate.proxy.xa;

import io.shardgate.monitor.Topology;
import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Which prepared branches recovery ends and how, against in-memory masters. */
class XaRecoveryTest {
    @TempDir
    Path dataDir;

    final Endpoint m0 = new Endpoint("127.0.0.1", 1);
    final Endpoint m1 = new Endpoint("127.0.0.1", 2);
    final Topology topology = new Topology(1, Map.of(
            "g0", new Topology.Member("g0", m0, List.of(), 1),
            "g1", new Topology.Member("g1", m1, List.of(), 1)));
    /** Prepared branches per master. */
    final Map<Endpoint, Set<Xid>> prepared = new LinkedHashMap<>();
    final Set<Endpoint> down = Collections.synchronizedSet(new LinkedHashSet<>());
    final List<String> executed = Collections.synchronizedList(new ArrayList<>());
    final XidSource earlier = new XidSource("p1", 1_000);
    final XidSource now = new XidSource("p1", 2_000);
    XaDecisionLog log;
    XaRecovery recovery;

    XaServer.Connector connector() {
        return master -> {
            if (down.contains(master)) throw new SQLNonTransientConnectionException("Connection refused", "08001");
            return new XaServer() {
                @Override
                public List<Xid> recover() {
                    synchronized (prepared) {
                        return List.copyOf(prepared.getOrDefault(master, Set.of()));
                    }
                }

                @Override
                public void execute(String sql) throws SQLException {
                    executed.add(master.port() + ": " + sql);
                    synchronized (prepared) {
                        if (!prepared.getOrDefault(master, Set.of()).removeIf(x -> sql.endsWith(x.literal()))) {
                            throw new SQLException("XAER_NOTA: Unknown XID", "XAE04", 1397);
                        }
                    }
                }

                @Override
                public void close() {}
            };
        };
    }

    void prepare(Endpoint master, String gtrid, String group) {
        synchronized (prepared) {
            prepared.computeIfAbsent(master, k -> new LinkedHashSet<>()).add(Xid.of(gtrid, group));
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        log = XaDecisionLog.open(dataDir);
        recovery = new XaRecovery(log, now, () -> topology, connector(), 50);
    }

    @AfterEach
    void tearDown() {
        recovery.close();
        log.close();
    }

    @Test
    void decidedBranchesAreCommittedUndecidedRolledBackOthersLeftAlone() throws Exception {
        String decided = earlier.nextGtrid();
        String undecided = earlier.nextGtrid();
        String live = now.nextGtrid(); // a session of this run between PREPARE and its decision
        String otherProxy = new XidSource("p2", 1_000).nextGtrid();
        log.commit(decided, List.of("g0", "g1")).get(5, TimeUnit.SECONDS);
        for (String g : List.of(decided, undecided, live, otherProxy)) {
            prepare(m0, g, "g0");
            prepare(m1, g, "g1");
        }
        assertThat(recovery.recoverAtStart(5_000)).isTrue();
        assertThat(executed).containsExactlyInAnyOrder(
                "1: " + Xid.of(decided, "g0").commitSql(), "2: " + Xid.of(decided, "g1").commitSql(),
                "1: " + Xid.of(undecided, "g0").rollbackSql(), "2: " + Xid.of(undecided, "g1").rollbackSql());
        assertThat(prepared.get(m0)).extracting(Xid::gtrid).containsExactlyInAnyOrder(live, otherProxy);
        assertThat(log.pendingCommits()).as("DONE once both groups are clean").isEmpty();
    }

    @Test
    void anUnreachableMasterIsRetriedInTheBackgroundAndDoneWaitsForIt() throws Exception {
        String decided = earlier.nextGtrid();
        log.commit(decided, List.of("g0", "g1")).get(5, TimeUnit.SECONDS);
        prepare(m0, decided, "g0");
        prepare(m1, decided, "g1");
        down.add(m1);
        assertThat(recovery.recoverAtStart(5_000)).isFalse();
        assertThat(recovery.retrying()).isTrue();
        assertThat(prepared.get(m0)).isEmpty();
        assertThat(log.pendingCommit(decided)).as("g1 not done yet").isNotNull();

        down.remove(m1);
        assertThat(Await.until(() -> log.pendingCommits().isEmpty())).as("committed by a retry, then DONE").isTrue();
        assertThat(prepared.get(m1)).isEmpty();
        assertThat(Await.until(() -> !recovery.retrying())).isTrue();
    }

    @Test
    void aHandedOverTransactionOfThisRunIsFinishedByTheLog() throws Exception {
        String committed = now.nextGtrid();
        String rolledBack = now.nextGtrid();
        log.commit(committed, List.of("g0", "g1")).get(5, TimeUnit.SECONDS);
        prepare(m1, committed, "g1"); // g0 committed by the session, g1's connection was lost
        prepare(m0, rolledBack, "g0"); // prepared, then the rollback's connection was lost
        assertThat(recovery.recoverAtStart(5_000)).isTrue();
        assertThat(executed).as("this run's branches are not recovery's until handed over").isEmpty();

        recovery.adopt(committed);
        recovery.adopt(rolledBack);
        assertThat(Await.until(() -> log.pendingCommits().isEmpty() && executed.size() == 2)).isTrue();
        assertThat(executed).containsExactlyInAnyOrder("2: " + Xid.of(committed, "g1").commitSql(),
                "1: " + Xid.of(rolledBack, "g0").rollbackSql());
        assertThat(Await.until(() -> !recovery.retrying())).isTrue();
    }

}
