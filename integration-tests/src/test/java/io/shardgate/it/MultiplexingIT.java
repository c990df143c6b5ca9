package io.shardgate.it;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.backend.BackendPool;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardDef;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Multiplexing: 1,000 client connections, each with its own settings, served by a proxy allowed
 * {@value #MAX_PER_INSTANCE} connections per backend server. Every client's time zone and user variable must
 * hold on whatever backend connection serves it, its rows land and read back, LAST_INSERT_ID() is its own, and
 * a session holding a temporary table keeps it throughout.
 */
@ExtendWith(SharedSandbox.class)
class MultiplexingIT {
    static final int CLIENTS = 1_000;
    static final int MAX_PER_INSTANCE = 32;
    static final int THREADS = 48;
    static final int ROUNDS = 2;
    static final String USER = "mux";
    static final String PASSWORD = "mux-secret";

    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        Sandbox sb = SharedSandbox.get();
        String yaml = "schema: mux\n" + SharedShardedProxy.groupsYaml(sb) + """
                shards:
                  m0: { group: g0, database: mux_db_0 }
                  m1: { group: g1, database: mux_db_1 }
                default_shard: m0
                tables:
                  item:
                    key: uid
                    hash: { shards: [m0, m1] }
                """;
        ShardMap map = ShardMap.fromYaml(YamlNode.parse("mux-sharding.yaml", yaml), 1);
        for (ShardDef s : map.shards().values()) {
            try (Connection c = SharedProxy.direct(map.group(s.group()).master(), null); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + s.database());
                st.execute("CREATE DATABASE " + s.database());
            }
        }
        ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", SharedProxy.freePort()), null, map,
                Map.of(USER, new ProxyConfig.User(USER, PASSWORD, AuthPlugin.MYSQL_NATIVE_PASSWORD)),
                new ProxyConfig.Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, 16 << 20, 10_000, 0, 45, 4096),
                new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 5_000, MAX_PER_INSTANCE,
                        MAX_PER_INSTANCE, 600_000, 20_000, true),
                new ProxyConfig.Tls(false, null, null, Path.of(System.getProperty("basedir", "."), "target", "proxy-data-mux")),
                ProxyConfig.Reads.DEFAULTS); // replicas answer reads too: the settings must hold on their connections
        proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(map)));
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE item (uid BIGINT PRIMARY KEY, note VARCHAR(40))");
            st.execute("CREATE TABLE counter (id BIGINT AUTO_INCREMENT PRIMARY KEY, who INT)");
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + proxy.port() + "/mux?sslMode=DISABLED"
                + "&connectTimeout=20000&socketTimeout=60000", USER, PASSWORD);
    }

    /**
     * A time zone per client (whole hours: MariaDB 10.11 itself answers some offsets a few minutes apart with
     * one another's, '-04:21' after '-04:29' was used, on direct connections too).
     */
    static String zone(int i) {
        int hours = (i % 25) - 12;
        return String.format("%s%02d:00", hours < 0 ? "-" : "+", Math.abs(hours));
    }

    @Test
    void aThousandClientsWithTheirOwnSettingsShareFewBackendConnections() throws Exception {
        List<Connection> clients = new ArrayList<>(CLIENTS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicInteger maxOpen = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try {
            // 1,000 logins, each setting its own time zone and user variable
            List<Future<Connection>> opened = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                opened.add(pool.submit(() -> {
                    Connection c = connect();
                    try (Statement st = c.createStatement()) {
                        st.execute("SET time_zone = '" + zone(n) + "'");
                        st.execute("SET SESSION group_concat_max_len = " + (4096 + n));
                        st.execute("SET @who = " + n);
                    }
                    return c;
                }));
            }
            for (Future<Connection> f : opened) clients.add(f.get(120, TimeUnit.SECONDS));
            assertThat(proxy.context().openClientConnections()).as("client connections open at once").isGreaterThanOrEqualTo(CLIENTS);

            // one client keeps a temporary table: its session keeps its connection
            Connection keeper = clients.get(0);
            try (Statement st = keeper.createStatement()) {
                st.execute("CREATE TEMPORARY TABLE kept (x INT)");
                st.execute("INSERT INTO kept VALUES (42)");
            }

            // every client, ROUNDS times, from THREADS threads: bounded by count and by a deadline
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            ConcurrentLinkedQueue<int[]> work = new ConcurrentLinkedQueue<>();
            for (int r = 0; r < ROUNDS; r++) for (int i = 0; i < CLIENTS; i++) work.add(new int[] {i, r});
            List<Future<?>> workers = new ArrayList<>();
            AtomicInteger done = new AtomicInteger();
            for (int t = 0; t < THREADS; t++) {
                workers.add(pool.submit(() -> {
                    int[] job;
                    while ((job = work.poll()) != null && System.nanoTime() < deadline) {
                        int i = job[0];
                        Connection c = clients.get(i);
                        synchronized (c) { // a connection is used by one thread at a time
                            try {
                                check(c, i, job[1]);
                                done.incrementAndGet();
                                sampleOpen(maxOpen); // while the others run: the pools at their busiest
                            } catch (Exception | AssertionError e) {
                                failures.add("client " + i + " round " + job[1] + ": " + e);
                            }
                        }
                    }
                }));
            }
            for (Future<?> w : workers) w.get(200, TimeUnit.SECONDS);
            assertThat(failures).as("failures").isEmpty();
            assertThat(done.get()).as("operations done before the deadline").isEqualTo(CLIENTS * ROUNDS);

            try (Statement st = keeper.createStatement(); ResultSet rs = st.executeQuery("SELECT x FROM kept")) {
                assertThat(rs.next()).as("the temporary table is still there").isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
            // the operator's view of the same: every server's pool within its cap, the masters' used
            try (Statement st = clients.get(2).createStatement(); ResultSet rs = st.executeQuery("SHOW SHARDGATE POOLS")) {
                int masters = 0;
                while (rs.next()) {
                    assertThat(rs.getInt("open")).as("open on %s", rs.getString("server")).isBetween(0, MAX_PER_INSTANCE);
                    if (rs.getString("role").endsWith("master")) {
                        masters++;
                        assertThat(rs.getLong("logins")).as("logins on %s", rs.getString("server")).isPositive();
                    }
                }
                assertThat(masters).isEqualTo(2);
            }
            try (Statement st = clients.get(1).createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM item")) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows written through the proxy").isEqualTo((long) CLIENTS * ROUNDS);
            }
        } finally {
            for (Connection c : clients) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing is best effort
                }
            }
            pool.shutdownNow();
        }
        long logins = proxy.context().pools.all().values().stream().mapToLong(BackendPool::connectionsOpened).sum();
        System.out.printf("[multiplexing] %d clients, %d operations; most backend connections open to one server: %d;"
                + " backend logins in all: %d%n", CLIENTS, CLIENTS * ROUNDS, maxOpen.get(), logins);
        assertThat(maxOpen.get()).as("backend connections per server").isBetween(1, MAX_PER_INSTANCE);
    }

    /** This proxy has no XA (no data directory configured): a transaction stays on its first group. */
    @Test
    void withoutXaATransactionWritingToASecondGroupIsRefusedClearlyAndRollsBackWhole() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("INSERT INTO item (uid, note) VALUES (900002, 'first')");
            // hash mod over two shards: consecutive uids are on different groups
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO item (uid, note) VALUES (900003, 'second')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1235);
                        assertThat(e.getMessage()).contains("transactions across groups are off", "COMMIT or ROLLBACK first");
                    });
            c.rollback();
            c.setAutoCommit(true);
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM item WHERE uid IN (900002, 900003)")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    /** Records the most connections open to any one server, as of now. */
    private static void sampleOpen(AtomicInteger maxOpen) {
        for (BackendPool p : proxy.context().pools.all().values()) maxOpen.accumulateAndGet(p.openConnections(), Math::max);
    }

    /** One client's turn: its settings are its own, its write lands and reads back, LAST_INSERT_ID() is its own. */
    private static void check(Connection c, int i, int round) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@session.time_zone, @who, @@session.group_concat_max_len")) {
            rs.next();
            assertThat(rs.getString(1)).as("time zone of client %d", i).isEqualTo(zone(i));
            assertThat(rs.getInt(2)).as("@who of client %d", i).isEqualTo(i);
            assertThat(rs.getLong(3)).as("group_concat_max_len of client %d", i).isEqualTo(4096 + i);
        }
        long uid = (long) i * 10 + round;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO item (uid, note) VALUES (?, ?)")) {
            ps.setLong(1, uid);
            ps.setString(2, "c" + i);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT note FROM item WHERE uid = ?")) {
            ps.setLong(1, uid);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row %d read back", uid).isTrue();
                assertThat(rs.getString(1)).isEqualTo("c" + i);
            }
        }
        if (i % 10 == 0) {
            long generated;
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO counter (who) VALUES (" + i + ")", Statement.RETURN_GENERATED_KEYS);
                try (ResultSet keys = st.getGeneratedKeys()) {
                    keys.next();
                    generated = keys.getLong(1);
                }
                try (ResultSet rs = st.executeQuery("SELECT 1")) { // another statement between: another connection
                    rs.next();
                }
                try (ResultSet rs = st.executeQuery("SELECT LAST_INSERT_ID()")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("LAST_INSERT_ID() of client %d", i).isEqualTo(generated);
                }
                try (ResultSet rs = st.executeQuery("SELECT who FROM counter WHERE id = LAST_INSERT_ID()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(i);
                }
            }
        }
    }
}
