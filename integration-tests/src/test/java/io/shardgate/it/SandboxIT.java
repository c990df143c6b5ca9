package io.shardgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardgate.rules.Endpoint;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

// JDBC here is control plane (checking the sandbox servers directly), not the proxy's request path.
@ExtendWith(SharedSandbox.class)
class SandboxIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static Sandbox sb;

    @BeforeAll
    static void setUp() throws SQLException {
        sb = SharedSandbox.get();
        assertThat(sb.groups()).hasSize(2);
        assertThat(sb.flavor()).startsWith("MariaDB");
        for (SandboxGroup g : sb.groups()) {
            try (Connection c = connect(g.master(), Sandbox.ROOT_USER, null)) {
                exec(c, "CREATE DATABASE IF NOT EXISTS it_sandbox");
            }
        }
    }

    @Test
    void layoutAndPorts() {
        SandboxGroup g0 = sb.groups().get(0);
        SandboxGroup g1 = sb.groups().get(1);
        int base = SharedSandbox.basePort();
        assertThat(g0.name()).isEqualTo("g0");
        assertThat(g0.master()).isEqualTo(new Endpoint("127.0.0.1", base));
        assertThat(g0.replicas()).containsExactly(new Endpoint("127.0.0.1", base + 1), new Endpoint("127.0.0.1", base + 2));
        assertThat(g1.master().port()).isEqualTo(base + 10);
    }

    @Test
    void mastersWritableReplicasReadOnly() throws SQLException {
        for (SandboxGroup g : sb.groups()) {
            assertThat(scalar(g.master(), "SELECT @@read_only")).isEqualTo("0");
            for (Endpoint r : g.replicas()) assertThat(scalar(r, "SELECT @@read_only")).as(r.toString()).isEqualTo("1");
        }
    }

    @Test
    void semiSyncIsOnAtMasters() throws SQLException {
        for (SandboxGroup g : sb.groups()) {
            assertThat(scalar(g.master(), "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'")).isEqualTo("ON");
            assertThat(scalar(g.master(), "SELECT @@gtid_strict_mode")).isEqualTo("1");
        }
    }

    @Test
    void proxyAccountUsesNativePasswordAndHasAllPrivileges() throws SQLException {
        for (SandboxGroup g : sb.groups()) {
            try (Connection c = connect(g.master(), Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD)) {
                assertThat(query(c, "SELECT CURRENT_USER()")).isEqualTo("shardgate@127.0.0.1");
                assertThat(query(c, "SELECT plugin FROM mysql.user WHERE user = 'shardgate' AND host = '127.0.0.1'"))
                        .isEqualTo("mysql_native_password");
                assertThat(query(c, "SHOW GRANTS")).contains("ALL PRIVILEGES", "WITH GRANT OPTION");
            }
        }
    }

    @Test
    void rowsReachOwnReplicasOnly() throws Exception {
        for (SandboxGroup g : sb.groups()) {
            try (Connection c = connect(g.master(), Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD)) {
                exec(c, "CREATE TABLE IF NOT EXISTS it_sandbox.t_" + g.name() + " (id INT PRIMARY KEY, v VARCHAR(64))");
                exec(c, "INSERT INTO it_sandbox.t_" + g.name() + " VALUES (1, '" + g.name() + "')");
            }
        }
        for (SandboxGroup g : sb.groups()) {
            for (Endpoint r : g.replicas()) {
                awaitTrue(r + " has the row of " + g.name(),
                        () -> g.name().equals(scalarOrNull(r, "SELECT v FROM it_sandbox.t_" + g.name() + " WHERE id = 1")));
            }
        }
        // both groups are caught up now (checked above), so a missing table is final
        for (Endpoint r : sb.groups().get(0).replicas()) {
            assertThat(scalar(r, "SELECT COUNT(*) FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = 'it_sandbox' AND TABLE_NAME = 't_g1'")).isEqualTo("0");
        }
    }

    @Test
    void stoppedReplicaCatchesUpAfterRestart() throws Exception {
        SandboxGroup g0 = sb.groups().get(0);
        Endpoint replica = g0.replicas().get(0);
        String marker = UUID.randomUUID().toString();
        try (Connection c = connect(g0.master(), Sandbox.ROOT_USER, null)) {
            exec(c, "CREATE TABLE IF NOT EXISTS it_sandbox.drill (id INT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(64))");
        }
        awaitTrue(replica + " has the drill table", () -> "1".equals(scalarOrNull(replica,
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'it_sandbox' AND TABLE_NAME = 'drill'")));

        sb.stopInstance(replica);
        assertThatThrownBy(() -> scalar(replica, "SELECT 1")).isInstanceOf(SQLException.class);
        try (Connection c = connect(g0.master(), Sandbox.ROOT_USER, null)) {
            // the other replica still acknowledges, so semi-sync does not stall this commit
            exec(c, "INSERT INTO it_sandbox.drill (marker) VALUES ('" + marker + "')");
        }
        sb.startInstance(replica);
        assertThat(scalar(replica, "SELECT @@read_only")).isEqualTo("1");
        awaitTrue(replica + " caught up", () -> "1".equals(scalarOrNull(replica,
                "SELECT COUNT(*) FROM it_sandbox.drill WHERE marker = '" + marker + "'")));
        awaitTrue(g0.master() + " has 2 semi-sync clients again", () -> "2".equals(scalarOrNull(g0.master(),
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'")));
    }

    // ---- helpers ----

    private static Connection connect(Endpoint hp, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + hp + "/?sslMode=DISABLED&connectTimeout=3000", user, password);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String scalar(Endpoint hp, String sql) throws SQLException {
        try (Connection c = connect(hp, Sandbox.ROOT_USER, null)) {
            return query(c, sql);
        }
    }

    /** Like {@link #scalar} but null while the table/db does not exist yet. */
    private static String scalarOrNull(Endpoint hp, String sql) throws SQLException {
        try {
            return scalar(hp, sql);
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146 || e.getErrorCode() == 1049) return null; // no such table / database
            throw e;
        }
    }

    private static void awaitTrue(String what, Callable<Boolean> probe) {
        Exception[] last = new Exception[1];
        boolean ok = Poll.until(DEADLINE, () -> {
            try {
                return probe.call();
            } catch (Exception e) {
                last[0] = e; // a server still starting: keep polling until the deadline, report it if it lasts
                return false;
            }
        });
        if (!ok) throw new AssertionError("timed out after " + DEADLINE.toSeconds() + " s: " + what, last[0]);
    }
}
