package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendException;
import io.shardgate.proxy.backend.BackendProfile;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.ErrorCode;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.InitialHandshake;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packet;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.protocol.Wire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * The connection phase, server side: greeting, optional TLS upgrade, authentication of a configured user
 * (mysql_native_password; caching_sha2_password with fast path, full authentication over TLS or with the
 * RSA key; auth switch when the client guessed another plugin), then the backend connection for the
 * session. On success it hands the channel to a {@link ClientSession}; on failure the client gets one ERR
 * and the connection closes.
 */
public final class FrontendAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrontendAuthHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A handshake response is small; a bigger "packet" before login is garbage or an attack. */
    public static final int MAX_AUTH_PACKET = 64 * 1024;

    private enum State { GREETED, SWITCHED, SHA2_FULL, SHA2_RSA, CONNECTING_BACKEND, DONE }

    private final ProxyContext proxy;
    private final long connectionId;
    private final byte[] nonce = new byte[20];
    private State state = State.GREETED;
    private boolean secure;
    private int seq;
    private HandshakeResponse response;
    private ProxyConfig.User user;
    private ScheduledFuture<?> timeout;
    private boolean counted;
    /** The name did not match a configured user: the exchange runs to the end anyway, then fails. */
    private boolean unknownUser;

    public FrontendAuthHandler(ProxyContext proxy) {
        this.proxy = proxy;
        this.connectionId = proxy.nextConnectionId();
        // printable, no NUL and no '$': some clients treat the nonce as a C string
        for (int i = 0; i < nonce.length; i++) nonce[i] = (byte) (0x21 + RANDOM.nextInt(0x7e - 0x21));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counted = true;
        int limit = proxy.config.frontend().maxConnections();
        if (proxy.openConnections.incrementAndGet() > limit) {
            log.warn("refusing client {}: {} connections are open (frontend.max_connections)", ctx.channel().remoteAddress(), limit);
            state = State.DONE;
            ctx.writeAndFlush(Packets.err(ctx.alloc(), 0, ErrorCode.ER_CON_COUNT_ERROR, "Too many connections"))
               .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        int caps = Capabilities.PROXY_SERVER | (proxy.ssl != null ? Capabilities.SSL : 0);
        ProxyConfig.Frontend fe = proxy.config.frontend();
        InitialHandshake hs = new InitialHandshake(proxy.serverVersion, connectionId, nonce, caps, fe.charset(),
                ServerStatus.AUTOCOMMIT, fe.authPlugin().wireName);
        ByteBuf out = Packets.start(ctx.alloc(), 96);
        hs.encode(out);
        ctx.writeAndFlush(Packets.finish(out, 0));
        timeout = ctx.executor().schedule(() -> {
            log.info("client {} did not log in within {} ms; closing", ctx.channel().remoteAddress(), fe.authTimeoutMs());
            ctx.close();
        }, fe.authTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) timeout.cancel(false);
        release();
        ctx.fireChannelInactive();
    }

    /** Gives back this connection's place under frontend.max_connections (once; the session takes it over). */
    private void release() {
        if (counted) {
            counted = false;
            proxy.openConnections.decrementAndGet();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Packet p = (Packet) msg;
        try {
            if (state == State.CONNECTING_BACKEND || state == State.DONE) {
                throw new MalformedPacketException("client sent a packet before the login completed");
            }
            seq = (p.lastSequenceId() + 1) & 0xff;
            ByteBuf payload = p.payload();
            switch (state) {
                case GREETED -> onHandshakeResponse(ctx, HandshakeResponse.decode(payload));
                case SWITCHED -> verify(ctx, Wire.readRest(payload), pluginOf(user));
                case SHA2_FULL -> onSha2Full(ctx, payload);
                case SHA2_RSA -> decryptOffLoop(ctx, Wire.readRest(payload));
                default -> throw new IllegalStateException(state.name());
            }
        } finally {
            ReferenceCountUtil.release(p);
        }
    }

    private void onHandshakeResponse(ChannelHandlerContext ctx, HandshakeResponse resp) {
        PacketFrameDecoder frames = ctx.pipeline().get(PacketFrameDecoder.class);
        if (resp.sslRequest()) {
            if (proxy.ssl == null || secure) {
                throw new MalformedPacketException("client asked for TLS, which was not offered");
            }
            // the ClientHello may already sit behind the SSL request in the same read: it belongs to TLS
            ByteBuf early = frames.takeUnframed();
            frames.setSingleDecode(false);
            SslHandler tls = proxy.ssl.newHandler(ctx.alloc());
            ctx.pipeline().addFirst("tls", tls);
            secure = true;
            if (early.isReadable()) ctx.pipeline().fireChannelRead(early);
            else early.release();
            return;
        }
        frames.setSingleDecode(false);
        this.response = resp;
        this.user = proxy.config.users().get(resp.user());
        if (user == null) {
            // answer exactly as for a real user of the default plugin, so probing cannot tell names apart
            unknownUser = true;
            byte[] random = new byte[24];
            RANDOM.nextBytes(random);
            user = new ProxyConfig.User(resp.user(), java.util.Base64.getEncoder().encodeToString(random),
                    proxy.config.frontend().authPlugin());
        }
        AuthPlugin clientPlugin = resp.authPlugin() == null ? AuthPlugin.MYSQL_NATIVE_PASSWORD : AuthPlugin.byName(resp.authPlugin());
        AuthPlugin wanted = pluginOf(user);
        if (clientPlugin != wanted) {
            // AuthSwitchRequest: 0xFE, plugin name, nonce + NUL
            ByteBuf out = Packets.start(ctx.alloc(), 64);
            out.writeByte(0xfe);
            Wire.writeNulString(out, wanted.wireName);
            out.writeBytes(nonce).writeByte(0);
            ctx.writeAndFlush(Packets.finish(out, seq));
            state = State.SWITCHED;
            return;
        }
        verify(ctx, resp.authResponse(), wanted);
    }

    private static AuthPlugin pluginOf(ProxyConfig.User u) {
        return u.plugin();
    }

    private void verify(ChannelHandlerContext ctx, byte[] answer, AuthPlugin plugin) {
        if (plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD) {
            if (plugin.matches(user.password(), nonce, answer)) loggedIn(ctx);
            else deny(ctx);
            return;
        }
        // caching_sha2_password: the fast path only for users verified in full since start, as MySQL does
        if (user.password().isEmpty() && answer.length == 0) {
            loggedIn(ctx);
        } else if (!unknownUser && proxy.sha2Cached(user.name()) && plugin.matches(user.password(), nonce, answer)) {
            ctx.write(Packets.finish(Packets.start(ctx.alloc(), 2).writeByte(0x01).writeByte(0x03), seq));
            seq = (seq + 1) & 0xff;
            loggedIn(ctx);
        } else {
            ctx.writeAndFlush(Packets.finish(Packets.start(ctx.alloc(), 2).writeByte(0x01).writeByte(0x04), seq));
            state = State.SHA2_FULL;
        }
    }

    private void onSha2Full(ChannelHandlerContext ctx, ByteBuf payload) {
        if (payload.readableBytes() == 1 && payload.getByte(payload.readerIndex()) == 2) {
            log.debug("connection {}: caching_sha2_password full authentication with the RSA key", connectionId);
            byte[] pem = proxy.rsa.publicKeyPem();
            ByteBuf out = Packets.start(ctx.alloc(), 1 + pem.length).writeByte(0x01).writeBytes(pem);
            ctx.writeAndFlush(Packets.finish(out, seq));
            state = State.SHA2_RSA;
            return;
        }
        if (!secure) {
            // a cleartext password over plain TCP: refuse rather than accept what anyone could have read
            deny(ctx);
            return;
        }
        log.debug("connection {}: caching_sha2_password full authentication over TLS", connectionId);
        byte[] clear = Wire.readNulBytes(payload);
        finishSha2Full(ctx, new String(clear, StandardCharsets.UTF_8));
    }

    /**
     * An RSA private-key operation costs milliseconds: it runs on the proxy's small auth executor, not on the
     * event loop that serves other sessions. When that executor's queue is full the login is refused.
     */
    private void decryptOffLoop(ChannelHandlerContext ctx, byte[] ciphertext) {
        state = State.CONNECTING_BACKEND; // nothing more may come from the client meanwhile
        try {
            proxy.authExecutor.execute(() -> {
                String pw = proxy.rsa.decryptPassword(ciphertext, nonce);
                ctx.executor().execute(() -> {
                    if (ctx.channel().isActive()) finishSha2Full(ctx, pw);
                });
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.warn("refusing login of '{}': too many RSA logins in progress", response.user());
            fail(ctx, ErrorCode.ER_CON_COUNT_ERROR.code, ErrorCode.ER_CON_COUNT_ERROR.sqlState,
                    "shardgate: too many logins in progress; try again");
        }
    }

    private void finishSha2Full(ChannelHandlerContext ctx, String password) {
        if (password != null && MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8),
                user.password().getBytes(StandardCharsets.UTF_8))) {
            proxy.sha2Remember(user.name());
            loggedIn(ctx);
        } else {
            deny(ctx);
        }
    }

    private void deny(ChannelHandlerContext ctx) {
        String name = response == null ? "" : response.user();
        boolean usedPassword = response != null && response.authResponse().length > 0 || state != State.GREETED;
        String host = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "?";
        log.info("access denied for user '{}' from {}", name, host);
        fail(ctx, ErrorCode.ER_ACCESS_DENIED_ERROR.code, ErrorCode.ER_ACCESS_DENIED_ERROR.sqlState,
                "Access denied for user '" + name + "'@'" + host + "' (using password: " + (usedPassword ? "YES" : "NO") + ")");
    }

    private void fail(ChannelHandlerContext ctx, int code, String sqlState, String message) {
        state = State.DONE;
        if (timeout != null) timeout.cancel(false);
        ctx.writeAndFlush(Packets.err(ctx.alloc(), seq, code, sqlState, message)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Authenticated: open the session's backend connection, then say OK (or pass on why it failed). */
    private void loggedIn(ChannelHandlerContext ctx) {
        if (unknownUser) { // cannot happen with a random password, but never let a made-up user in
            deny(ctx);
            return;
        }
        state = State.CONNECTING_BACKEND;
        Topology.Member group = proxy.topology.current().group(proxy.config.shardMap().defaultGroup());
        BackendProfile profile = BackendProfile.of(response.capabilities());
        proxy.pools.pool(group.master()).acquire(ctx.channel().eventLoop(), profile, response.charset(),
                        proxy.backendDatabase(response.database()))
                .addListener(f -> {
                    if (!ctx.channel().isActive()) {
                        if (f.isSuccess()) proxy.pools.pool(group.master()).release((BackendConnection) f.getNow());
                        return;
                    }
                    if (!f.isSuccess()) {
                        Throwable c = f.cause();
                        if (c instanceof BackendException b && b.code != 0) {
                            fail(ctx, b.code, b.sqlState, b.getMessage());
                        } else {
                            log.warn("session {}: {}", connectionId, c.getMessage());
                            fail(ctx, ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE.code, ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE.sqlState,
                                    c.getMessage() + "; check that group " + group.group() + "'s master is up");
                        }
                        return;
                    }
                    start(ctx, (BackendConnection) f.getNow());
                });
    }

    private void start(ChannelHandlerContext ctx, BackendConnection backend) {
        state = State.DONE;
        timeout.cancel(false);
        ctx.pipeline().get(PacketFrameDecoder.class).maxPayload(Packets.MAX_PAYLOAD);
        ClientSession session = new ClientSession(proxy, connectionId, response, backend);
        ctx.channel().closeFuture().addListener(f -> proxy.openConnections.decrementAndGet());
        counted = false; // the close listener above now gives the place back
        ctx.pipeline().replace(this, "session", session);
        ctx.writeAndFlush(Packets.ok(ctx.alloc(), seq, ServerStatus.AUTOCOMMIT));
        proxy.metrics.sessionsOpened.increment();
        log.debug("session {} for '{}' on backend {} (backend connection {})", connectionId, user.name(),
                backend.endpoint(), backend.serverConnectionId());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof MalformedPacketException || cause.getCause() instanceof MalformedPacketException) {
            proxy.metrics.malformedClients.increment();
            log.info("closing client {} during login: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.info("closing client {} during login: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
