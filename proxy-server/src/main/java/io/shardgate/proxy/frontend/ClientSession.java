package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.protocol.Collations;
import io.shardgate.proxy.protocol.Command;
import io.shardgate.proxy.protocol.ErrorCode;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.LogicalPacketDecoder;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packet;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.router.RoutePlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.Charset;
import java.util.ArrayDeque;

/**
 * The command phase of one client connection. Each command is planned by the router and carried out on the
 * session's backend connection; the response frames are relayed to the client as they arrive, with sequence
 * ids renumbered and without decoding rows. A slow client stops reads from the backend (autoRead off until
 * the client's socket drains), so a large result never piles up in the proxy.
 *
 * <p>Until multiplexing arrives, a session keeps one backend connection (to its default group's master)
 * from login to close, so every session setting the client makes simply holds.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements ResponseSink {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** Commands a client may send before the previous one is answered; MySQL clients do not pipeline. */
    private static final int MAX_QUEUED = 64;

    private final ProxyContext proxy;
    private final long connectionId;
    private final Charset textCharset;
    private final BackendConnection backend;
    private final ArrayDeque<Packet> queue = new ArrayDeque<>();
    private Channel client;
    private boolean busy;
    private boolean closing;
    private int lastStatus = ServerStatus.AUTOCOMMIT;

    ClientSession(ProxyContext proxy, long connectionId, HandshakeResponse login, BackendConnection backend) {
        this.proxy = proxy;
        this.connectionId = connectionId;
        this.textCharset = Collations.javaCharset(login.charset());
        this.backend = backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Packet p = (Packet) msg;
        if (closing) {
            p.release();
            return;
        }
        if (busy) {
            if (queue.size() >= MAX_QUEUED) {
                p.release();
                throw new MalformedPacketException("client sent more than " + MAX_QUEUED + " commands without reading the answers");
            }
            queue.add(p);
            return;
        }
        dispatch(ctx, p);
    }

    private void dispatch(ChannelHandlerContext ctx, Packet p) {
        try {
            ByteBuf payload = p.payload();
            if (!payload.isReadable()) {
                throw new MalformedPacketException("empty command packet");
            }
            if (p.sequenceId() != 0) {
                throw new MalformedPacketException("command packet with sequence id " + p.sequenceId() + ", expected 0");
            }
            int command = payload.getUnsignedByte(payload.readerIndex());
            switch (command) {
                case Command.QUIT -> {
                    closing = true;
                    ctx.close();
                }
                case Command.PING -> {
                    ctx.writeAndFlush(Packets.ok(ctx.alloc(), 1, backendStatus()));
                }
                case Command.QUERY -> {
                    String sql = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset);
                    RoutePlan plan = proxy.router.plan(sql);
                    if (!plan.singleTarget() || !plan.targets().get(0).unchanged()) {
                        error(ctx, ErrorCode.ER_NOT_SUPPORTED_YET, "shardgate: this statement needs " + plan.targets().size()
                                + " targets or rewriting, which this version cannot execute");
                        return;
                    }
                    forward(payload, ResponseKind.RESULT);
                }
                case Command.INIT_DB, Command.RESET_CONNECTION, Command.SET_OPTION, Command.STATISTICS ->
                        forward(payload, ResponseKind.SINGLE);
                case Command.FIELD_LIST -> forward(payload, ResponseKind.FIELD_LIST);
                // these two have no response at all: answering them would desynchronise the client
                case Command.STMT_CLOSE, Command.STMT_SEND_LONG_DATA -> {}
                case Command.STMT_PREPARE, Command.STMT_EXECUTE, Command.STMT_RESET, Command.STMT_FETCH ->
                        error(ctx, ErrorCode.ER_NOT_SUPPORTED_YET, "shardgate: server-side prepared statements ("
                                + Command.name(command) + ") are not supported yet; use client-side prepared statements "
                                + "(Connector/J: useServerPrepStmts=false, the default; sysbench: --db-ps-mode=disable)");
                case Command.CHANGE_USER -> {
                    error(ctx, ErrorCode.ER_NOT_SUPPORTED_YET,
                            "shardgate: COM_CHANGE_USER is not supported; open a new connection as the other user");
                    closing = true;
                    ctx.flush();
                    ctx.close();
                }
                default -> error(ctx, ErrorCode.ER_UNKNOWN_COM_ERROR, "Unknown command: shardgate does not support "
                        + Command.name(command));
            }
        } finally {
            p.release();
        }
    }

    /** The server status the backend last reported (autocommit, in transaction...), for answers the proxy makes itself. */
    private int backendStatus() {
        return lastStatus;
    }

    private void error(ChannelHandlerContext ctx, ErrorCode code, String message) {
        ctx.writeAndFlush(Packets.err(ctx.alloc(), 1, code, message));
    }

    private void forward(ByteBuf payload, ResponseKind kind) {
        busy = true;
        backend.execute(payload.retain(), kind, this);
    }

    // ---------------------------------------------------------------- relay (ResponseSink), on the shared event loop

    @Override
    public void onData(ByteBuf chunk) {
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
        if (errorCode == 0) lastStatus = status & ~ServerStatus.MORE_RESULTS_EXISTS;
        client.flush();
        busy = false;
        Packet next;
        while (!busy && !closing && (next = queue.poll()) != null) {
            dispatch(client.pipeline().context(this), next);
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        busy = false;
        if (closing || !client.isActive()) return;
        log.warn("session {}: {}", connectionId, cause.getMessage());
        // part of a result may already be on its way: an ERR then close is all the client can make sense of
        closing = true;
        client.writeAndFlush(Packets.err(client.alloc(), backend.nextRelaySequence(), ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                "shardgate: " + cause.getMessage() + " during the statement; it may or may not have been applied. Reconnect."))
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
        queue.forEach(ReferenceCountUtil::release);
        queue.clear();
        if (busy) {
            backend.close(); // a response is still streaming: the connection is not reusable
        } else {
            backend.channel().config().setAutoRead(true);
            proxy.pools.pool(backend.endpoint()).release(backend);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause.getCause() != null && !(cause instanceof MalformedPacketException) ? cause.getCause() : cause;
        if (c instanceof LogicalPacketDecoder.PacketTooLargeException) {
            closing = true;
            ctx.writeAndFlush(Packets.err(ctx.alloc(), 1, ErrorCode.ER_NET_PACKET_TOO_LARGE, c.getMessage()))
               .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (c instanceof MalformedPacketException) {
            proxy.metrics.malformedClients.increment();
            log.info("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.getMessage());
        } else {
            log.warn("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.toString());
        }
        closing = true;
        ctx.close();
    }
}
