package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendException;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.Collations;
import io.shardgate.proxy.protocol.Command;
import io.shardgate.proxy.protocol.ErrorCode;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.LogicalPacketDecoder;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packet;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ResultSetWriter;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.router.RoutePlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The command phase of one client connection. Each command is planned by the router and carried out on the
 * session's backend connection; the response is relayed to the client as it arrives, without decoding rows.
 * A slow client stops reads from the backend (autoRead off until the client's socket drains), so a large
 * result never piles up in the proxy; a client that sends commands before reading answers stops being read
 * once one is queued.
 *
 * <p>Until multiplexing arrives, a session keeps one backend connection (to its default group's master)
 * from login to close, so every session setting the client makes simply holds.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements ResponseSink {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** Commands (and their bytes) a client may send before the previous one is answered; MySQL clients do not pipeline. */
    private static final int MAX_QUEUED = 64;
    private static final long MAX_QUEUED_BYTES = 16 << 20;

    private final ProxyContext proxy;
    private final long connectionId;
    private final String user;
    private final int charset;
    private final Charset textCharset;
    private final boolean deprecateEof;
    private final BackendConnection backend;
    private final ArrayDeque<Packet> queue = new ArrayDeque<>();
    private long queuedBytes;
    private ChannelHandlerContext ctx;
    private Channel client;
    private boolean busy;
    private boolean closing;
    /** The client toggled an option (COM_SET_OPTION) a reset does not undo: the connection must not be pooled. */
    private boolean backendOptionsChanged;

    ClientSession(ProxyContext proxy, long connectionId, HandshakeResponse login, BackendConnection backend) {
        this.proxy = proxy;
        this.connectionId = connectionId;
        this.user = login.user();
        this.charset = login.charset();
        this.textCharset = Collations.javaCharset(login.charset());
        this.deprecateEof = Capabilities.has(login.capabilities(), Capabilities.DEPRECATE_EOF);
        this.backend = backend;
    }

    public long connectionId() {
        return connectionId;
    }

    public String user() {
        return user;
    }

    BackendConnection backend() {
        return backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = ctx.channel();
        proxy.register(this);
        // a backend that goes away between statements (killed, restarted, timed out) takes its session with it;
        // during a statement, onFailure says so to the client first
        backend.channel().closeFuture().addListener(f -> {
            if (!busy && !closing) {
                log.info("session {}: backend connection to {} closed; closing the client connection", connectionId, backend.endpoint());
                closing = true;
                client.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Packet p = (Packet) msg;
        if (closing) {
            p.release();
            return;
        }
        if (busy) {
            queue.add(p);
            queuedBytes += p.payload().readableBytes();
            if (queue.size() > MAX_QUEUED || queuedBytes > MAX_QUEUED_BYTES) {
                throw new MalformedPacketException("client sent more than " + MAX_QUEUED
                        + " commands or 16 MiB without reading the answers");
            }
            client.config().setAutoRead(false); // resumed when the queue drains
            return;
        }
        dispatch(p);
    }

    private void dispatch(Packet p) {
        try {
            ByteBuf payload = p.payload();
            if (!payload.isReadable()) {
                throw new MalformedPacketException("empty command packet");
            }
            if (p.sequenceId() != 0) {
                throw new MalformedPacketException("command packet with sequence id " + p.sequenceId() + ", expected 0");
            }
            int replySeq = (p.lastSequenceId() + 1) & 0xff;
            int command = payload.getUnsignedByte(payload.readerIndex());
            switch (command) {
                case Command.QUIT -> {
                    closing = true;
                    ctx.close();
                }
                case Command.QUERY -> query(payload, replySeq);
                case Command.PING, Command.INIT_DB, Command.STATISTICS -> forward(payload, ResponseKind.SINGLE, replySeq);
                case Command.SET_OPTION -> {
                    backendOptionsChanged = true;
                    forward(payload, ResponseKind.SINGLE, replySeq);
                }
                case Command.RESET_CONNECTION -> resetConnection(replySeq);
                case Command.FIELD_LIST -> forward(payload, ResponseKind.FIELD_LIST, replySeq);
                case Command.PROCESS_KILL -> {
                    if (payload.readableBytes() < 5) throw new MalformedPacketException("COM_PROCESS_KILL without a thread id");
                    kill(new KillStatement(payload.getUnsignedIntLE(payload.readerIndex() + 1), false), replySeq);
                }
                // these two have no response at all: answering them would desynchronise the client
                case Command.STMT_CLOSE, Command.STMT_SEND_LONG_DATA -> {}
                // 1295 is the code clients (sysbench, Connector/J) take as "emulate prepared statements instead"
                case Command.STMT_PREPARE -> error(ErrorCode.ER_UNSUPPORTED_PS, replySeq, "shardgate: server-side prepared "
                        + "statements are not supported yet; use client-side prepared statements (Connector/J: "
                        + "useServerPrepStmts=false, the default; sysbench: --db-ps-mode=disable)");
                case Command.STMT_EXECUTE, Command.STMT_RESET, Command.STMT_FETCH -> error(ErrorCode.ER_UNKNOWN_STMT_HANDLER, replySeq,
                        "Unknown prepared statement handler given to " + Command.name(command)
                                + " (shardgate does not support server-side prepared statements yet)");
                case Command.CHANGE_USER -> {
                    closing = true;
                    ctx.writeAndFlush(Packets.err(ctx.alloc(), replySeq, ErrorCode.ER_NOT_SUPPORTED_YET,
                                    "shardgate: COM_CHANGE_USER is not supported; open a new connection as the other user"))
                       .addListener(ChannelFutureListener.CLOSE);
                }
                default -> error(ErrorCode.ER_UNKNOWN_COM_ERROR, replySeq, "Unknown command: shardgate does not support "
                        + Command.name(command));
            }
        } finally {
            p.release();
        }
    }

    private void query(ByteBuf payload, int replySeq) {
        int first = firstLetter(payload);
        boolean mayBeProxys = first == 'k' || first == 's'; // KILL, SHARDGATE ...: the proxy's to answer
        String sql = proxy.router.needsStatementText() || mayBeProxys
                ? payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset) : "";
        if (mayBeProxys) {
            KillStatement kill = KillStatement.parse(sql);
            if (kill != null) {
                kill(kill, replySeq);
                return;
            }
            AdminStatement admin = AdminStatement.parse(sql);
            if (admin != null) {
                admin(admin, replySeq);
                return;
            }
        }
        RoutePlan plan = proxy.router.plan(sql);
        if (!plan.singleTarget() || !plan.targets().get(0).unchanged()) {
            error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: this statement needs " + plan.targets().size()
                    + " targets or rewriting, which this version cannot execute");
            return;
        }
        forward(payload, ResponseKind.RESULT, replySeq);
    }

    /** The statement's first non-blank byte, lower-cased (a cheap filter before decoding); -1 when blank. */
    private static int firstLetter(ByteBuf payload) {
        int end = payload.writerIndex();
        for (int i = payload.readerIndex() + 1; i < end; i++) {
            byte b = payload.getByte(i);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
            return Character.toLowerCase(b & 0xff);
        }
        return -1;
    }

    private void admin(AdminStatement admin, int replySeq) {
        if (admin instanceof AdminStatement.Explain e) {
            RoutePlan plan = proxy.router.plan(e.statement());
            List<List<String>> rows = new ArrayList<>();
            for (String line : plan.explain().split("\n")) rows.add(List.of(line));
            ResultSetWriter.write(client, replySeq, deprecateEof, ServerStatus.AUTOCOMMIT, List.of("plan"), rows);
            client.flush();
        } else if (admin instanceof AdminStatement.Unknown u) {
            error(ErrorCode.ER_PARSE_ERROR, replySeq, AdminStatement.usage(u));
        }
    }

    /**
     * KILL names the proxy's connection id; the backend knows its own thread ids. As in MySQL, a user may kill
     * only its own sessions.
     */
    private void kill(KillStatement kill, int replySeq) {
        ClientSession target = proxy.session(kill.connectionId());
        if (target == null) {
            error(ErrorCode.ER_NO_SUCH_THREAD, replySeq, "Unknown thread id: " + kill.connectionId());
            return;
        }
        if (!target.user().equals(user)) {
            error(ErrorCode.ER_KILL_DENIED_ERROR, replySeq, "You are not owner of thread " + kill.connectionId());
            return;
        }
        BackendConnection victim = target.backend();
        if (!victim.endpoint().equals(backend.endpoint())) {
            error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: session " + kill.connectionId()
                    + " runs on another server (" + victim.endpoint() + "); KILL it from a session on that server");
            return;
        }
        byte[] sql = kill.forBackend(victim.serverConnectionId()).getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = client.alloc().buffer(1 + sql.length).writeByte(Command.QUERY).writeBytes(sql);
        log.info("session {} ({}): KILL {}{} -> backend thread {} on {}", connectionId, user,
                kill.queryOnly() ? "QUERY " : "", kill.connectionId(), victim.serverConnectionId(), victim.endpoint());
        busy = true;
        backend.execute(out, ResponseKind.RESULT, this, replySeq);
    }

    /**
     * The backend's reset returns its collation to the one its own handshake carried, which was some earlier
     * client's: the session's is applied again before the client hears OK.
     */
    private void resetConnection(int replySeq) {
        busy = true;
        ByteBuf reset = client.alloc().buffer(1).writeByte(Command.RESET_CONNECTION);
        backend.executeInternal(reset, ResponseKind.SINGLE, "COM_RESET_CONNECTION").addListener(f1 -> {
            String setNames = Collations.setNames(charset);
            Future<Void> f2 = f1.isSuccess() && backend.handshakeCharset() != charset && setNames != null
                    ? backend.executeInternal(setNames) : null;
            if (f2 == null) {
                afterReset(f1, replySeq);
            } else {
                f2.addListener(f -> afterReset(f, replySeq));
            }
        });
    }

    private void afterReset(Future<?> f, int replySeq) {
        if (closing) return;
        if (f.isSuccess()) {
            client.writeAndFlush(Packets.ok(client.alloc(), replySeq, ServerStatus.AUTOCOMMIT));
            onComplete(ServerStatus.AUTOCOMMIT, 0);
        } else {
            onFailure(f.cause());
        }
    }

    private void error(ErrorCode code, int seq, String message) {
        ctx.writeAndFlush(Packets.err(ctx.alloc(), seq, code, message));
    }

    private void forward(ByteBuf payload, ResponseKind kind, int replySeq) {
        busy = true;
        backend.execute(payload.retain(), kind, this, replySeq);
    }

    // ---------------------------------------------------------------- relay (ResponseSink), on the shared event loop

    @Override
    public void onData(ByteBuf chunk) {
        if (!client.isActive()) {
            chunk.release(); // the client left mid-result; the backend connection is closed when it notices
            return;
        }
        client.write(chunk, client.voidPromise());
        if (!client.isWritable() && backend.channel().config().isAutoRead()) {
            backend.channel().config().setAutoRead(false);
            proxy.metrics.backpressurePauses.increment();
        }
    }

    @Override
    public void onReadComplete() {
        client.flush();
    }

    @Override
    public void onComplete(int status, int errorCode) {
        client.flush();
        busy = false;
        Packet next;
        while (!busy && !closing && (next = queue.poll()) != null) {
            queuedBytes -= next.payload().readableBytes();
            try {
                dispatch(next);
            } catch (RuntimeException e) {
                exceptionCaught(ctx, e); // not the backend's fault: don't let it reach the backend's pipeline
                return;
            }
        }
        if (queue.isEmpty() && !closing && !client.config().isAutoRead()) {
            client.config().setAutoRead(true);
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        busy = false;
        if (closing || !client.isActive()) return;
        closing = true;
        log.warn("session {}: {}", connectionId, cause.getMessage());
        if (backend.stoppedMidPacket()) {
            client.close(); // an ERR cannot be spliced into a half-sent packet; the client sees the connection drop
            return;
        }
        String msg = cause instanceof BackendException ? cause.getMessage() : "shardgate: " + cause;
        client.writeAndFlush(Packets.err(client.alloc(), backend.nextRelaySequence(), ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                        msg + ". Reconnect."))
              .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !backend.channel().config().isAutoRead()) {
            backend.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        proxy.unregister(this);
        queue.forEach(ReferenceCountUtil::release);
        queue.clear();
        if (busy || backendOptionsChanged) {
            backend.close(); // a response still streaming, or options a reset would not undo: not reusable
        } else {
            backend.channel().config().setAutoRead(true);
            proxy.pools.pool(backend.endpoint()).release(backend);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause.getCause() != null && !(cause instanceof MalformedPacketException) ? cause.getCause() : cause;
        if (c instanceof LogicalPacketDecoder.PacketTooLargeException tooLarge) {
            closing = true;
            ctx.writeAndFlush(Packets.err(ctx.alloc(), tooLarge.nextSequenceId(), ErrorCode.ER_NET_PACKET_TOO_LARGE, c.getMessage()))
               .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (c instanceof MalformedPacketException) {
            proxy.metrics.malformedClients.increment();
            log.info("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.getMessage());
        } else if (c instanceof java.nio.channels.ClosedChannelException || !ctx.channel().isActive()) {
            log.debug("session {}: {}", connectionId, c.toString());
        } else {
            log.warn("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.toString());
        }
        closing = true;
        ctx.close();
    }
}
