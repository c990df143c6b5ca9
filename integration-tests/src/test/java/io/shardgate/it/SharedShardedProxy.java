package io.shardgate.it;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardDef;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.ShardedTable;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A second proxy per integration-test run, in this JVM, in front of {@link SharedSandbox}, running the
 * {@code ShardingRouter} over a real shard map (schema {@value #SCHEMA}):
 * <ul>
 * <li>shards s0 {g0, sg_db_0}, s1 {g0, sg_db_1}, s2 {g1, sg_db_2}, s3 {g1, sg_db_3}; default shard s0. Two shards
 *     share each server, so a statement sent to the right server but the wrong database is caught;</li>
 * <li>{@code user}: range on uid, [0,1000) s0, [1000,2000) s1, [2000,3000) s2, [3000,4000) s3;</li>
 * <li>{@code user_ex}: hash mod on uid over [s0, s1, s2, s3];</li>
 * <li>{@code user_event}: 16 hash slots on uid, s0 0-3, s1 4-7, s2 8-11, s3 12-15;</li>
 * <li>{@code city}: broadcast; any other table lives whole in s0.</li>
 * </ul>
 * The shard databases are dropped and created again (utf8mb4_general_ci, the collation the merge compares
 * exactly) on each master before the proxy starts, so each run starts clean. Use
 * {@code @ExtendWith(SharedShardedProxy.class)}; the proxy is closed at the end of the run through the root
 * extension store, before the sandbox.
 */
public final class SharedShardedProxy implements BeforeAllCallback {
    public static final String USER = "app";
    public static final String PASSWORD = "app-secret";
    public static final String SCHEMA = "shop";
    /** Charset and collation of every database the sharding tests create (shards and references alike). */
    public static final String DB_CHARSET = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedShardedProxy.class);
    private static ProxyServer proxy;
    private static ShardMap map;

    /** The sandbox's groups as the {@code groups:} section of a shard map. */
    static String groupsYaml(Sandbox sb) {
        StringBuilder groups = new StringBuilder("groups:\n");
        for (SandboxGroup g : sb.groups()) {
            groups.append("  ").append(g.name()).append(": { master: ").append(g.master()).append(", replicas: [")
                  .append(g.replicas().stream().map(Endpoint::toString).collect(Collectors.joining(", ")))
                  .append("] }\n");
        }
        return groups.toString();
    }

    static String yaml(Sandbox sb) {
        return "schema: " + SCHEMA + "\n"
                + groupsYaml(sb)
                + """
                shards:
                  s0: { group: g0, database: sg_db_0 }
                  s1: { group: g0, database: sg_db_1 }
                  s2: { group: g1, database: sg_db_2 }
                  s3: { group: g1, database: sg_db_3 }
                default_shard: s0
                tables:
                  user:
                    key: uid
                    range:
                      - { from: 0, to: 1000, shard: s0 }
                      - { from: 1000, to: 2000, shard: s1 }
                      - { from: 2000, to: 3000, shard: s2 }
                      - { from: 3000, to: 4000, shard: s3 }
                  user_ex:
                    key: uid
                    hash: { shards: [s0, s1, s2, s3] }
                  user_event:
                    key: uid
                    hash: { slots: 16, shards: { s0: "0-3", s1: "4-7", s2: "8-11", s3: "12-15" } }
                  city: { broadcast: true }
                """;
    }

    public static synchronized ProxyServer get() {
        if (proxy == null) {
            Sandbox sb = SharedSandbox.get();
            ShardMap m = ShardMap.fromYaml(YamlNode.parse("it-sharding.yaml", yaml(sb)), 1);
            try {
                for (ShardDef s : m.shards().values()) {
                    try (Connection c = SharedProxy.direct(m.group(s.group()).master(), null);
                         Statement st = c.createStatement()) {
                        st.execute("DROP DATABASE IF EXISTS " + s.database());
                        st.execute("CREATE DATABASE " + s.database() + " " + DB_CHARSET);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("could not prepare the shard databases", e);
            }
            Map<String, ProxyConfig.User> users = Map.of(
                    USER, new ProxyConfig.User(USER, PASSWORD, AuthPlugin.MYSQL_NATIVE_PASSWORD));
            Path dataDir = Path.of(System.getProperty("basedir", "."), "target", "proxy-data-sharded");
            ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, m, users,
                    new ProxyConfig.Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, 16 << 20, 5_000, 0, 45, 4096),
                    new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 5_000, 1_000, 64, 600_000),
                    new ProxyConfig.Tls(true, null, null, dataDir),
                    // reads to masters: these tests read what other connections (or the backends directly) just
                    // wrote; replica reads have their own proxy in ReadWriteSplitIT
                    ProxyConfig.Reads.MASTER_ONLY,
                    // transactions across groups by XA, the decision log in the proxy's data directory
                    new ProxyConfig.Transactions(true, "it", dataDir));
            try {
                proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(m)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            map = m;
        }
        return proxy;
    }

    public static ShardMap map() {
        get();
        return map;
    }

    public static int port() {
        return get().port();
    }

    /** {@code jdbc:mysql://127.0.0.1:<proxy>/shop?<params>} with sslMode=DISABLED unless params say otherwise. */
    public static String url(String params) {
        return url(SCHEMA, params);
    }

    /** As {@link #url(String)} with another database in the URL (null or "" for none). */
    public static String url(String db, String params) {
        String p = params == null || params.isEmpty() ? "" : "&" + params;
        String ssl = p.contains("sslMode=") ? "" : "&sslMode=DISABLED";
        return "jdbc:mysql://127.0.0.1:" + port() + "/" + (db == null ? "" : db) + "?connectTimeout=10000" + ssl + p;
    }

    /** A connection to the sharding proxy with the logical database {@value #SCHEMA} selected. */
    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(url(null), USER, PASSWORD);
    }

    /** A connection to the sharding proxy with {@code db} selected (null: none). */
    public static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(url(db, null), USER, PASSWORD);
    }

    /** A connection straight to the master of {@code shard}'s group (root), with the shard's database selected. */
    public static Connection direct(String shard) throws SQLException {
        ShardDef s = map().shard(shard);
        if (s == null) throw new IllegalArgumentException("no shard " + shard + "; shards: " + map.shards().keySet());
        return SharedProxy.direct(map.group(s.group()).master(), s.database());
    }

    /** The shards in declaration order: s0, s1, s2, s3. */
    public static List<String> shards() {
        return List.copyOf(map().shards().keySet());
    }

    /** The physical database of {@code shard}. */
    public static String database(String shard) {
        return map().shard(shard).database();
    }

    /** The shard holding key {@code uid} of sharded table {@code table}, by the map itself. */
    public static String shardOf(String table, long uid) {
        return ((ShardedTable) map().table(table)).shardFor(uid);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // the sandbox must outlive the proxy: the store closes in reverse order of insertion, so it goes in first
        new SharedSandbox().beforeAll(context);
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Closer.class, k -> new Closer(get()), Closer.class);
    }

    private record Closer(ProxyServer server) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (SharedShardedProxy.class) {
                server.close();
                if (proxy == server) {
                    proxy = null;
                    map = null;
                }
            }
        }
    }
}
