package io.shardgate.it;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new master takes a group's statements without restarting the proxy: the topology is read for every
 * statement, so once it names another master, even a session opened before sends that group's statements
 * there. (The promotion itself is the failover issue's; here the topology is published by hand and the
 * "new master" is a replica, which the proxy's account may write to.)
 */
@ExtendWith(SharedSandbox.class)
class MasterSwitchIT {

    @Test
    void aPublishedNewMasterTakesTheGroupsStatementsAtOnce() throws Exception {
        Sandbox sb = SharedSandbox.get();
        SandboxGroup g0 = sb.groups().get(0), g1 = sb.groups().get(1);
        Endpoint oldMaster = g1.master(), newMaster = g1.replicas().get(0);
        for (SandboxGroup g : List.of(g0, g1)) {
            String db = g == g0 ? "sw_db_0" : "sw_db_1";
            try (Connection c = SharedProxy.direct(g.master(), null); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db);
                s.execute("CREATE DATABASE " + db);
                s.execute("CREATE TABLE " + db + ".t (uid INT PRIMARY KEY, n INT DEFAULT 0)");
                s.execute("INSERT INTO " + db + ".t (uid) VALUES (" + (g == g0 ? 5 : 150) + ")");
            }
        }
        ShardSql.awaitReplication();
        ShardMap map = ShardMap.fromYaml(YamlNode.parse("switch.yaml", """
                schema: swdb
                groups:
                  g0: { master: %s }
                  g1: { master: %s, replicas: [%s] }
                shards:
                  s0: { group: g0, database: sw_db_0 }
                  s1: { group: g1, database: sw_db_1 }
                default_shard: s0
                tables:
                  t: { key: uid, range: [ { from: 1, to: 100, shard: s0 }, { from: 100, to: 200, shard: s1 } ] }
                """.formatted(g0.master(), oldMaster, newMaster)), 1);
        StaticTopologySource topology = new StaticTopologySource(Topology.of(map));
        ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, map,
                Map.of("app", new ProxyConfig.User("app", "app-secret", AuthPlugin.MYSQL_NATIVE_PASSWORD)),
                new ProxyConfig.Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, 16 << 20, 5_000, 0, 45, 4096),
                new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 2_000, 100, 8, 600_000),
                new ProxyConfig.Tls(false, null, null, Path.of(System.getProperty("basedir", "."), "target", "switch-proxy-data")),
                ProxyConfig.Reads.MASTER_ONLY);
        try (ProxyServer proxy = ProxyServer.start(config, topology);
             Connection before = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + proxy.port() + "/swdb?sslMode=DISABLED",
                     "app", "app-secret");
             Statement s = before.createStatement()) {
            assertThat(serverId(s, "SELECT @@server_id FROM t WHERE uid = 150")).isEqualTo(oldMaster.port());

            topology.publish(topology.current().withMaster("g1", newMaster));

            // the same session, the same statement: the group's statements go to the new master at once
            assertThat(Poll.until(Duration.ofSeconds(5), () -> serverIdOrFail(s, "SELECT @@server_id FROM t WHERE uid = 150")
                    == newMaster.port())).isTrue();
            assertThat(s.executeUpdate("UPDATE t SET n = n WHERE uid = 150")).as("a write, answered there").isLessThanOrEqualTo(1);
            // the default group's are unchanged
            assertThat(serverId(s, "SELECT @@server_id FROM t WHERE uid = 5")).isEqualTo(g0.master().port());
        }
        // a server-side prepared INSERT by key on a map where key 0 is in no shard: planned for its metadata with
        // a range's start instead
        try (ProxyServer proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(map)));
             Connection c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + proxy.port()
                     + "/swdb?sslMode=DISABLED&useServerPrepStmts=true", "app", "app-secret");
             java.sql.PreparedStatement ins = c.prepareStatement("INSERT INTO t (uid) VALUES (?)")) {
            ins.setInt(1, 7);
            assertThat(ins.executeUpdate()).isEqualTo(1);
        }
        try (Connection c = SharedProxy.direct(g0.master(), "sw_db_0"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t WHERE uid = 7")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    static int serverId(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        }
    }

    static int serverIdOrFail(Statement s, String sql) {
        try {
            return serverId(s, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
