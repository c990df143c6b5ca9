package io.shardgate.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.shardgate.proxy.NettyTransport;
import io.shardgate.proxy.protocol.Collations;
import io.shardgate.proxy.protocol.Command;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.rules.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections to one backend server. A connection is created on, and only handed out to, the event loop of
 * the client session that asked for it, so a client's packets and its backend's never cross threads.
 * Idle connections are kept per event loop and {@link BackendProfile}; each one is reset
 * (COM_RESET_CONNECTION) when returned, so no session state leaks from one client to the next.
 */
public final class BackendPool {
    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    /**
     * Settings shared by every pool of a proxy.
     *
     * @param leaseTimeoutMs how long a request for a connection waits when {@code maxPerInstance} are open
     *                       (0: it fails at once with error 1040)
     * @param rewriter       applied by every connection to the errors and column definitions it relays (the
     *                       logical schema's names), or null
     */
    public record Settings(String user, String password, int connectTimeoutMs, int maxPerInstance,
                           int maxIdlePerInstance, long idleTimeoutMs, long leaseTimeoutMs, ResponseRewriter rewriter) {
        public Settings(String user, String password, int connectTimeoutMs, int maxPerInstance,
                        int maxIdlePerInstance, long idleTimeoutMs, long leaseTimeoutMs) {
            this(user, password, connectTimeoutMs, maxPerInstance, maxIdlePerInstance, idleTimeoutMs, leaseTimeoutMs, null);
        }

        public Settings(String user, String password, int connectTimeoutMs, int maxPerInstance,
                        int maxIdlePerInstance, long idleTimeoutMs) {
            this(user, password, connectTimeoutMs, maxPerInstance, maxIdlePerInstance, idleTimeoutMs, 0);
        }
    }

    /** A request for a connection waiting for one to close or come back (the pool is at its maximum). */
    private record Waiter(EventLoop loop, BackendProfile profile, int charset, String schema, String state,
                          Promise<BackendConnection> result, long sinceNanos) {}

    private final Endpoint endpoint;
    private final Settings settings;
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections per event loop: when the pool is full, each loop's fair share decides which gives way. */
    private final Map<EventLoop, AtomicInteger> openOn = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder opened = new java.util.concurrent.atomic.LongAdder();

    /**
     * As a schema: any database will do (the statement names its tables with their databases), so an idle
     * connection is taken whatever it has selected.
     */
    public static final String ANY_SCHEMA = new String("*any*"); // compared by identity
    private final AtomicInteger idleCount = new AtomicInteger();
    private final Map<EventLoop, Map<BackendProfile, ArrayDeque<BackendConnection>>> idle = new ConcurrentHashMap<>();
    /** Oldest first; a woken waiter that still finds no slot goes back to the head, its deadline unchanged. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Waiter> waiters = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    public BackendPool(Endpoint endpoint, Settings settings) {
        this.endpoint = endpoint;
        this.settings = settings;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** Connections open now (in use, idle, or logging in). */
    public int openConnections() {
        return open.get();
    }

    /** Connections opened since the pool was made (logins to the server): churn shows here. */
    public long connectionsOpened() {
        return opened.sum();
    }

    public int idleConnections() {
        return idleCount.get();
    }

    /**
     * A connection on {@code loop} with {@code profile}, whose character set and current database are the
     * given ones. Must be called on {@code loop}.
     */
    public Future<BackendConnection> acquire(EventLoop loop, BackendProfile profile, int charset, String schema) {
        return acquire(loop, profile, charset, schema, "");
    }

    /**
     * As {@link #acquire(EventLoop, BackendProfile, int, String)}, preferring an idle connection whose
     * {@link BackendConnection#sessionState()} is {@code state}. The connection handed out carries either
     * exactly that state or none ({@code ""}, after a reset): never another session's settings.
     */
    public Future<BackendConnection> acquire(EventLoop loop, BackendProfile profile, int charset, String schema, String state) {
        Promise<BackendConnection> result = loop.newPromise();
        BackendConnection c = pollIdle(loop, profile, state, schema);
        if (c == null) {
            return connect(loop, profile, charset, schema, state, result);
        }
        handOver(c, charset, schema, state, result);
        return result;
    }

