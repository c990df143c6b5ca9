package io.shardgate.proxy.config;

import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.xa.XidSource;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxy's settings ({@code shardgate.yaml}); every knob, its default and its meaning is listed in
 * docs/configuration.md. The shard map lives in its own file, named by {@code shard_map}.
 */
public record ProxyConfig(
        Endpoint listen,
        Path shardMapFile,
        ShardMap shardMap,
        Map<String, User> users,
        Frontend frontend,
        Backend backend,
        Tls tls,
        Reads reads,
        Transactions transactions) {

    /** Without a {@code reads} section: {@link Reads#DEFAULTS}. */
    public ProxyConfig(Endpoint listen, Path shardMapFile, ShardMap shardMap, Map<String, User> users, Frontend frontend,
                       Backend backend, Tls tls) {
        this(listen, shardMapFile, shardMap, users, frontend, backend, tls, Reads.DEFAULTS);
    }

    /** Without transactions settings: {@link Transactions#DEFAULTS} (no decision log, cross-group refused). */
    public ProxyConfig(Endpoint listen, Path shardMapFile, ShardMap shardMap, Map<String, User> users, Frontend frontend,
                       Backend backend, Tls tls, Reads reads) {
        this(listen, shardMapFile, shardMap, users, frontend, backend, tls, reads, Transactions.DEFAULTS);
    }

    /**
     * Transactions that span groups.
     *
     * @param xa         true: a transaction that writes to several groups commits with XA (two-phase, decision log);
     *                   false: a statement that would make it span groups is refused
     * @param instanceId this proxy's name in its XA ids, unique among the proxies in front of the same groups
     *                   (recovery only touches its own); 1 to 16 of {@code A-Z a-z 0-9 _}
     * @param dataDir    the proxy's data directory, holding {@code xa/decisions.log}; null: no decision log and no
     *                   recovery, which requires {@code xa == false}. Loading a file always sets it ({@code data_dir})
     */
    public record Transactions(boolean xa, String instanceId, Path dataDir) {
        /** For proxies built in code (tests): no data directory, so no XA, cross-group transactions refused. */
        public static final Transactions DEFAULTS = new Transactions(false, "p0", null);

        public Transactions {
            if (instanceId == null || !XidSource.INSTANCE_ID.matcher(instanceId).matches()) {
                throw new IllegalArgumentException("instance id must be 1 to 16 of A-Z a-z 0-9 _, not '" + instanceId + "'");
            }
            if (xa && dataDir == null) throw new IllegalArgumentException("XA needs a data directory for its decision log");
        }
    }

    /**
     * Read-write splitting.
     *
     * @param replicas            plain SELECTs outside transactions go to the group's replicas (weighted round robin)
     * @param maxReplicaLagSeconds a replica further behind (Seconds_Behind_Master) leaves the read rotation
     * @param readYourWritesMs    after a session writes to a group, its reads of that group go to the master for
     *                            this long (0: no window)
     * @param probeIntervalMs     how often each replica's health and lag are probed
     * @param gtidWait            read-your-writes by GTID (MariaDB): after a write, a read of that group goes to a
     *                            replica once it has applied the session's last transaction (MASTER_GTID_WAIT, at
     *                            most {@code readYourWritesMs}), else to the master; false: the time window
     */
    public record Reads(boolean replicas, int maxReplicaLagSeconds, long readYourWritesMs, long probeIntervalMs,
                        boolean gtidWait) {
        public static final Reads DEFAULTS = new Reads(true, 5, 1_000, 1_000, false);
        /** Every statement to the master. */
        public static final Reads MASTER_ONLY = new Reads(false, 5, 1_000, 1_000, false);

        /** With the time window for read-your-writes. */
        public Reads(boolean replicas, int maxReplicaLagSeconds, long readYourWritesMs, long probeIntervalMs) {
            this(replicas, maxReplicaLagSeconds, readYourWritesMs, probeIntervalMs, false);
        }
    }

    public record User(String name, String password, AuthPlugin plugin) {}

    /**
     * @param serverVersion   version string sent to clients; "auto" copies the default group master's
     * @param authPlugin      plugin named in the greeting; users with another plugin get an auth switch
     * @param maxPacketSize   largest logical packet accepted from a client (max_allowed_packet)
     * @param authTimeoutMs   time a connection has to authenticate before it is closed
     * @param ioThreads       Netty event-loop threads; 0 means one per core
     * @param charset         collation id announced in the greeting (45 = utf8mb4_general_ci)
     * @param maxConnections  client connections open at once, logged in or not; past it, error 1040
     */
    public record Frontend(String serverVersion, AuthPlugin authPlugin, int maxPacketSize, int authTimeoutMs,
                           int ioThreads, int charset, int maxConnections) {}

    /**
     * @param user / password credentials the proxy uses on every backend server
     * @param connectTimeoutMs  TCP connect plus handshake deadline for a new backend connection
     * @param maxPerInstance    most connections the proxy opens to one server
     * @param maxIdlePerInstance idle connections kept per server for reuse
     * @param idleTimeoutMs     an idle connection older than this is closed
     * @param leaseTimeoutMs    with {@code maxPerInstance} open, how long a statement waits for one to come free
     *                          before it fails with error 1040 (0: at once)
     * @param multiplex         between statements, a session not holding connection-local state (a transaction, a
     *                          temporary table, a lock...) gives its backend connections back to the pool, so
     *                          many client connections share few backend ones
     */
    public record Backend(String user, String password, int connectTimeoutMs, int maxPerInstance,
                          int maxIdlePerInstance, long idleTimeoutMs, long leaseTimeoutMs, boolean multiplex) {
        /** Multiplexing, waiting up to 5 s for a connection when the pool is full. */
        public Backend(String user, String password, int connectTimeoutMs, int maxPerInstance,
                       int maxIdlePerInstance, long idleTimeoutMs) {
            this(user, password, connectTimeoutMs, maxPerInstance, maxIdlePerInstance, idleTimeoutMs, 5_000, true);
        }
    }

    /** @param enabled offer TLS to clients; cert/key PEM files, or null to generate a self-signed pair in {@code dir} */
    public record Tls(boolean enabled, Path cert, Path key, Path dir) {}

    public static ProxyConfig load(Path file) {
        Path base = file.toAbsolutePath().getParent();
        YamlNode root = YamlNode.load(file).allowOnly("listen", "shard_map", "users", "frontend", "backend", "tls", "data_dir",
                "reads", "transactions");
        Endpoint listen = endpoint(root.require("listen"));
        YamlNode mapNode = root.require("shard_map");
        Path mapFile = base.resolve(mapNode.string());
        ShardMap map = ShardMap.load(mapFile, 1);
        Path dataDir = base.resolve(root.string("data_dir", "data"));

        Map<String, User> users = new LinkedHashMap<>();
        for (YamlNode u : root.require("users").items()) {
            u.allowOnly("name", "password", "plugin");
            String name = u.require("name").string();
            YamlNode pluginNode = u.get("plugin");
            AuthPlugin plugin = pluginNode == null ? AuthPlugin.MYSQL_NATIVE_PASSWORD : plugin(pluginNode);
            if (users.put(name, new User(name, u.string("password", ""), plugin)) != null) {
                throw u.require("name").error("user '" + name + "' is listed twice");
            }
        }
        if (users.isEmpty()) {
            throw root.require("users").error("at least one user is needed");
        }

        YamlNode f = root.get("frontend");
        Frontend frontend;
        if (f == null) {
            frontend = new Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, 64 << 20, 10_000, 0, 45, 4096);
        } else {
            f.allowOnly("server_version", "auth_plugin", "max_packet_size", "auth_timeout_ms", "io_threads", "charset",
                    "max_connections");
            frontend = new Frontend(f.string("server_version", "auto"),
                    f.get("auth_plugin") == null ? AuthPlugin.MYSQL_NATIVE_PASSWORD : plugin(f.get("auth_plugin")),
                    positive(f, "max_packet_size", 64 << 20), positive(f, "auth_timeout_ms", 10_000),
                    f.intValue("io_threads", 0), f.intValue("charset", 45), positive(f, "max_connections", 4096));
        }

        YamlNode b = root.require("backend").allowOnly("user", "password", "connect_timeout_ms", "max_per_instance",
                "max_idle_per_instance", "idle_timeout_ms", "lease_timeout_ms", "multiplex");
        Backend backend = new Backend(b.require("user").string(), b.string("password", ""),
                positive(b, "connect_timeout_ms", 5_000), positive(b, "max_per_instance", 1_000),
                b.intValue("max_idle_per_instance", 64), b.longValue("idle_timeout_ms", 600_000),
                b.longValue("lease_timeout_ms", 5_000), b.booleanValue("multiplex", true));

        YamlNode t = root.get("tls");
        Tls tls;
        if (t == null) {
            tls = new Tls(true, null, null, dataDir);
        } else {
            t.allowOnly("enabled", "cert", "key");
            Path cert = t.get("cert") == null ? null : base.resolve(t.get("cert").string());
            Path key = t.get("key") == null ? null : base.resolve(t.get("key").string());
            if ((cert == null) != (key == null)) {
                throw t.error("give both cert and key, or neither (a self-signed pair is then generated)");
            }
            tls = new Tls(t.booleanValue("enabled", true), cert, key, dataDir);
        }
        YamlNode r = root.get("reads");
        Reads reads = Reads.DEFAULTS;
        if (r != null) {
            r.allowOnly("replicas", "max_replica_lag_s", "read_your_writes", "read_your_writes_ms", "probe_interval_ms");
            String ryw = r.string("read_your_writes", "window");
            if (!ryw.equals("window") && !ryw.equals("gtid")) {
                throw r.get("read_your_writes").error("must be window or gtid, not '" + ryw + "'");
            }
            int lag = r.intValue("max_replica_lag_s", Reads.DEFAULTS.maxReplicaLagSeconds());
            if (lag < 0) throw r.get("max_replica_lag_s").error("must be 0 or more");
            long window = r.longValue("read_your_writes_ms", Reads.DEFAULTS.readYourWritesMs());
            if (window < 0) throw r.get("read_your_writes_ms").error("must be 0 or more");
            reads = new Reads(r.booleanValue("replicas", true), lag, window,
                    positive(r, "probe_interval_ms", (int) Reads.DEFAULTS.probeIntervalMs()), ryw.equals("gtid"));
        }
        return new ProxyConfig(listen, mapFile, map, Map.copyOf(users), frontend, backend, tls, reads,
                transactions(root.get("transactions"), listen, dataDir));
    }

    private static Transactions transactions(YamlNode t, Endpoint listen, Path dataDir) {
        String derived = "p" + listen.port(); // distinct for proxies on one host; set it when proxies share a port
        if (t == null) return new Transactions(true, derived, dataDir);
        t.allowOnly("cross_group", "instance_id");
        String mode = t.string("cross_group", "xa");
        if (!mode.equals("xa") && !mode.equals("refuse")) {
            throw t.get("cross_group").error("must be xa or refuse, not '" + mode + "'");
        }
        String id = t.string("instance_id", derived);
        if (!XidSource.INSTANCE_ID.matcher(id).matches()) {
            throw t.get("instance_id").error("must be 1 to 16 of A-Z a-z 0-9 _ (it goes into every XA id), not '" + id + "'");
        }
        return new Transactions(mode.equals("xa"), id, dataDir);
    }

    private static int positive(YamlNode parent, String key, int fallback) {
        int v = parent.intValue(key, fallback);
        if (v <= 0) throw parent.get(key).error("must be greater than 0");
        return v;
    }

    private static AuthPlugin plugin(YamlNode n) {
        AuthPlugin p = AuthPlugin.byName(n.string());
        if (p == null) {
            throw n.error("unknown auth plugin '" + n.string() + "'; use mysql_native_password or caching_sha2_password");
        }
        return p;
    }

    private static Endpoint endpoint(YamlNode n) {
        try {
            return Endpoint.parse(n.string());
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage());
        }
    }
}
