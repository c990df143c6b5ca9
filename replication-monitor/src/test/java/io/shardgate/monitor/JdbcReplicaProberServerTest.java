package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against a real replica, only when asked: {@code -Dshardgate.monitor.replica=127.0.0.1:27317} (a replica whose root
 * has no password on loopback, as in the sandbox), optionally {@code -Dshardgate.monitor.master=127.0.0.1:27316},
 * {@code -Dshardgate.monitor.user=shardgate -Dshardgate.monitor.password=shardgate} (the prober's account). Skipped
 * otherwise, so the normal build needs no server. Stops and restarts the replica's SQL thread.
 */
class JdbcReplicaProberServerTest {
    private static Endpoint replica;
    private static final String USER = System.getProperty("shardgate.monitor.user", "shardgate");
    private static final String PASSWORD = System.getProperty("shardgate.monitor.password", "shardgate");

    @BeforeAll
    static void needsAServer() {
        String r = System.getProperty("shardgate.monitor.replica");
        assumeTrue(r != null && !r.isBlank(), "set -Dshardgate.monitor.replica=host:port to probe a real replica");
        replica = Endpoint.parse(r);
        assumeTrue(listening(replica), "nothing listens at " + replica);
    }

    private static boolean listening(Endpoint e) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(e.host(), e.port()), 1000);
            return true;
        } catch (IOException ex) {
            return false;
        }
    }

    private static Connection root(Endpoint e) throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + e + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true", "root", "");
    }

    private static void replicationCommand(Connection c, String replicaSyntax, String slaveSyntax) throws SQLException {
        try (Statement st = c.createStatement()) {
            try {
                st.execute(replicaSyntax);
            } catch (SQLException e) {
                if (e.getErrorCode() != 1064) throw e;
                st.execute(slaveSyntax);
            }
        }
    }

    /** Probes until {@code until} holds or 30 s pass; returns the last probe. */
    private static ReplicaProbe probeUntil(JdbcReplicaProber prober, Predicate<ReplicaProbe> until) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        ReplicaProbe p;
        do {
            p = prober.probe(replica);
        } while (!until.test(p) && System.nanoTime() < deadline);
        return p;
    }

    @Test
    void probesARunningReplicaThenAStoppedSqlThreadThenRunningAgain() throws Exception {
        try (JdbcReplicaProber prober = new JdbcReplicaProber(USER, PASSWORD, 2000); Connection root = root(replica)) {
            ReplicaProbe ok = prober.probe(replica);
            assertThat(ok.error()).isNull();
            assertThat(ok).isEqualTo(ReplicaProbe.status(true, true, ok.secondsBehind()));
            assertThat(ok.secondsBehind()).isNotNull();
            assertThat(ReplicaRotation.problem(ok, 5)).isNull();
            Connection kept = prober.kept(replica);
            assertThat(prober.probe(replica).error()).isNull();
            assertThat(prober.kept(replica)).isSameAs(kept); // reused between probes

            replicationCommand(root, "STOP REPLICA SQL_THREAD", "STOP SLAVE SQL_THREAD");
            try {
                ReplicaProbe stopped = probeUntil(prober, p -> !p.sqlRunning());
                assertThat(stopped.reachable()).isTrue();
                assertThat(stopped.sqlRunning()).isFalse();
                assertThat(stopped.ioRunning()).isTrue();
                assertThat(stopped.secondsBehind()).isNull();
                assertThat(ReplicaRotation.problem(stopped, 5)).isEqualTo("SQL thread stopped");
            } finally {
                replicationCommand(root, "START REPLICA SQL_THREAD", "START SLAVE SQL_THREAD");
            }
            ReplicaProbe again = probeUntil(prober, p -> ReplicaRotation.problem(p, 5) == null);
            assertThat(ReplicaRotation.problem(again, 5)).isNull();
            assertThat(prober.kept(replica)).isSameAs(kept);
        }
    }

    @Test
    void theMonitorTakesAReplicaWithAStoppedSqlThreadOutAndBack() throws Exception {
        Topology topology = new Topology(1, java.util.Map.of("g0",
                new Topology.Member("g0", Endpoint.parse("127.0.0.1:1"), java.util.List.of(replica), 1)));
        try (ReplicaMonitor monitor = ReplicaMonitor.jdbc(() -> topology, USER, PASSWORD, ReplicaMonitor.Settings.DEFAULTS);
             Connection root = root(replica)) {
            assertThat(monitor.probeOnce()).isEmpty();
            assertThat(monitor.inRotation(replica)).isTrue();
            replicationCommand(root, "STOP REPLICA SQL_THREAD", "STOP SLAVE SQL_THREAD");
            try {
                assertThat(monitor.probeOnce()).containsExactly(new ReplicaRotation.Transition(replica, false, "SQL thread stopped"));
                assertThat(monitor.inRotation(replica)).isFalse();
            } finally {
                replicationCommand(root, "START REPLICA SQL_THREAD", "START SLAVE SQL_THREAD");
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!monitor.inRotation(replica) && System.nanoTime() < deadline) monitor.probeOnce();
            assertThat(monitor.inRotation(replica)).isTrue();
        }
    }

    @Test
    void aKeptConnectionKilledByTheServerIsReopenedWithinTheProbe() throws Exception {
        try (JdbcReplicaProber prober = new JdbcReplicaProber(USER, PASSWORD, 2000); Connection root = root(replica)) {
            assertThat(prober.probe(replica).error()).isNull();
            Connection kept = prober.kept(replica);
            long id;
            try (Statement st = kept.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
                rs.next();
                id = rs.getLong(1);
            }
            try (Statement st = root.createStatement()) {
                st.execute("KILL " + id);
            }
            ReplicaProbe p = prober.probe(replica);
            assertThat(p.error()).isNull();
            assertThat(prober.kept(replica)).isNotSameAs(kept);
            assertThat(prober.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void aMasterIsNotReplicating() {
        String m = System.getProperty("shardgate.monitor.master");
        assumeTrue(m != null && !m.isBlank(), "set -Dshardgate.monitor.master=host:port");
        Endpoint master = Endpoint.parse(m);
        try (JdbcReplicaProber prober = new JdbcReplicaProber(USER, PASSWORD, 2000)) {
            assertThat(prober.probe(master)).isEqualTo(ReplicaProbe.notReplicating());
        }
    }

    @Test
    void anAccountWithoutTheMonitorPrivilegeGetsAReadableError() throws Exception {
        String user = "sg_probe_noprivs";
        try (Connection root = root(replica); Statement st = root.createStatement()) {
            // MariaDB 10.5.9+ needs SLAVE MONITOR; on MySQL, REPLICATION CLIENT is enough
            assumeTrue(root.getMetaData().getDatabaseProductVersion().contains("MariaDB"), "MariaDB only");
            st.execute("SET SESSION sql_log_bin = 0"); // local to this replica: no binlog event
            st.execute("CREATE USER IF NOT EXISTS '" + user + "'@'127.0.0.1' IDENTIFIED BY 'p'");
            st.execute("GRANT REPLICATION CLIENT ON *.* TO '" + user + "'@'127.0.0.1'");
            try (JdbcReplicaProber prober = new JdbcReplicaProber(user, "p", 2000)) {
                ReplicaProbe p = prober.probe(replica);
                System.out.println("probe as " + user + " (REPLICATION CLIENT only): " + p);
                assertThat(p.reachable()).isTrue();
                assertThat(p.error()).startsWith("cannot read replica status: ");
            } finally {
                st.execute("DROP USER '" + user + "'@'127.0.0.1'");
            }
        }
    }
}