    /** Brings an idle connection to the state asked for: reset when it carries other settings, then prepared. */
    private void handOver(BackendConnection c, int charset, String schema, String state, Promise<BackendConnection> result) {
        if (c.sessionState.isEmpty() || (c.sessionState.equals(state) && c.charset == charset)) {
            prepareIdle(c, charset, schema, state, result);
            return;
        }
        ByteBuf reset = c.channel().alloc().buffer(1).writeByte(Command.RESET_CONNECTION);
        c.executeInternal(reset, ResponseKind.SINGLE, "COM_RESET_CONNECTION").addListener(f -> {
            if (!f.isSuccess()) {
                discard(c);
                connect(c.eventLoop(), c.profile(), charset, schema, state, result);
                return;
            }
            afterReset(c);
            prepareIdle(c, charset, schema, state, result);
        });
    }

    private void prepareIdle(BackendConnection c, int charset, String schema, String state, Promise<BackendConnection> result) {
        // a database cannot be unselected: a client that wants none needs a connection known to have none
        if (schema == null && (!c.schemaKnown || c.schema != null)) {
            discard(c);
            connect(c.eventLoop(), c.profile(), charset, schema, state, result);
            return;
        }
        String setNames = c.charset == charset ? null : Collations.setNames(charset);
        if (c.charset != charset && setNames == null) {
            // a collation we cannot name in SQL: only a new connection can carry it (in its handshake)
            discard(c);
            connect(c.eventLoop(), c.profile(), charset, schema, state, result);
            return;
        }
        prepare(c, charset, setNames, schema, result);
    }

    private void prepare(BackendConnection c, int charset, String setNames, String schema, Promise<BackendConnection> result) {
        Future<Void> step = setNames == null ? c.eventLoop().newSucceededFuture(null) : c.executeInternal(setNames);
        step.addListener(f1 -> {
            if (!f1.isSuccess()) {
                // e.g. a collation this server does not know: a fresh connection behaves as a first login would
                discard(c);
                connect(c.eventLoop(), c.profile(), charset, schema, "", result);
                return;
            }
            c.charset = charset;
            if (schema == null || schema == ANY_SCHEMA || (c.schemaKnown && schema.equals(c.schema))) {
                deliver(c, result);
                return;
            }
            byte[] name = schema.getBytes(StandardCharsets.UTF_8);
            ByteBuf initDb = c.channel().alloc().buffer(1 + name.length).writeByte(Command.INIT_DB).writeBytes(name);
            c.executeInternal(initDb, ResponseKind.SINGLE, "USE " + schema).addListener(f2 -> {
                if (f2.isSuccess()) {
                    c.schema = schema;
                    c.schemaKnown = true;
                    deliver(c, result);
                } else {
                    fail(c, f2.cause(), result);
                }
            });
        });
    }

    /** To the request, or back to the pool when the request gave up meanwhile (its wait timed out). */
    private void deliver(BackendConnection c, Promise<BackendConnection> result) {
        if (!result.trySuccess(c)) keepIdle(c);
    }

    private void fail(BackendConnection c, Throwable cause, Promise<BackendConnection> result) {
        // the connection itself is fine (an unknown database is the client's problem): keep it
        if (c.usable()) release(c);
        else discard(c);
        result.tryFailure(cause);
    }

    private Future<BackendConnection> connect(EventLoop loop, BackendProfile profile, int charset, String schema,
                                              String state, Promise<BackendConnection> result) {
        return connect(loop, profile, charset, schema, state, result, null);
    }

