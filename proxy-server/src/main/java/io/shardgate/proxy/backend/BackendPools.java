package io.shardgate.proxy.backend;

import io.shardgate.rules.Endpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link BackendPool} per backend server, made on first use: the topology may name new servers at run time. */
public final class BackendPools implements AutoCloseable {
    private final BackendPool.Settings settings;
    private final Map<Endpoint, BackendPool> pools = new ConcurrentHashMap<>();

    public BackendPools(BackendPool.Settings settings) {
        this.settings = settings;
    }

    public BackendPool pool(Endpoint endpoint) {
        return pools.computeIfAbsent(endpoint, e -> new BackendPool(e, settings));
    }

    public Map<Endpoint, BackendPool> all() {
        return Map.copyOf(pools);
    }

    @Override
    public void close() {
        pools.values().forEach(BackendPool::close);
    }
}
