package io.shardgate.monitor;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A topology held in memory and changed by {@link #publish} (an operator command, a test). The Raft
 * metadata client will be the other implementation.
 */
public final class StaticTopologySource implements TopologySource {
    private volatile Topology current;
    private final CopyOnWriteArrayList<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();

    public StaticTopologySource(Topology initial) {
        this.current = initial;
    }

    @Override
    public Topology current() {
        return current;
    }

    public synchronized void publish(Topology next) {
        if (next.version() <= current.version()) {
            throw new IllegalArgumentException("topology version " + next.version() + " is not newer than " + current.version());
        }
        current = next;
        listeners.forEach(l -> l.accept(next));
    }

    @Override
    public AutoCloseable subscribe(Consumer<Topology> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
