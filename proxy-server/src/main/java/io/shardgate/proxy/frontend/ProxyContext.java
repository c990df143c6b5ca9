package io.shardgate.proxy.frontend;

import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.shardgate.monitor.TopologySource;
import io.shardgate.proxy.ProxyMetrics;
import io.shardgate.proxy.auth.RsaPasswordCipher;
import io.shardgate.proxy.backend.BackendPools;
import io.shardgate.proxy.backend.ReplicaBalancer;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.logical.ShardDatabases;
import io.shardgate.router.Router;
import io.shardgate.rules.ShardMap;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every client session of one proxy shares. */
public final class ProxyContext {
    public final ProxyConfig config;
    public final Router router;
    public final TopologySource topology;
    public final BackendPools pools;
    public final SslContext ssl;
    public final RsaPasswordCipher rsa = new RsaPasswordCipher();
    /** Runs RSA decryption for caching_sha2_password logins off the event loops: 1 thread, 256 waiting at most. */
    final ThreadPoolExecutor authExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(256), new DefaultThreadFactory("shardgate-auth", true));
    public final String serverVersion;
    public final ProxyMetrics metrics = new ProxyMetrics();
    private final AtomicLong connectionIds = new AtomicLong();
    /** Logged-in sessions by the connection id their client was given (for KILL). */
    private final Map<Long, ClientSession> sessions = new ConcurrentHashMap<>();
    /** Client connections open now, logged in or not (bounded by frontend.max_connections). */
    final AtomicInteger openConnections = new AtomicInteger();
    /** Users who passed caching_sha2_password full authentication since start: the fast path is open to them. */
    private final Set<String> sha2Verified = ConcurrentHashMap.newKeySet();

    /** Picks the replica for a read; null when reads all go to masters ({@code reads.replicas: false}). */
    public final ReplicaBalancer replicas;
    /** Closed with the proxy (the replica health monitor), or null. */
    private final AutoCloseable monitor;

    /**
     * Transactions across groups: the decision log, gtrids and the two-phase commit; null without a data
     * directory, or disabled ({@code transactions.cross_group: refuse}), when a transaction stays in one group.
     */
    public final io.shardgate.proxy.xa.XaServices xa;

    /** The logical schema and the shard databases it stands for; null without shards. */
    public final ShardDatabases shardDatabases;

    public ProxyContext(ProxyConfig config, Router router, TopologySource topology, BackendPools pools, SslContext ssl,
                        String serverVersion, ReplicaBalancer replicas, AutoCloseable monitor) {
        this(config, router, topology, pools, ssl, serverVersion, replicas, monitor, null);
    }

    public ProxyContext(ProxyConfig config, Router router, TopologySource topology, BackendPools pools, SslContext ssl,
                        String serverVersion, ReplicaBalancer replicas, AutoCloseable monitor,
                        io.shardgate.proxy.xa.XaServices xa) {
        this.xa = xa != null && xa.enabled() && config.shardMap().groups().size() > 1 ? xa : null;
        this.replicas = replicas;
        this.monitor = monitor;
        this.config = config;
        this.router = router;
        this.topology = topology;
        this.pools = pools;
        this.ssl = ssl;
        this.serverVersion = serverVersion;
        this.shardDatabases = ShardDatabases.of(config.shardMap());
    }

    /** Closes the backend pools and stops the auth executor. */
    public void close() {
        if (monitor != null) {
            try {
                monitor.close();
            } catch (Exception e) {
                // stopping: nothing to do about it
            }
        }
        pools.close();
        authExecutor.shutdownNow();
    }

    /** The router plans by shards (the map declares some): the proxy owns the logical schema. */
    public boolean sharding() {
        return !config.shardMap().shards().isEmpty();
    }

    /**
     * The database a backend connection selects for the database a client names: the default shard's
     * physical database for the logical schema (when sharding), else the same name.
     */
    public String backendDatabase(String clientDb) {
        ShardMap map = config.shardMap();
        if (clientDb != null && sharding() && map.schema() != null && clientDb.equalsIgnoreCase(map.schema())) {
            return map.shard(map.defaultShard()).database();
        }
        return clientDb;
    }

    public long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    void register(ClientSession s) {
        sessions.put(s.connectionId(), s);
    }

    void unregister(ClientSession s) {
        sessions.remove(s.connectionId(), s);
    }

    ClientSession session(long connectionId) {
        return sessions.get(connectionId);
    }

    public int openClientConnections() {
        return openConnections.get();
    }

    boolean sha2Cached(String user) {
        return sha2Verified.contains(user);
    }

    void sha2Remember(String user) {
        sha2Verified.add(user);
    }
}
