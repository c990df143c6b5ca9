package io.shardgate.it;

import com.mysql.cj.jdbc.JdbcConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a session owns: its backend connection, its KILLs, its database; and nothing leaks to the next one. */
@ExtendWith(SharedProxy.class)
class SessionIT {

    private static long proxyId(Connection c) {
        return ((JdbcConnection) c).getId(); // the thread id from the greeting: the proxy's connection id
    }

    @Test
    void statementCancelKillsExactlyTheCancelledStatement() throws Exception {
        try (Connection victim = SharedProxy.connect(null); Connection bystander = SharedProxy.connect(null);
             Statement s = victim.createStatement()) {
            CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = s.executeQuery("SELECT SLEEP(30)")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (SQLException e) {
                    return e;
                }
            });
            // wait until the statement runs on the backend, then cancel it the way Connector/J does (KILL QUERY <id>)
            assertThat(Poll.until(Duration.ofSeconds(10), () -> sleeping() > 0)).isTrue();
            s.cancel();
            Object outcome = running.get(15, TimeUnit.SECONDS);
            // MariaDB ends an interrupted SLEEP() with 1, or Connector/J reports the cancel as an exception
            assertThat(outcome).satisfiesAnyOf(o -> assertThat(o).isEqualTo(1), o -> assertThat(o).isInstanceOf(SQLException.class));
            try (ResultSet rs = bystander.createStatement().executeQuery("SELECT 'untouched'")) {
                assertThat(rs.next()).isTrue();
            }
            try (ResultSet rs = victim.createStatement().executeQuery("SELECT 'still usable'")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    private static int sleeping() {
        try (Connection d = SharedProxy.direct(SharedSandbox.get().groups().get(0).master(), null);
             ResultSet rs = d.createStatement().executeQuery(
                     "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(30)'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            return 0;
        }
    }

    @Test
    void killConnectionClosesTheTargetSessionAndUnknownIdsAreRefused() throws Exception {
        try (Connection victim = SharedProxy.connect(null); Connection killer = SharedProxy.connect(null)) {
            long id = proxyId(victim);
            killer.createStatement().execute("KILL " + id);
            assertThat(Poll.until(Duration.ofSeconds(10), () -> !isValid(victim))).as("the killed session is closed").isTrue();
            assertThatThrownBy(() -> killer.createStatement().execute("KILL 987654321"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1094));
            assertThat(isValid(killer)).isTrue();
        }
    }

    @Test
    void aUserCannotKillAnotherUsersSession() throws Exception {
        try (Connection victim = SharedProxy.connect(null);
             Connection other = DriverManager.getConnection(SharedProxy.url(null, null), SharedProxy.OTHER_USER, SharedProxy.OTHER_PASSWORD)) {
            assertThatThrownBy(() -> other.createStatement().execute("KILL QUERY " + proxyId(victim)))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1095));
            assertThat(isValid(victim)).isTrue();
        }
    }

    @Test
    void aMultiplexedSessionOutlivesTheBackendConnectionItLastUsed() throws Exception {
        try (Connection c = SharedProxy.connect(null)) {
            long backendThread = backendThread(c);
            try (Connection d = SharedProxy.direct(SharedSandbox.get().groups().get(0).master(), null)) {
                d.createStatement().execute("KILL " + backendThread);
            }
            // the session held no state there: it goes on, its statements on another connection (one racing the
            // proxy's noticing the death may fail with 1429; none closes the session)
            assertThat(Poll.until(Duration.ofSeconds(10), () -> isValid(c))).isTrue();
            assertThat(backendThread(c)).isNotEqualTo(backendThread);
        }
    }

    @Test
    void whenTheBackendConnectionWithTheSessionsStateDiesTheIdleClientIsClosedNotLeftHanging() throws Exception {
        try (Connection c = SharedProxy.connect(null)) {
            // a temporary table lives on one backend connection: the session keeps that connection, and dies with it
            c.createStatement().execute("CREATE TEMPORARY TABLE test.session_it_tmp (x INT)");
            long backendThread = backendThread(c);
            assertThat(backendThread(c)).as("a session with a temporary table keeps its connection").isEqualTo(backendThread);
            try (Connection d = SharedProxy.direct(SharedSandbox.get().groups().get(0).master(), null)) {
                d.createStatement().execute("KILL " + backendThread);
            }
            assertThat(Poll.until(Duration.ofSeconds(10), () -> !isValid(c))).isTrue();
        }
    }

    @Test
    void showWarningsSeesTheSessionsOwnLastStatementOnlyThoughConnectionsAreShared() throws Exception {
        try (Connection c = SharedProxy.connect(null); Connection other = SharedProxy.connect(null)) {
            // another client leaves warnings on a backend connection the pool may hand to c next
            other.createStatement().executeQuery("SELECT CAST('x' AS SIGNED), CAST('y' AS SIGNED)").close();
            c.createStatement().executeQuery("SELECT 1").close();
            assertThat(warnings(c)).as("c's last statement left none").isEmpty();
            c.createStatement().executeQuery("SELECT CAST('abc' AS SIGNED)").close();
            assertThat(warnings(c)).singleElement().asString().contains("abc");
            assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT * FROM no_such_db.no_such_table"))
                    .isInstanceOf(SQLException.class);
            assertThat(warnings(c)).as("SHOW WARNINGS after an error shows it").singleElement().asString().contains("no_such");
        }
    }

    private static List<String> warnings(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("SHOW WARNINGS")) {
            while (rs.next()) out.add(rs.getString("Message"));
        }
        return out;
    }

    private static long backendThread(Connection c) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aSessionWithoutADatabaseNeverInheritsOneFromAPooledConnection() throws Exception {
        for (int i = 0; i < 6; i++) {
            try (Connection c = SharedProxy.connect("mysql")) {
                c.createStatement().executeQuery("SELECT 1").close();
            }
            try (Connection c = SharedProxy.connect(null); ResultSet rs = c.createStatement().executeQuery("SELECT DATABASE()")) {
                rs.next();
                assertThat(rs.getString(1)).as("round %d", i).isNull();
            }
        }
    }

    private static boolean isValid(Connection c) {
        try {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
