package io.shardgate.it;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read-write splitting on the sandbox, with its own proxy (reads to replicas; g0's replicas weighted 1 and 3;
 * read-your-writes window {@value #WINDOW_MS} ms; replicas probed every 200 ms). Which server answered is
 * told by {@code @@server_id}, which the sandbox sets to each server's port.
 */
@ExtendWith(SharedSandbox.class)
class ReadWriteSplitIT {
    static final long WINDOW_MS = 500;
    static ProxyServer proxy;
    static Endpoint master, r1, r2;

    @BeforeAll
    static void start() throws Exception {
        Sandbox sb = SharedSandbox.get();
        Map<String, GroupDef> groups = new LinkedHashMap<>();
        for (SandboxGroup g : sb.groups()) {
            List<Integer> weights = g.name().equals("g0") ? List.of(1, 3) : java.util.Collections.nCopies(g.replicas().size(), 1);
            groups.put(g.name(), new GroupDef(g.name(), g.master(), g.replicas(), weights));
        }
        SandboxGroup g0 = sb.groups().get(0);
        master = g0.master();
        r1 = g0.replicas().get(0);
        r2 = g0.replicas().get(1);
        ShardMap map = new ShardMap(1, "rwdb", groups);
        ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, map,
                Map.of("app", new ProxyConfig.User("app", "app-secret", AuthPlugin.MYSQL_NATIVE_PASSWORD)),
                new ProxyConfig.Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, 16 << 20, 5_000, 0, 45, 4096),
                new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 2_000, 1_000, 64, 600_000),
                new ProxyConfig.Tls(false, null, null, Path.of(System.getProperty("basedir", "."), "target", "rw-proxy-data")),
                new ProxyConfig.Reads(true, 5, WINDOW_MS, 200));
        proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(map)));
        try (Connection c = SharedProxy.direct(master, null); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS rwdb");
            s.execute("CREATE DATABASE rwdb");
            s.execute("CREATE TABLE rwdb.t (id INT PRIMARY KEY, v INT)");
            s.execute("INSERT INTO rwdb.t VALUES (1, 1)");
        }
        for (Endpoint r : List.of(r1, r2)) awaitRow(r, 1);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + proxy.port() + "/rwdb?sslMode=DISABLED", "app", "app-secret");
    }

    static int serverId(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        }
    }

    /** Which servers answered {@code n} reads of the table, by server id. */
    static Map<Integer, Integer> readers(Statement s, int n) throws SQLException {
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) seen.merge(serverId(s, "SELECT @@server_id FROM t WHERE id = 1"), 1, Integer::sum);
        return seen;
    }

    /** The session's settings hold on every server that answers it, replicas included, statement after statement. */
    @Test
    void sessionSettingsHoldOnTheMasterAndOnEveryReplica() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SET time_zone = '+05:00'");
            s.execute("SET @who = 'rw-session'");
            java.util.Set<Integer> servers = new java.util.HashSet<>();
            for (int i = 0; i < 12; i++) {
                try (ResultSet rs = s.executeQuery("SELECT @@server_id, @@session.time_zone, @who FROM t WHERE id = 1")) {
                    assertThat(rs.next()).isTrue();
                    servers.add(rs.getInt(1));
                    assertThat(rs.getString(2)).as("time zone on server %d", rs.getInt(1)).isEqualTo("+05:00");
                    assertThat(rs.getString(3)).as("@who on server %d", rs.getInt(1)).isEqualTo("rw-session");
                }
                try (ResultSet rs = s.executeQuery("/*+ shardgate:master */ SELECT @@session.time_zone, @who")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).as("time zone on the master").isEqualTo("+05:00");
                    assertThat(rs.getString(2)).isEqualTo("rw-session");
                }
            }
            assertThat(servers).as("replicas answered the reads").contains(r1.port(), r2.port());
        }
    }

    @Test
    void readsGoToTheReplicasByWeightAndNeverToTheMaster() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(Poll.until(Duration.ofSeconds(10), () -> {
                try {
                    return readers(s, 40).equals(Map.of(r1.port(), 10, r2.port(), 30));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            })).as("40 reads shared 1:3 by g0's replicas").isTrue();
        }
    }

    @Test
    void writesLockingReadsTransactionsAndTheHintGoToTheMaster() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(serverId(s, "SELECT @@server_id FROM t WHERE id = 1 FOR UPDATE")).isEqualTo(master.port());
            assertThat(serverId(s, "/*+ shardgate:master */ SELECT @@server_id FROM t WHERE id = 1")).isEqualTo(master.port());
            s.execute("BEGIN");
            assertThat(serverId(s, "SELECT @@server_id FROM t WHERE id = 1")).as("in a transaction").isEqualTo(master.port());
            s.execute("COMMIT");
            c.setAutoCommit(false);
            assertThat(serverId(s, "SELECT @@server_id FROM t WHERE id = 1")).as("autocommit off").isEqualTo(master.port());
            c.commit();
            c.setAutoCommit(true);
            assertThat(serverId(s, "SELECT @@server_id, LAST_INSERT_ID()")).as("a session function").isEqualTo(master.port());
        }
    }

    @Test
    void aReadRightAfterAWriteSeesItThenReadsReturnToReplicas() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (int k = 100; k < 110; k++) {
                s.executeUpdate("INSERT INTO t VALUES (" + k + ", " + k + ")");
                try (ResultSet rs = s.executeQuery("SELECT v, @@server_id FROM t WHERE id = " + k)) {
                    assertThat(rs.next()).as("row %d read right after its write", k).isTrue();
                    assertThat(rs.getInt(2)).isEqualTo(master.port());
                }
            }
            assertThat(Poll.until(Duration.ofSeconds(10), () -> {
                try {
                    return serverId(s, "SELECT @@server_id FROM t WHERE id = 1") != master.port();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            })).as("after the window reads go to replicas again").isTrue();
        }
    }

    /**
     * Read-your-writes by GTID: a read right after a write goes to a replica once it has applied the write
     * (MASTER_GTID_WAIT), and sees it.
     */
    @Test
    void byGtidAReadRightAfterAWriteIsAnsweredByAReplicaThatHasIt() throws Exception {
        ProxyConfig base = proxy.context().config;
        ProxyConfig gtid = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, base.shardMap(),
                base.users(), base.frontend(), base.backend(), base.tls(), new ProxyConfig.Reads(true, 5, 5_000, 200, true));
        try (ProxyServer p = ProxyServer.start(gtid, new StaticTopologySource(Topology.of(base.shardMap())));
             Connection c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + p.port() + "/rwdb?sslMode=DISABLED",
                     "app", "app-secret");
             Statement s = c.createStatement()) {
            java.util.Set<Integer> answeredBy = new java.util.HashSet<>();
            for (int k = 200; k < 220; k++) {
                s.executeUpdate("INSERT INTO t VALUES (" + k + ", " + k + ")");
                try (ResultSet rs = s.executeQuery("SELECT v, @@server_id FROM t WHERE id = " + k)) {
                    assertThat(rs.next()).as("row %d read right after its write", k).isTrue();
                    answeredBy.add(rs.getInt(2));
                }
            }
            assertThat(answeredBy).as("replicas answered, having waited for the write").doesNotContain(master.port())
                    .isSubsetOf(r1.port(), r2.port());
        }
    }

    /** A temporary table exists only on the session's master connection: after one, reads stay there. */
    @Test
    void aTemporaryTableKeepsTheSessionsReadsOnTheMaster() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE scratch (a INT)");
            s.executeUpdate("INSERT INTO scratch VALUES (7)");
            long until = System.nanoTime() + 3 * WINDOW_MS * 1_000_000;
            int reads = 0;
            while (System.nanoTime() < until || reads < 20) { // well past the read-your-writes window
                assertThat(serverId(s, "SELECT @@server_id FROM scratch")).isEqualTo(master.port());
                assertThat(serverId(s, "SELECT @@server_id FROM t WHERE id = 1")).isEqualTo(master.port());
                reads++;
            }
        }
    }

    @Test
    void aReplicaWithItsSqlThreadStoppedLeavesTheRotationAndReturns() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement(); Connection r = SharedProxy.direct(r2, null);
             Statement rs = r.createStatement()) {
            rs.execute("STOP SLAVE SQL_THREAD");
            try {
                assertThat(Poll.until(Duration.ofSeconds(10), () -> readersOrFail(s, 20).keySet().equals(java.util.Set.of(r1.port()))))
                        .as("only r1 answers while r2's SQL thread is stopped").isTrue();
            } finally {
                rs.execute("START SLAVE SQL_THREAD");
            }
            assertThat(Poll.until(Duration.ofSeconds(10), () -> readersOrFail(s, 20).containsKey(r2.port())))
                    .as("r2 back in rotation").isTrue();
        }
    }

    @Test
    void aStoppedReplicaFailsNoReadAndReturnsWhenRestarted() throws Exception {
        Sandbox sb = SharedSandbox.get();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(readers(s, 8)).containsKey(r1.port()); // this session holds a connection to r1
            sb.stopInstance(r1);
            try {
                // every read answers (from r2, or from the master while r1 is not yet known to be down)
                for (int i = 0; i < 50; i++) {
                    assertThat(serverId(s, "SELECT @@server_id FROM t WHERE id = 1")).isNotEqualTo(r1.port());
                }
                assertThat(Poll.until(Duration.ofSeconds(10), () -> readersOrFail(s, 8).keySet().equals(java.util.Set.of(r2.port()))))
                        .as("r1 out of rotation: r2 answers every read").isTrue();
            } finally {
                sb.startInstance(r1);
            }
            awaitRow(r1, 1);
            assertThat(Poll.until(Duration.ofSeconds(15), () -> readersOrFail(s, 8).containsKey(r1.port())))
                    .as("r1 back in rotation after its restart").isTrue();
        }
    }

    static Map<Integer, Integer> readersOrFail(Statement s, int n) {
        try {
            return readers(s, n);
        } catch (SQLException e) {
            throw new IllegalStateException("a read failed: " + e.getMessage(), e);
        }
    }

    /** Waits until {@code replica} has row {@code id} of rwdb.t (and its replication runs). */
    static void awaitRow(Endpoint replica, int id) {
        assertThat(Poll.until(Duration.ofSeconds(30), () -> {
            try (Connection c = SharedProxy.direct(replica, null); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM rwdb.t WHERE id = " + id)) {
                return rs.next() && rs.getInt(1) == 1;
            } catch (SQLException e) {
                return false;
            }
        })).as("%s replicated rwdb.t", replica).isTrue();
    }

}
