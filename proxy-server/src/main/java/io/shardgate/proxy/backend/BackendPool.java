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

    /** Settings shared by every pool of a proxy. */
    public record Settings(String user, String password, int connectTimeoutMs, int maxPerInstance,
                           int maxIdlePerInstance, long idleTimeoutMs) {}

    private final Endpoint endpoint;
    private final Settings settings;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final Map<EventLoop, Map<BackendProfile, ArrayDeque<BackendConnection>>> idle = new ConcurrentHashMap<>();
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

    public int idleConnections() {
        return idleCount.get();
    }

    /**
     * A connection on {@code loop} with {@code profile}, whose character set and current database are the
     * given ones. Must be called on {@code loop}.
     */
    public Future<BackendConnection> acquire(EventLoop loop, BackendProfile profile, int charset, String schema) {
        Promise<BackendConnection> result = loop.newPromise();
        BackendConnection c = pollIdle(loop, profile);
        // a database cannot be unselected: a client that wants none needs a connection known to have none
        if (c != null && schema == null && (!c.schemaKnown || c.schema != null)) {
            discard(c);
            c = null;
        }
        if (c == null) {
            return connect(loop, profile, charset, schema, result);
        }
        String setNames = c.charset == charset ? null : Collations.setNames(charset);
        if (c.charset != charset && setNames == null) {
            // a collation we cannot name in SQL: only a new connection can carry it (in its handshake)
            discard(c);
            return connect(loop, profile, charset, schema, result);
        }
        prepare(c, charset, setNames, schema, result);
        return result;
    }

    private void prepare(BackendConnection c, int charset, String setNames, String schema, Promise<BackendConnection> result) {
        Future<Void> step = setNames == null ? c.eventLoop().newSucceededFuture(null) : c.executeInternal(setNames);
        step.addListener(f1 -> {
            if (!f1.isSuccess()) {
                // e.g. a collation this server does not know: a fresh connection behaves as a first login would
                discard(c);
                connect(c.eventLoop(), c.profile(), charset, schema, result);
                return;
            }
            c.charset = charset;
            if (schema == null || (c.schemaKnown && schema.equals(c.schema))) {
                result.trySuccess(c);
                return;
            }
            byte[] name = schema.getBytes(StandardCharsets.UTF_8);
            ByteBuf initDb = c.channel().alloc().buffer(1 + name.length).writeByte(Command.INIT_DB).writeBytes(name);
            c.executeInternal(initDb, ResponseKind.SINGLE, "USE " + schema).addListener(f2 -> {
                if (f2.isSuccess()) {
                    c.schema = schema;
                    c.schemaKnown = true;
                    result.trySuccess(c);
                } else {
                    fail(c, f2.cause(), result);
                }
            });
        });
    }

    private void fail(BackendConnection c, Throwable cause, Promise<BackendConnection> result) {
        // the connection itself is fine (an unknown database is the client's problem): keep it
        if (c.usable()) release(c);
        else discard(c);
        result.tryFailure(cause);
    }

    private Future<BackendConnection> connect(EventLoop loop, BackendProfile profile, int charset, String schema,
                                              Promise<BackendConnection> result) {
        if (closed) {
            return result.setFailure(new BackendException("the backend pool for " + endpoint + " is closed", null));
        }
        if (open.incrementAndGet() > settings.maxPerInstance()) {
            open.decrementAndGet();
            return result.setFailure(new BackendException(1040, "08004", "shardgate: the pool for backend " + endpoint
                    + " is full (" + settings.maxPerInstance() + " connections); raise backend.max_per_instance or use fewer client connections", null));
        }
        BackendConnection conn = new BackendConnection(endpoint, profile, settings.user(), settings.password(), charset, schema, result);
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
        cf.channel().closeFuture().addListener(f -> open.decrementAndGet());
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
            if (!f.isSuccess() || closed || idleCount.get() >= settings.maxIdlePerInstance()) {
                if (!f.isSuccess()) log.debug("reset of a connection to {} failed: {}", endpoint, f.cause().toString());
                discard(c);
                return;
            }
            // a reset restores the handshake's collation and keeps the current database, whatever it is now
            c.charset = c.handshakeCharset;
            c.schemaKnown = false;
            c.idleSinceNanos = System.nanoTime();
            idleOn(c.eventLoop()).computeIfAbsent(c.profile(), p -> new ArrayDeque<>()).addLast(c);
            idleCount.incrementAndGet();
        });
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

    private BackendConnection pollIdle(EventLoop loop, BackendProfile profile) {
        Map<BackendProfile, ArrayDeque<BackendConnection>> byProfile = idle.get(loop);
        ArrayDeque<BackendConnection> q = byProfile == null ? null : byProfile.get(profile);
        if (q == null) return null;
        long now = System.nanoTime();
        BackendConnection c;
        while ((c = q.pollLast()) != null) {
            idleCount.decrementAndGet();
            if (c.usable() && now - c.idleSinceNanos < TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs())) {
                return c;
            }
            discard(c);
        }
        return null;
    }

    /** Closes idle connections and refuses new ones; connections in use close when released. */
    public void close() {
        closed = true;
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
