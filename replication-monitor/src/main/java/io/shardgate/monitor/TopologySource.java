package io.shardgate.monitor;

import java.util.function.Consumer;

/** Where a proxy learns the current topology; it may change while the proxy runs. */
public interface TopologySource {
    Topology current();

    /** Calls {@code listener} with every newer topology; returns a handle that stops the calls. */
    AutoCloseable subscribe(Consumer<Topology> listener);
}
