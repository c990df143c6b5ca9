package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions across groups, through a proxy running as its own process (so that it can be killed): they commit
 * and roll back as one, and a proxy killed between XA PREPARE and COMMIT leaves, once started again, every group
 * committed (the decision was logged) or every group rolled back (it was not), never a mix.
 */
@ExtendWith(SharedSandbox.class)
class XaTransactionIT {
    static List<SandboxGroup> groups;
    static ProxyProcess proxy;

    @BeforeAll
    static void prepare() throws Exception {
        Sandbox sb = SharedSandbox.get();
        groups = sb.groups();
        for (int g = 0; g < 2; g++) {
            try (Connection c = SharedProxy.direct(groups.get(g).master(), null); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS xa_db_" + g);
                s.execute("CREATE DATABASE xa_db_" + g);
                s.execute("CREATE TABLE xa_db_" + g + ".account (uid BIGINT PRIMARY KEY, balance INT NOT NULL)");
            }
        }
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "xa-proxy");
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        // accounts below 1000 live on g0, the others on g1
        proxy = new ProxyProcess(dir, """
                schema: bank
                groups:
                  g0: { master: %s }
                  g1: { master: %s }
                shards:
                  a0: { group: g0, database: xa_db_0 }
                  a1: { group: g1, database: xa_db_1 }
                default_shard: a0
                tables:
                  account:
                    key: uid
                    range:
                      - { from: 0, to: 1000, shard: a0 }
                      - { from: 1000, to: 2000, shard: a1 }
                """.formatted(groups.get(0).master(), groups.get(1).master()), """
                reads:
                  replicas: false
                transactions:
                  cross_group: xa
                  instance_id: xait
                """);
    }

    /** Starts the proxy process; {@code haltAt} names a test crash point (or null). */
    void startProxy(String haltAt) throws Exception {
        if (haltAt == null) proxy.start("-Xmx128m");
        else proxy.start("-Xmx128m", "-Dshardgate.xa.haltAt=" + haltAt);
    }

    @AfterEach
    void stopProxy() throws Exception {
        proxy.stop();
        for (int g = 0; g < 2; g++) {
            try (Connection c = SharedProxy.direct(groups.get(g).master(), null); Statement s = c.createStatement()) {
                s.execute("DELETE FROM xa_db_" + g + ".account");
            }
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + proxy.port + "/bank?sslMode=DISABLED&connectTimeout=10000"
                + "&socketTimeout=60000", "app", "app-secret");
    }

    /** Balances on group {@code g}'s master, read directly: uid=balance, in uid order. */
    static List<String> balances(int g) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = SharedProxy.direct(groups.get(g).master(), null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT uid, balance FROM xa_db_" + g + ".account ORDER BY uid")) {
            while (rs.next()) out.add(rs.getLong(1) + "=" + rs.getInt(2));
        }
        return out;
    }

    /** Prepared XA branches of this proxy instance still on group {@code g}'s master. */
    static int preparedBranches(int g) throws SQLException {
        int n = 0;
        try (Connection c = SharedProxy.direct(groups.get(g).master(), null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("XA RECOVER")) {
            while (rs.next()) if (rs.getString("data").startsWith("sg-xait-")) n++;
        }
        return n;
    }

    @Test
    void aTransferBetweenGroupsCommitsAndRollsBackAsOne() throws Exception {
        startProxy(null);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO account (uid, balance) VALUES (1, 100), (1001, 100)"); // one statement, two groups
            c.setAutoCommit(false);
            s.executeUpdate("UPDATE account SET balance = balance - 30 WHERE uid = 1");
            s.executeUpdate("UPDATE account SET balance = balance + 30 WHERE uid = 1001");
            assertThat(balances(1)).as("not committed yet").containsExactly("1001=100");
            c.commit();
            assertThat(balances(0)).containsExactly("1=70");
            assertThat(balances(1)).containsExactly("1001=130");

            s.executeUpdate("UPDATE account SET balance = balance - 50 WHERE uid = 1001");
            s.executeUpdate("INSERT INTO account (uid, balance) VALUES (2, 50), (1002, 0)"); // a new row on each group
            c.rollback();
            assertThat(balances(0)).containsExactly("1=70");
            assertThat(balances(1)).containsExactly("1001=130");
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("SELECT SUM(balance) FROM account")) {
                rs.next();
                assertThat(rs.getInt(1)).as("money is neither made nor lost").isEqualTo(200);
            }
        }
        assertThat(preparedBranches(0) + preparedBranches(1)).isZero();
    }

    @Test
    void aProxyKilledBeforeItsDecisionLeavesEveryGroupRolledBackAfterRestart() throws Exception {
        transferThroughAProxyThatDies("prepared");
        assertThat(preparedBranches(0)).as("branches left prepared, holding their locks, until recovery").isEqualTo(1);
        assertThat(preparedBranches(1)).isEqualTo(1);
        startProxy(null); // recovery runs before it listens
        assertThat(preparedBranches(0) + preparedBranches(1)).isZero();
        assertThat(balances(0)).as("no decision: rolled back").containsExactly("1=100");
        assertThat(balances(1)).containsExactly("1001=100");
        assertThat(Files.readString(proxy.log())).contains("rolled back");
    }

    @Test
    void aProxyKilledAfterItsDecisionLeavesEveryGroupCommittedAfterRestart() throws Exception {
        transferThroughAProxyThatDies("decided");
        assertThat(preparedBranches(0)).isEqualTo(1);
        assertThat(preparedBranches(1)).isEqualTo(1);
        startProxy(null);
        assertThat(preparedBranches(0) + preparedBranches(1)).isZero();
        assertThat(balances(0)).as("decided: committed").containsExactly("1=70");
        assertThat(balances(1)).containsExactly("1001=130");
        // and the proxy that recovered serves the same rows
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT uid, balance FROM account ORDER BY uid")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) rows.add(rs.getLong(1) + "=" + rs.getInt(2));
            assertThat(rows).containsExactly("1=70", "1001=130");
        }
    }

    /** Two accounts of 100, then a transfer of 30 whose COMMIT halts the proxy at {@code haltAt}. */
    private void transferThroughAProxyThatDies(String haltAt) throws Exception {
        startProxy(haltAt);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO account (uid, balance) VALUES (1, 100), (1001, 100)");
            c.setAutoCommit(false);
            s.executeUpdate("UPDATE account SET balance = balance - 30 WHERE uid = 1");
            s.executeUpdate("UPDATE account SET balance = balance + 30 WHERE uid = 1001");
            assertThatThrownBy(c::commit).as("the proxy dies during COMMIT").isInstanceOf(SQLException.class);
        }
        assertThat(proxy.awaitExit(30)).as("the proxy halted at its crash point").isEqualTo(99);
    }
}