    /** @param woken the waiter this request was, woken for a free slot (null: a new request) */
    private Future<BackendConnection> connect(EventLoop loop, BackendProfile profile, int charset, String schema,
                                              String state, Promise<BackendConnection> result, Waiter woken) {
        if (closed) {
            result.tryFailure(new BackendException("the backend pool for " + endpoint + " is closed", null));
        }
        if (result.isDone()) return result; // a woken waiter whose time ran out meanwhile
        // a new request queues behind those already waiting, so that none of them waits past its turn
        if ((woken == null && !waiters.isEmpty() && settings.leaseTimeoutMs() > 0) || !takeSlot()) {
            if (settings.leaseTimeoutMs() <= 0) { result.tryFailure(full(0)); return result; }
            if (woken != null) {
                waiters.addFirst(woken); // another request took the slot first: back to the head, same deadline
                if (open.get() < settings.maxPerInstance()) wakeOne();
                return result;
            }
            return await(new Waiter(loop, profile, charset, schema, state, result, System.nanoTime()));
        }
        opened.increment();
        AtomicInteger onLoop = openOn.computeIfAbsent(loop, l -> new AtomicInteger());
        onLoop.incrementAndGet();
        BackendConnection conn = new BackendConnection(endpoint, profile, settings.user(), settings.password(), charset,
                schema == ANY_SCHEMA ? null : schema, result, settings.rewriter());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NettyTransport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMs())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("frames", new PacketFrameDecoder(Packets.MAX_PAYLOAD));
                        ch.pipeline().addLast("backend", conn);
                    }
                });
        ChannelFuture cf = b.connect(endpoint.host(), endpoint.port());
        cf.channel().closeFuture().addListener(f -> {
            onLoop.decrementAndGet();
            open.decrementAndGet();
            wakeOne();
        });
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.tryFailure(new BackendException("shardgate: cannot connect to backend " + endpoint + ": "
                        + Objects.toString(f.cause().getMessage(), f.cause().toString()), f.cause()));
            }
        });
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (result.tryFailure(new BackendException("shardgate: backend " + endpoint + " did not complete login within "
                    + settings.connectTimeoutMs() + " ms", null))) {
                cf.channel().close();
            }
        }, settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
        result.addListener(f -> {
            timeout.cancel(false);
            if (!f.isSuccess()) cf.channel().close();
        });
        return result;
    }

    /** Returns a connection after use: it is reset, then kept for reuse (or closed when too many are idle). */
    public void release(BackendConnection c) {
        if (!c.usable() || closed) {
            discard(c);
            return;
        }
        ByteBuf reset = c.channel().alloc().buffer(1).writeByte(Command.RESET_CONNECTION);
        c.executeInternal(reset, ResponseKind.SINGLE, "COM_RESET_CONNECTION").addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("reset of a connection to {} failed: {}", endpoint, f.cause().toString());
                discard(c);
                return;
            }
            afterReset(c);
            keepIdle(c);
        });
    }

    /**
     * Returns a connection after a statement, without resetting it: the session that used it has described
     * what is set on it ({@link BackendConnection#describeState}), and the next session with the same settings
     * takes it as it is (multiplexing). A connection with other settings is reset when next handed out.
     */
    public void park(BackendConnection c) {
        if (!c.usable() || closed) {
            discard(c);
            return;
        }
        keepIdle(c);
    }

    /** Counts one more open connection unless {@code maxPerInstance} are open (never over it, even for a moment). */
    private boolean takeSlot() {
        for (int n = open.get(); n < settings.maxPerInstance(); n = open.get()) {
            if (open.compareAndSet(n, n + 1)) return true;
        }
        return false;
    }

    /** A reset restores the handshake's collation and keeps the current database, whatever it is now. */
    private static void afterReset(BackendConnection c) {
        c.charset = c.handshakeCharset;
        c.schemaKnown = false;
        c.sessionState = "";
    }

    /** To a request waiting on this event loop, else to the idle list (or closed, for a waiter elsewhere). */
    private void keepIdle(BackendConnection c) {
        if (closed) {
            discard(c);
            return;
        }
        Waiter w = waiterOn(c.eventLoop(), c.profile());
        if (w != null) {
            handOver(c, w.charset(), w.schema(), w.state(), w.result());
            return;
        }
        if ((!waiters.isEmpty() && (aboveFairShare(c.eventLoop()) || waitedOn(c.eventLoop()) || starving()))
                || idleCount.get() >= settings.maxIdlePerInstance()) {
            discard(c); // its slot lets a request on another event loop open one there
            return;
        }
        c.idleSinceNanos = System.nanoTime();
        idleOn(c.eventLoop()).computeIfAbsent(c.profile(), p -> new ArrayDeque<>()).addLast(c);
        idleCount.incrementAndGet();
    }

    // ---------------------------------------------------------------- waiting for a connection (pool at its maximum)

    private BackendException full(long waitedMs) {
        return new BackendException(1040, "08004", "shardgate: the pool for backend " + endpoint + " is full ("
                + settings.maxPerInstance() + " connections" + (waitedMs > 0 ? ", none free within " + waitedMs + " ms" : "")
                + "); raise backend.max_per_instance or backend.lease_timeout_ms, or keep fewer transactions open"
                + " at once (a session in a transaction holds its connections)", null);
    }

    private Future<BackendConnection> await(Waiter w) {
        waiters.add(w);
        ScheduledFuture<?> timeout = w.loop().schedule(() -> {
            waiters.remove(w); // or being woken: whatever it gets then goes back to the pool (deliver)
            w.result().tryFailure(full(settings.leaseTimeoutMs()));
        }, settings.leaseTimeoutMs(), TimeUnit.MILLISECONDS);
        w.result().addListener(f -> timeout.cancel(false));
        openOn.computeIfAbsent(w.loop(), l -> new AtomicInteger()); // a loop in want counts in the fair shares
        // idle connections on other event loops cannot serve this one: one there beyond its share gives way
        idle.forEach((loop, byProfile) -> {
            if (loop != w.loop() && (aboveFairShare(loop) || openOn(w.loop()) == 0)) {
                loop.execute(() -> closeOneIdle(byProfile, null));
            }
            // on its own loop, idle connections of another profile (other client capabilities) cannot serve it
            if (loop == w.loop()) loop.execute(() -> closeOneIdle(byProfile, w.profile()));
        });
        if (open.get() < settings.maxPerInstance()) wakeOne(); // a slot freed while it was being queued
        return w.result();
    }

    /** A slot is free: the oldest waiter tries again on its own event loop. */
    private void wakeOne() {
        Waiter w = waiters.poll();
        if (w == null) return;
        w.loop().execute(() -> {
            if (w.result().isDone()) {
                wakeOne();
                return;
            }
            BackendConnection c = pollIdle(w.loop(), w.profile(), w.state(), w.schema());
            if (c != null) {
                handOver(c, w.charset(), w.schema(), w.state(), w.result());
                if (open.get() < settings.maxPerInstance()) wakeOne(); // the free slot is for the next one
            } else connect(w.loop(), w.profile(), w.charset(), w.schema(), w.state(), w.result(), w);
        });
    }

    /** Whether {@code loop} holds more than its part of the pool's maximum, among the loops that use the pool. */
    private boolean aboveFairShare(EventLoop loop) {
        AtomicInteger n = openOn.get(loop);
        return n != null && n.get() > Math.max(1, settings.maxPerInstance() / Math.max(1, openOn.size()));
    }

    private int openOn(EventLoop loop) {
        AtomicInteger n = openOn.get(loop);
        return n == null ? 0 : n.get();
    }

    /**
     * Whether a request waits on a loop holding no connection at all: with fewer connections allowed than
     * loops, fair shares round to one each, and such a loop would otherwise wait for a close that never comes.
     */
    private boolean starving() {
        for (Waiter w : waiters) if (openOn(w.loop()) == 0 && !w.result().isDone()) return true;
        return false;
    }

    /** Whether some request waits on {@code loop} (for another profile, when called from {@link #keepIdle}). */
    private boolean waitedOn(EventLoop loop) {
        for (Waiter w : waiters) if (w.loop() == loop && !w.result().isDone()) return true;
        return false;
    }

    /** The oldest request waiting on {@code loop} for a connection of {@code profile}, taken off the queue. */
    private Waiter waiterOn(EventLoop loop, BackendProfile profile) {
        if (waiters.isEmpty()) return null;
        for (java.util.Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.loop() == loop && w.profile().equals(profile) && !w.result().isDone() && waiters.remove(w)) return w;
        }
        return null;
    }

    /** Closes the oldest idle connection of {@code byProfile}, of any profile but {@code keep} (null: any). */
    private void closeOneIdle(Map<BackendProfile, ArrayDeque<BackendConnection>> byProfile, BackendProfile keep) {
        for (Map.Entry<BackendProfile, ArrayDeque<BackendConnection>> e : byProfile.entrySet()) {
            if (e.getKey().equals(keep)) continue;
            BackendConnection c = e.getValue().pollFirst();
            if (c != null) {
                idleCount.decrementAndGet();
                c.close();
                return;
            }
        }
    }

    /** Requests waiting for a connection now. */
    public int waiting() {
        return waiters.size();
    }

    public void discard(BackendConnection c) {
        c.close();
    }

    /** The idle connections of one event loop; made with a reaper that closes expired or dead ones. */
    private Map<BackendProfile, ArrayDeque<BackendConnection>> idleOn(EventLoop loop) {
        return idle.computeIfAbsent(loop, l -> {
            Map<BackendProfile, ArrayDeque<BackendConnection>> byProfile = new HashMap<>();
            long every = Math.max(1_000, Math.min(settings.idleTimeoutMs() / 2, 30_000));
            l.scheduleAtFixedRate(() -> reap(byProfile), every, every, TimeUnit.MILLISECONDS);
            return byProfile;
        });
    }

    private void reap(Map<BackendProfile, ArrayDeque<BackendConnection>> byProfile) {
        long now = System.nanoTime();
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
        for (ArrayDeque<BackendConnection> q : byProfile.values()) {
            q.removeIf(c -> {
                boolean drop = !c.usable() || now - c.idleSinceNanos >= timeout;
                if (drop) {
                    idleCount.decrementAndGet();
                    c.close();
                }
                return drop;
            });
        }
    }

    /**
     * An idle connection of {@code loop} and {@code profile}: among the most recently used few, one with the
     * settings and database asked for when there is one (it needs no round trip), else the most recent.
     */
    private BackendConnection pollIdle(EventLoop loop, BackendProfile profile, String state, String schema) {
        Map<BackendProfile, ArrayDeque<BackendConnection>> byProfile = idle.get(loop);
        ArrayDeque<BackendConnection> q = byProfile == null ? null : byProfile.get(profile);
        if (q == null) return null;
        long now = System.nanoTime();
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
        int looked = 0;
        for (java.util.Iterator<BackendConnection> it = q.descendingIterator(); it.hasNext() && looked++ < 8; ) {
            BackendConnection c = it.next();
            if (c.sessionState.equals(state) && (schema == ANY_SCHEMA || c.schemaKnown && Objects.equals(c.schema, schema))
                    && c.usable() && now - c.idleSinceNanos < timeout) {
                it.remove();
                idleCount.decrementAndGet();
                return c;
            }
        }
        BackendConnection c;
        while ((c = q.pollLast()) != null) {
            idleCount.decrementAndGet();
            if (c.usable() && now - c.idleSinceNanos < timeout) {
                return c;
            }
            discard(c);
        }
        return null;
    }

    /** Closes idle connections and refuses new ones; connections in use close when released. */
    public void close() {
        closed = true;
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.result().tryFailure(new BackendException("the backend pool for " + endpoint + " is closed", null));
        }
        idle.forEach((loop, byProfile) -> loop.execute(() -> {
            byProfile.values().forEach(q -> {
                BackendConnection c;
                while ((c = q.poll()) != null) {
                    idleCount.decrementAndGet();
                    c.close();
                }
            });
        }));
    }
}
