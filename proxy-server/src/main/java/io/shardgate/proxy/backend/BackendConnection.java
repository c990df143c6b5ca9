package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.auth.RsaPasswordCipher;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.Command;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.InitialHandshake;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.Wire;
import io.shardgate.rules.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;

/**
 * One connection to a backend server, speaking the client side of the protocol: it authenticates
 * (mysql_native_password, caching_sha2_password with fast path or RSA full authentication, auth switch),
 * then runs one command at a time, handing each response frame to a {@link ResponseSink} as it arrives.
 * Lives on one event loop; every method must be called from it.
 */
public final class BackendConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    private enum Phase { HANDSHAKE, AUTH, READY, CLOSED }

    private final Endpoint endpoint;
    private final BackendProfile profile;
    private final String user;
    private final String password;
    private final Promise<BackendConnection> ready;
    private final ResponseTracker tracker;
    /** Rewrites ERR packets and column definitions on their way through (the logical schema's names), or null. */
    private final ResponseRewriter rewriter;
    private final long createdNanos = System.nanoTime();

    private Channel channel;
    private Phase phase = Phase.HANDSHAKE;
    private int authSeq;
    private AuthPlugin authPlugin;
    private byte[] nonce;
    private boolean publicKeyRequested;
    private String serverVersion;
    private long serverConnectionId;
    private ResponseSink sink;
    /**
     * Column definitions longer than this are relayed as they come, not held whole for the rewriter: real ones
     * are a few hundred bytes, and a packet held whole must not be a large one.
     */
    private static final int REWRITABLE = 64 * 1024;
    /** Relay state: bytes received but not yet forwarded (an incomplete header or classification prefix). */
    private ByteBuf pending;
    /** Payload bytes of the current packet still to pass through. */
    private int packetRemaining;
    /** The current packet is the response's last: it completes when {@link #packetRemaining} reaches 0. */
    private boolean lastPacket;
    /** Sequence id the next relayed packet gets (the client's command was 0). */
    private int relaySeq;
    private int lastErrorCode;
    private String lastErrorState;
    private String lastErrorMessage;

    /** Collation id sent in this connection's handshake: what COM_RESET_CONNECTION returns it to. */
    final int handshakeCharset;
    /** Collation id in force on the server side, or -1 when unknown. */
    int charset;
    /** Current database on the server side when {@link #schemaKnown}; null meaning none. */
    String schema;
    /** False once a client may have changed the database (COM_RESET_CONNECTION keeps whatever it was). */
    boolean schemaKnown = true;
    long idleSinceNanos;
    /**
     * The session settings applied on this connection beyond what its login and collation give it, as the
     * text of the SET statements that made them ({@code ""}: none). Written by the session that last used it,
     * read by the pool to hand a multiplexed session a connection that already has its settings.
     */
    String sessionState = "";

    BackendConnection(Endpoint endpoint, BackendProfile profile, String user, String password, int charset,
                      String schema, Promise<BackendConnection> ready) {
        this(endpoint, profile, user, password, charset, schema, ready, null);
    }

    BackendConnection(Endpoint endpoint, BackendProfile profile, String user, String password, int charset,
                      String schema, Promise<BackendConnection> ready, ResponseRewriter rewriter) {
        this.rewriter = rewriter;
        this.endpoint = endpoint;
        this.profile = profile;
        this.user = user;
        this.password = password;
        this.handshakeCharset = charset;
        this.charset = charset;
        this.schema = schema;
        this.ready = ready;
        this.tracker = new ResponseTracker(profile.deprecateEof());
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public BackendProfile profile() {
        return profile;
    }

    public String serverVersion() {
        return serverVersion;
    }

    public long serverConnectionId() {
        return serverConnectionId;
    }

    public int handshakeCharset() {
        return handshakeCharset;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Sequence id the next packet to the client should carry, after what was relayed of the current response. */
    public int nextRelaySequence() {
        return relaySeq;
    }

    /** True when the relay stopped inside a packet: nothing can be added to the client's stream after it. */
    public boolean stoppedMidPacket() {
        return packetRemaining > 0 || pending != null;
    }

    /** The last-insert-id of the last response's final OK packet (0: none generated). */
    public long lastInsertId() {
        return tracker.lastInsertId();
    }

    /** The warning count the last response ended with. */
    public int warnings() {
        return tracker.warnings();
    }

    /** See {@link #sessionState}. */
    public String sessionState() {
        return sessionState;
    }

    /**
     * A session gives the connection back with what it knows to be set on it: its SET statements'
     * signature, and the database it selected (null: unchanged since the pool knew it).
     */
    public void describeState(String sessionState, String database) {
        this.sessionState = sessionState;
        if (database != null) {
            this.schema = database;
            this.schemaKnown = true;
        }
    }

    public boolean usable() {
        return phase == Phase.READY && sink == null && channel.isActive();
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    /**
     * Sends one command (its logical payload, released here) and streams the response to {@code sink}, its
     * packets numbered from {@code firstSeq} (the client's last command packet's id plus one). The connection
     * must be idle.
     */
    public void execute(ByteBuf payload, ResponseKind kind, ResponseSink sink, int firstSeq) {
        if (phase != Phase.READY || this.sink != null) {
            if (this.sink == null) relaySeq = firstSeq; // a dead idle connection: the ERR takes the reply's place
            payload.release();
            sink.onFailure(new BackendException("shardgate: the connection to backend " + endpoint
                    + " was lost before the statement was sent (nothing was run)", null));
            return;
        }
        relaySeq = firstSeq; // only once it is ours: a busy connection's numbering belongs to its own response
        this.sink = sink;
        channel.config().setAutoRead(true); // a previous response's backpressure must not keep this one unread
        tracker.start(kind);
        packetRemaining = 0;
        lastPacket = false;
        lastErrorCode = 0;
        Packets.write(channel, payload, 0);
        channel.flush();
    }

    /**
     * Sends a command that has no response (COM_STMT_CLOSE); the connection must be idle and stays so. Releases
     * {@code payload}.
     */
    public void sendWithoutResponse(ByteBuf payload) {
        if (phase != Phase.READY || this.sink != null) {
            payload.release();
            return;
        }
        Packets.write(channel, payload, 0);
        channel.flush();
    }

    /** Runs a statement whose result the proxy itself consumes (SET NAMES...); fails with the server's error. */
    public Future<Void> executeInternal(String sql) {
        return executeInternal(sql, StandardCharsets.UTF_8);
    }

    /** As {@link #executeInternal(String)}, the text encoded in {@code charset} (the client's, for its statements). */
    public Future<Void> executeInternal(String sql, java.nio.charset.Charset charset) {
        byte[] text = sql.getBytes(charset);
        ByteBuf payload = channel.alloc().buffer(1 + text.length).writeByte(Command.QUERY).writeBytes(text);
        return executeInternal(payload, ResponseKind.RESULT, sql);
    }

    public Future<Void> executeInternal(ByteBuf payload, ResponseKind kind, String what) {
        InternalSink s = new InternalSink(channel.eventLoop().newPromise(), what);
        execute(payload, kind, s, 1);
        return s.promise;
    }

    public void close() {
        phase = Phase.CLOSED;
        if (channel != null) channel.close();
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (phase == Phase.READY) {
            relay(in);
            return;
        }
        // login: whole packets from the frame decoder, removed from the pipeline once logged in
        try {
            authSeq = (Packets.sequence(in) + 1) & 0xff;
            ByteBuf payload = in.slice(in.readerIndex() + Packets.HEADER_SIZE, Packets.payloadLength(in));
            if (phase == Phase.HANDSHAKE) {
                onGreeting(InitialHandshake.decode(payload));
            } else if (phase == Phase.AUTH) {
                onAuthPacket(payload);
            }
        } finally {
            in.release();
        }
    }

    /**
     * Passes response bytes to the sink as they arrive: every packet header is looked at (and its sequence id
     * rewritten in place) but payloads are not, so one read becomes at most one forwarded slice, and a large
     * row streams through without being held whole. Only an incomplete header or classification prefix is
     * kept back until the next read, and the small packets the {@link #rewriter} may replace (an ERR, a column
     * definition) until they are whole; a replaced packet splits the read's slice around its replacement.
     */
    private void relay(ByteBuf in) {
        ByteBuf buf = in;
        if (pending != null) {
            buf = channel.alloc().compositeBuffer(2).addComponents(true, pending, in);
            pending = null;
        }
        try {
            ResponseSink s = sink;
            if (s == null) {
                throw new MalformedPacketException("backend " + endpoint + " sent data while no command was in flight");
            }
            int start = buf.readerIndex();
            int pos = start;
            int end = buf.writerIndex();
            boolean complete = false;
            while (pos < end && !complete) {
                if (packetRemaining > 0) {
                    int n = Math.min(packetRemaining, end - pos);
                    pos += n;
                    packetRemaining -= n;
                    complete = packetRemaining == 0 && lastPacket;
                    continue;
                }
                if (end - pos < Packets.HEADER_SIZE) break;
                int length = Packets.payloadLength(buf, pos);
                int have = end - pos - Packets.HEADER_SIZE;
                if (have < Math.min(length, ResponseTracker.CLASSIFY_PREFIX)) break;
                boolean definition = rewriter != null && length < REWRITABLE && tracker.atColumnDefinition();
                if (have < length && (definition || tracker.needsWholePacket(buf, pos))) break;
                lastPacket = tracker.onPacket(buf, pos);
                boolean error = lastPacket && tracker.errorCode() != 0;
                ByteBuf replaced = rewriter == null ? null
                        : error ? rewriter.error(channel.alloc(), buf, pos + Packets.HEADER_SIZE, length)
                        : definition ? rewriter.columnDefinition(channel.alloc(), buf, pos + Packets.HEADER_SIZE, length)
                        : null;
                if (replaced != null) {
                    // what came before goes on as it is, then the new packet in place of the old one
                    if (pos > start) s.onData(buf.retainedSlice(start, pos - start));
                    if (error) captureError(replaced, replaced.readerIndex(), replaced.readableBytes());
                    s.onData(framed(replaced));
                    pos += Packets.HEADER_SIZE + length;
                    start = pos;
                    complete = lastPacket;
                    continue;
                }
                if (error) captureError(buf, pos + Packets.HEADER_SIZE, length);
                buf.setByte(pos + 3, relaySeq);
                relaySeq = (relaySeq + 1) & 0xff;
                pos += Packets.HEADER_SIZE;
                packetRemaining = length;
                complete = length == 0 && lastPacket;
            }
            if (complete && pos < end) {
                throw new MalformedPacketException("backend " + endpoint + " sent " + (end - pos) + " bytes after the end of a response");
            }
            if (pos > start) {
                s.onData(buf.retainedSlice(start, pos - start));
            }
            if (pos < end) {
                pending = buf.copy(pos, end - pos); // a few bytes: an incomplete header, prefix, or small packet
            }
            if (complete) {
                sink = null;
                lastPacket = false;
                s.onComplete(tracker.status(), tracker.errorCode());
            }
        } finally {
            buf.release();
        }
    }

    /** A packet the rewriter made, headed with the next sequence id. */
    private ByteBuf framed(ByteBuf payload) {
        ByteBuf header = channel.alloc().buffer(Packets.HEADER_SIZE).writeMediumLE(payload.readableBytes()).writeByte(relaySeq);
        relaySeq = (relaySeq + 1) & 0xff;
        return channel.alloc().compositeBuffer(2).addComponents(true, header, payload);
    }

    private void captureError(ByteBuf buf, int p, int length) {
        lastErrorCode = buf.getUnsignedShortLE(p + 1);
        boolean hasState = length >= 9 && buf.getByte(p + 3) == '#';
        lastErrorState = hasState ? buf.toString(p + 4, 5, StandardCharsets.US_ASCII) : "HY000";
        int msgStart = hasState ? 9 : 3;
        lastErrorMessage = buf.toString(p + msgStart, length - msgStart, StandardCharsets.UTF_8);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ResponseSink s = sink;
        if (s != null) s.onReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Phase was = phase;
        phase = Phase.CLOSED;
        BackendException cause = new BackendException("shardgate: lost the connection to backend " + endpoint
                + " during the statement; it may or may not have been applied", null);
        ready.tryFailure(cause);
        ResponseSink s = sink;
        sink = null;
        if (s != null) s.onFailure(cause); // may ask stoppedMidPacket(): release pending afterwards
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (was == Phase.READY) log.debug("backend connection {} to {} closed", serverConnectionId, endpoint);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (phase != Phase.READY) {
            ready.tryFailure(cause instanceof BackendException b ? b
                    : new BackendException("cannot log in to backend " + endpoint + ": " + cause.getMessage(), cause));
        } else {
            log.warn("backend connection to {} failed: {}", endpoint, cause.toString());
        }
        ctx.close();
    }

    // ---------------------------------------------------------------- authentication (client side)

    private void onGreeting(InitialHandshake hs) {
        serverVersion = hs.serverVersion();
        serverConnectionId = hs.connectionId();
        nonce = hs.nonce();
        authPlugin = AuthPlugin.byName(hs.authPlugin());
        if (authPlugin == null) authPlugin = AuthPlugin.MYSQL_NATIVE_PASSWORD;
        int wanted = Capabilities.BACKEND_BASE | profile.flags();
        if (schema == null) wanted &= ~Capabilities.CONNECT_WITH_DB;
        // the server's set minus what it lacks; PROTOCOL_41 and SECURE_CONNECTION are required of it
        int caps = wanted & (hs.capabilities() | Capabilities.LONG_PASSWORD);
        if (!Capabilities.has(caps, Capabilities.PROTOCOL_41)) {
            throw new BackendException("backend " + endpoint + " does not speak protocol 4.1", null);
        }
        if ((profile.flags() & ~hs.capabilities() & Capabilities.BACKEND_PROFILE_MASK) != 0) {
            throw new BackendException("backend " + endpoint + " lacks capabilities the client asked for: 0x"
                    + Integer.toHexString(profile.flags() & ~hs.capabilities()), null);
        }
        HandshakeResponse resp = new HandshakeResponse(caps, Packets.MAX_PAYLOAD, charset, user,
                authPlugin.scramble(password, nonce), schema, authPlugin.wireName,
                Map.of("_client_name", "shardgate"));
        if (Capabilities.has(hs.capabilities(), Capabilities.CONNECT_ATTRS)) {
            resp = new HandshakeResponse(caps | Capabilities.CONNECT_ATTRS, resp.maxPacketSize(), resp.charset(), resp.user(),
                    resp.authResponse(), resp.database(), resp.authPlugin(), resp.attributes());
        }
        ByteBuf out = Packets.start(channel.alloc(), 128);
        resp.encode(out);
        phase = Phase.AUTH;
        channel.writeAndFlush(Packets.finish(out, authSeq));
    }

    private void onAuthPacket(ByteBuf p) {
        int first = p.isReadable() ? p.getUnsignedByte(p.readerIndex()) : -1;
        switch (first) {
            case 0x00 -> {
                phase = Phase.READY;
                // from here on the relay reads raw bytes itself; nothing can be buffered yet (we have not spoken)
                channel.pipeline().remove(PacketFrameDecoder.class);
                ready.trySuccess(this);
            }
            case 0xff -> {
                p.skipBytes(1);
                int code = p.readUnsignedShortLE();
                String state = "HY000";
                if (p.isReadable() && p.getByte(p.readerIndex()) == '#') {
                    p.skipBytes(1);
                    state = p.readCharSequence(5, StandardCharsets.US_ASCII).toString();
                }
                String msg = p.toString(StandardCharsets.UTF_8);
                if (code == 1049) {
                    throw new BackendException(code, state, msg, null); // unknown database: the client's to fix
                }
                throw new BackendException("shardgate: backend " + endpoint + " refused the proxy's login as '" + user
                        + "' (" + code + " " + msg + "); check backend.user and backend.password", null);
            }
            case 0xfe -> { // auth switch request: plugin name, then the new nonce
                p.skipBytes(1);
                String name = Wire.readNulString(p, StandardCharsets.UTF_8);
                byte[] data = Wire.readRest(p);
                nonce = data.length > 0 && data[data.length - 1] == 0 ? Arrays.copyOf(data, data.length - 1) : data;
                authPlugin = AuthPlugin.byName(name);
                if (authPlugin == null) {
                    throw new BackendException("backend " + endpoint + " wants auth plugin '" + name
                            + "'; shardgate speaks mysql_native_password and caching_sha2_password", null);
                }
                send(Unpooled.wrappedBuffer(authPlugin.scramble(password, nonce)));
            }
            case 0x01 -> { // AuthMoreData (caching_sha2_password)
                p.skipBytes(1);
                if (p.readableBytes() == 1 && p.getByte(p.readerIndex()) == 3) {
                    return; // fast auth succeeded; the OK follows
                }
                if (p.readableBytes() == 1 && p.getByte(p.readerIndex()) == 4) {
                    // full authentication: no TLS to backends, so fetch the RSA key and encrypt
                    publicKeyRequested = true;
                    send(Unpooled.wrappedBuffer(new byte[]{2}));
                    return;
                }
                if (publicKeyRequested) {
                    try {
                        send(Unpooled.wrappedBuffer(RsaPasswordCipher.encryptPassword(password, nonce, Wire.readRest(p))));
                    } catch (GeneralSecurityException e) {
                        throw new BackendException("cannot use the RSA key backend " + endpoint + " sent: " + e.getMessage(), e);
                    }
                    return;
                }
                throw new MalformedPacketException("unexpected AuthMoreData from backend " + endpoint);
            }
            default -> throw new MalformedPacketException("unexpected packet 0x" + Integer.toHexString(first)
                    + " from backend " + endpoint + " during login");
        }
    }

    private void send(ByteBuf payload) {
        authSeq = Packets.write(channel, payload, authSeq);
        channel.flush();
    }

    /** Collects the outcome of a statement the proxy runs for itself; discards any rows. */
    private final class InternalSink implements ResponseSink {
        final Promise<Void> promise;
        final String what;

        InternalSink(Promise<Void> promise, String what) {
            this.promise = promise;
            this.what = what;
        }

        @Override
        public void onData(ByteBuf chunk) {
            chunk.release();
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onComplete(int status, int errorCode) {
            if (errorCode == 0) promise.trySuccess(null);
            else {
                log.debug("{} failed on {}: {} {}", what, endpoint, errorCode, lastErrorMessage);
                promise.tryFailure(new BackendException(errorCode, lastErrorState, lastErrorMessage, null));
            }
        }

        @Override
        public void onFailure(Throwable cause) {
            promise.tryFailure(cause);
        }
    }
}
