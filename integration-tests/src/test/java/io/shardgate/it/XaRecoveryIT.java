package io.shardgate.it;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.shardgate.monitor.Topology;
import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.proxy.NettyTransport;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendPool;
import io.shardgate.proxy.backend.BackendProfile;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.proxy.xa.XaCommit;
import io.shardgate.proxy.xa.XaDecisionLog;
import io.shardgate.proxy.xa.XaRecovery;
import io.shardgate.proxy.xa.Xid;
import io.shardgate.proxy.xa.XidSource;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static io.shardgate.it.ShardSql.column;
import static io.shardgate.it.ShardSql.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * XA against the real sandbox masters: recovery of branches left prepared by a "crashed" proxy (prepared over
 * JDBC, then the connection closed, which MariaDB 10.5+ keeps prepared), and the commit executor over real
 * backend connections.
 */
@ExtendWith(SharedSandbox.class)
class XaRecoveryIT {
    static final String DB = "xa_it";

    static Topology topology;

    @BeforeAll
    static void createTablesAndLoop() throws SQLException {
        Map<String, Topology.Member> groups = new LinkedHashMap<>();
        for (SandboxGroup g : SharedSandbox.get().groups()) {
            groups.put(g.name(), new Topology.Member(g.name(), g.master(), g.replicas(), 1));
            try (Connection c = SharedProxy.direct(g.master(), null); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + DB);
                s.execute("CREATE DATABASE " + DB);
                s.execute("CREATE TABLE " + DB + ".t (id INT PRIMARY KEY, tag VARCHAR(60)) ENGINE=InnoDB");
            }
        }
        topology = new Topology(1, groups);
        loopGroup = NettyTransport.group(1, "xa-it");
        loop = loopGroup.next();
        BackendPool.Settings settings = new BackendPool.Settings(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 5_000, 10, 4, 600_000);
        for (String g : topology.groups().keySet()) pools.put(g, new BackendPool(master(g), settings));
    }

    static Endpoint master(String group) {
        return topology.group(group).master();
    }

    /** Leaves branch {@code xid} prepared on {@code group}'s master with one row tagged {@code gtrid}. */
    static void prepareOnMaster(String group, Xid xid, int id) throws SQLException {
        try (Connection c = SharedProxy.direct(master(group), null); Statement s = c.createStatement()) {
            s.execute(xid.startSql());
            s.execute("INSERT INTO " + DB + ".t VALUES (" + id + ", '" + xid.gtrid() + "')");
            s.execute(xid.endSql());
            s.execute(xid.prepareSql());
        } // closed: MariaDB keeps the prepared branch for a transaction manager to end
    }

    static List<String> tags(Endpoint server) throws SQLException {
        try (Connection c = SharedProxy.direct(server, null)) {
            return column(c, "SELECT tag FROM " + DB + ".t ORDER BY id");
        }
    }

    /** The gtrids of shardgate's format id that {@code group}'s master holds prepared. */
    static List<String> preparedGtrids(String group) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = SharedProxy.direct(master(group), null)) {
            for (List<String> r : rows(c, "XA RECOVER")) {
                if (Long.parseLong(r.get(0)) == Xid.FORMAT_ID) out.add(r.get(3).substring(0, Integer.parseInt(r.get(1))));
            }
        }
        return out;
    }

    static boolean everywhere(String group, String tag, boolean present) {
        try {
            List<Endpoint> servers = new ArrayList<>(topology.group(group).replicas());
            servers.add(master(group));
            for (Endpoint e : servers) {
                if (tags(e).contains(tag) != present) return false;
            }
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Test
    void recoveryCommitsDecidedBranchesRollsBackTheRestAndLeavesOtherProxiesAlone(@TempDir Path dataDir) throws Exception {
        XidSource crashedRun = new XidSource("itx", 1_000);
        String decided = crashedRun.nextGtrid();
        String undecided = crashedRun.nextGtrid();
        String otherProxy = new XidSource("ity", 1_000).nextGtrid();
        int id = 100;
        for (String gtrid : List.of(decided, undecided, otherProxy)) {
            for (String g : topology.groups().keySet()) prepareOnMaster(g, Xid.of(gtrid, g), id++);
        }
        try {
            try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
                log.commit(decided, topology.groups().keySet()).get(10, TimeUnit.SECONDS);
            }
            try (XaDecisionLog log = XaDecisionLog.open(dataDir);
                 XaRecovery recovery = XaRecovery.jdbc(log, new XidSource("itx", System.currentTimeMillis()),
                         () -> topology, Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 5_000)) {
                assertThat(recovery.recoverAtStart(60_000)).as("nothing left for later").isTrue();
                assertThat(log.pendingCommits()).as("DONE written").isEmpty();
            }
            for (String g : topology.groups().keySet()) {
                assertThat(tags(master(g))).as("rows on %s's master", g).contains(decided).doesNotContain(undecided);
                assertThat(Poll.until(Duration.ofSeconds(30), () -> everywhere(g, decided, true)))
                        .as("the committed row reaches %s's replicas", g).isTrue();
                assertThat(everywhere(g, undecided, false)).isTrue();
                assertThat(preparedGtrids(g)).as("only the other proxy's branch is still prepared on %s", g)
                        .containsExactly(otherProxy);
            }
            try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
                assertThat(log.pendingCommits()).as("after reopening too").isEmpty();
            }
        } finally {
            for (String g : topology.groups().keySet()) {
                try (Connection c = SharedProxy.direct(master(g), null); Statement s = c.createStatement()) {
                    for (String gtrid : preparedGtrids(g)) {
                        if (gtrid.startsWith("sg-itx-") || gtrid.startsWith("sg-ity-")) s.execute(Xid.of(gtrid, g).rollbackSql());
                    }
                }
            }
        }
        for (String g : topology.groups().keySet()) assertThat(preparedGtrids(g)).doesNotContain(otherProxy);
    }

    @Test
    void theProxyRecoversBeforeItListensAndStartsDespiteAnUnreachableMaster(@TempDir Path dataDir) throws Exception {
        String leftOver = new XidSource("itp", 1_000).nextGtrid();
        prepareOnMaster("g0", Xid.of(leftOver, "g0"), 500);
        Map<String, GroupDef> groups = new LinkedHashMap<>();
        groups.put("g0", new GroupDef("g0", master("g0"), List.of()));
        groups.put("g9", new GroupDef("g9", new Endpoint("127.0.0.1", SharedProxy.freePort()), List.of())); // nobody there
        ShardMap map = new ShardMap(1, "xadb", groups);
        ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, map,
                Map.of("app", new ProxyConfig.User("app", "app-secret", AuthPlugin.MYSQL_NATIVE_PASSWORD)),
                new ProxyConfig.Frontend("10.11.0-test", AuthPlugin.MYSQL_NATIVE_PASSWORD, 16 << 20, 5_000, 1, 45, 64),
                new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 2_000, 10, 4, 600_000),
                new ProxyConfig.Tls(false, null, null, dataDir), ProxyConfig.Reads.MASTER_ONLY,
                new ProxyConfig.Transactions(true, "itp", dataDir));
        long t0 = System.nanoTime();
        try (ProxyServer proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(map)))) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("start not held up by the dead master").isLessThan(Duration.ofSeconds(10));
            assertThat(preparedGtrids("g0")).as("ended before start returned").doesNotContain(leftOver);
            assertThat(tags(master("g0"))).doesNotContain(leftOver);
            assertThat(proxy.xa().enabled()).isTrue();
            assertThat(proxy.xa().recovery().retrying()).as("g9 is retried in the background").isTrue();
            assertThat(proxy.xa().xids().nextGtrid()).startsWith("sg-itp-");
        }
    }

    // ------------------------------------------------------------------ the commit executor on real connections

    static EventLoopGroup loopGroup;
    static EventLoop loop;
    static final Map<String, BackendPool> pools = new LinkedHashMap<>();

    @AfterAll
    static void stopLoop() throws Exception {
        onLoop(() -> {
            pools.values().forEach(BackendPool::close);
            return null;
        });
        loopGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    static <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(30, TimeUnit.SECONDS);
    }

    static <T> T await(Future<T> f) throws Exception {
        assertThat(f.await(30, TimeUnit.SECONDS)).as("answered in time").isTrue();
        if (!f.isSuccess()) throw new AssertionError("failed: " + f.cause(), f.cause());
        return f.getNow();
    }

    /** A group's branch as a session holds it: the connection that ran XA START. */
    record Branch(String group, Xid xid, BackendConnection connection) {
        XaCommit.Participant participant() {
            return XaCommit.Participant.of(group, xid, connection);
        }
    }

    static List<XaCommit.Participant> participants(List<Branch> branches) {
        return branches.stream().map(Branch::participant).toList();
    }

    /** One connection per group, each with branch {@code gtrid} started and a row inserted (ids from {@code firstId}). */
    static List<Branch> startBranches(String gtrid, int firstId, List<BackendConnection> reuse) throws Exception {
        List<Branch> out = new ArrayList<>();
        for (String g : topology.groups().keySet()) {
            BackendConnection c = reuse != null ? reuse.get(out.size())
                    : await(onLoop(() -> pools.get(g).acquire(loop, new BackendProfile(0), 45, null)));
            Xid xid = Xid.of(gtrid, g);
            String insert = "INSERT INTO " + DB + ".t VALUES (" + (firstId + out.size()) + ", '" + gtrid + "')";
            await(onLoop(() -> c.executeInternal(xid.startSql())));
            await(onLoop(() -> c.executeInternal(insert)));
            out.add(new Branch(g, xid, c));
        }
        return out;
    }

    static void release(List<Branch> branches) throws Exception {
        onLoop(() -> {
            for (Branch b : branches) pools.get(b.group()).release(b.connection());
            return null;
        });
    }

    @Test
    void theCommitExecutorCommitsOnEveryGroupAndLeavesTheConnectionsReusable(@TempDir Path dataDir) throws Exception {
        XidSource run = new XidSource("itc", System.currentTimeMillis());
        String gtrid = run.nextGtrid();
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            XaCommit xa = new XaCommit(log, g -> { throw new AssertionError("nothing to hand over: " + g); });
            List<Branch> branches = startBranches(gtrid, 200, null);
            await(onLoop(() -> xa.commit(loop, participants(branches))));
            for (String g : topology.groups().keySet()) assertThat(tags(master(g))).contains(gtrid);
            assertThat(Poll.until(Duration.ofSeconds(10), () -> log.pendingCommits().isEmpty())).as("DONE").isTrue();

            // reusable: another XA transaction on the same connections, rolled back this time
            String second = run.nextGtrid();
            List<Branch> again = startBranches(second, 300, branches.stream().map(Branch::connection).toList());
            await(onLoop(() -> xa.rollback(loop, participants(again))));
            for (String g : topology.groups().keySet()) {
                assertThat(tags(master(g))).doesNotContain(second);
                assertThat(preparedGtrids(g)).isEmpty();
            }
            for (Branch b : again) {
                assertThat(onLoop(b.connection()::usable)).isTrue();
                await(onLoop(() -> b.connection().executeInternal("SELECT 1")));
            }
            release(again);
        }
    }

    @Test
    void aBranchThatCannotPrepareRollsBackEveryGroup(@TempDir Path dataDir) throws Exception {
        String gtrid = new XidSource("itc", System.currentTimeMillis()).nextGtrid();
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            XaCommit xa = new XaCommit(log, g -> {});
            List<Branch> branches = startBranches(gtrid, 400, null);
            // the second group's branch already ended: its XA END now fails with the server's XAER_RMFAIL
            Branch second = branches.get(1);
            await(onLoop(() -> second.connection().executeInternal(second.xid().endSql())));
            Future<Void> f = onLoop(() -> xa.commit(loop, participants(branches))).await();
            assertThat(f.isSuccess()).isFalse();
            assertThat(f.cause()).hasMessageStartingWith("shardgate: the transaction was rolled back: group " + second.group()
                    + " could not prepare it: XAER_RMFAIL");
            for (String g : topology.groups().keySet()) {
                assertThat(tags(master(g))).doesNotContain(gtrid);
                assertThat(preparedGtrids(g)).isEmpty();
            }
            assertThat(log.pendingCommits()).isEmpty();
            release(branches);
        }
    }
}
