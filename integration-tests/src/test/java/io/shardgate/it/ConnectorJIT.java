package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy through Connector/J, the way a Java application meets it. */
@ExtendWith(SharedProxy.class)
class ConnectorJIT {

    @BeforeAll
    static void schema() throws SQLException {
        try (Connection c = SharedProxy.connect(null); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS it_cj");
        }
    }

    @Test
    void ddlInsertSelectRoundTripThroughTheProxyAndLandOnTheMaster() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS person");
            s.execute("CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4, born DATE, score DECIMAL(8,2), note TEXT)");
            assertThat(s.executeUpdate("INSERT INTO person VALUES (1, 'Zoë', '1990-02-03', 12.50, NULL), (2, '李雷', '2001-12-31', -3.25, 'x')")).isEqualTo(2);
            try (ResultSet rs = s.executeQuery("SELECT id, name, born, score, note FROM person ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getString(2)).isEqualTo("Zoë");
                assertThat(rs.getDate(3).toString()).isEqualTo("1990-02-03");
                assertThat(rs.getBigDecimal(4)).isEqualByComparingTo("12.50");
                assertThat(rs.getString(5)).isNull();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("李雷");
                assertThat(rs.next()).isFalse();
            }
            assertThat(s.executeUpdate("UPDATE person SET score = score + 1")).isEqualTo(2);
        }
        // the rows really are on g0's master (the proxy's default group), read without the proxy
        try (Connection d = SharedProxy.direct(SharedSandbox.get().groups().get(0).master(), "it_cj");
             ResultSet rs = d.createStatement().executeQuery("SELECT SUM(score) FROM person")) {
            rs.next();
            assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("11.25");
        }
    }

    @Test
    void backendErrorsArriveWithTheirCodeAndSqlStateAndTheSessionGoesOn() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM no_such_table"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1146);
                        assertThat(e.getSQLState()).isEqualTo("42S02");
                        assertThat(e.getMessage()).contains("no_such_table");
                    });
            assertThatThrownBy(() -> s.execute("SELEC 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1064));
            try (ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void aTwentyMebibyteBlobRoundTrips() throws SQLException {
        byte[] blob = new byte[20 << 20];
        new Random(7).nextBytes(blob);
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS blobs");
            s.execute("CREATE TABLE blobs (id INT PRIMARY KEY, data LONGBLOB)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                ps.setInt(1, 1);
                ps.setBinaryStream(2, new ByteArrayInputStream(blob), blob.length);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT data, LENGTH(data) FROM blobs WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(2)).isEqualTo(blob.length);
                assertThat(Arrays.equals(rs.getBytes(1), blob)).as("blob content").isTrue();
            }
        }
    }

    @Test
    void aStatementLargerThanMaxPacketGetsError1153AndOtherClientsCarryOn() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            String huge = "SELECT '" + "x".repeat(SharedProxy.MAX_PACKET + 1024) + "'";
            assertThatThrownBy(() -> s.executeQuery(huge)).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isIn(1153, 0));
        }
        try (Connection other = SharedProxy.connect(null); ResultSet rs = other.createStatement().executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
        }
    }

    @Test
    void aWrongPasswordIsRefusedWith1045() {
        assertThatThrownBy(() -> DriverManager.getConnection(SharedProxy.url(null, null), SharedProxy.USER, "wrong"))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getErrorCode()).isEqualTo(1045);
                    assertThat(e.getSQLState()).isEqualTo("28000");
                });
        assertThatThrownBy(() -> DriverManager.getConnection(SharedProxy.url(null, null), "nobody", "x"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));
    }

    @Test
    void anUnknownDatabaseAtLoginGets1049() {
        assertThatThrownBy(() -> SharedProxy.connect("no_such_db_here"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1049));
    }

    @Test
    void nativePasswordUserOverTlsSeesAnEncryptedSession() throws SQLException {
        try (Connection c = DriverManager.getConnection(SharedProxy.url(null, "sslMode=REQUIRED"), SharedProxy.USER, SharedProxy.PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(c.getMetaData().getDatabaseProductVersion()).contains("MariaDB");
        }
    }

    @Test
    void multiStatementQueriesReturnEveryResult() throws SQLException {
        try (Connection c = DriverManager.getConnection(SharedProxy.url("it_cj", "allowMultiQueries=true"), SharedProxy.USER, SharedProxy.PASSWORD);
             Statement s = c.createStatement()) {
            assertThat(s.execute("SELECT 1 AS a; SELECT 2 AS b, 3 AS c; DO 0")).isTrue();
            List<String> seen = new ArrayList<>();
            do {
                try (ResultSet rs = s.getResultSet()) {
                    if (rs == null) break;
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) row.append(rs.getString(i));
                        seen.add(row.toString());
                    }
                }
            } while (s.getMoreResults() || s.getUpdateCount() != -1);
            assertThat(seen).containsExactly("1", "23");
        }
    }

    @Test
    void withoutAllowMultiQueriesTwoStatementsAreASyntaxError() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("SELECT 1; SELECT 2"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1064));
        }
    }

    @Test
    void sessionStateHoldsAcrossStatementsAndDoesNotLeakToTheNextSession() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            s.execute("SET @mark = 'session-one', time_zone = '+05:00'");
            try (ResultSet rs = s.executeQuery("SELECT @mark, @@time_zone, DATABASE()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("session-one");
                assertThat(rs.getString(2)).isEqualTo("+05:00");
                assertThat(rs.getString(3)).isEqualTo("it_cj");
            }
        }
        // pooled backend connections are reset before reuse: a later session never sees the earlier one's state
        for (int i = 0; i < 5; i++) {
            try (Connection c = SharedProxy.connect(null); ResultSet rs = c.createStatement().executeQuery("SELECT @mark, @@time_zone = '+05:00'")) {
                rs.next();
                assertThat(rs.getString(1)).isNull();
                assertThat(rs.getBoolean(2)).isFalse();
            }
        }
    }

    @Test
    void pingAndIsValidWork() throws SQLException {
        try (Connection c = SharedProxy.connect(null)) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    @Test
    void withUseServerPrepStmtsConnectorJPreparesOnTheProxy() throws SQLException {
        // COM_STMT_PREPARE / EXECUTE are the proxy's (docs/architecture.md, "Prepared statements")
        try (Connection c = DriverManager.getConnection(SharedProxy.url(null, "useServerPrepStmts=true"), SharedProxy.USER, SharedProxy.PASSWORD);
             PreparedStatement ps = c.prepareStatement("SELECT ? + 1")) {
            ps.setInt(1, 41);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void shardgateExplainShowsThePlanWithoutRunningTheStatement() throws SQLException {
        try (Connection c = SharedProxy.connect("it_cj"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS explained (id INT PRIMARY KEY)");
            s.execute("DELETE FROM explained");
            List<String> lines = new ArrayList<>();
            // executeQuery needs a result-producing first keyword: the SHOW form; execute() takes the plain one
            assertThat(s.execute("SHARDGATE EXPLAIN INSERT INTO explained VALUES (1)")).isTrue();
            s.getResultSet().close();
            try (ResultSet rs = s.executeQuery("SHOW SHARDGATE EXPLAIN INSERT INTO explained VALUES (1)")) {
                assertThat(rs.getMetaData().getColumnLabel(1)).isEqualTo("plan");
                while (rs.next()) lines.add(rs.getString(1));
            }
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("g0"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("reason:"));
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM explained")) {
                rs.next();
                assertThat(rs.getInt(1)).as("explained, not run").isZero();
            }
            assertThatThrownBy(() -> s.execute("SHARDGATE FROBNICATE"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1064);
                        assertThat(e.getMessage()).contains("SHARDGATE EXPLAIN <statement>");
                    });
        }
    }

    @Test
    void theSandboxAccountIsNotAProxyUser() {
        assertThatThrownBy(() -> DriverManager.getConnection(SharedProxy.url(null, null), Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));
    }
}
