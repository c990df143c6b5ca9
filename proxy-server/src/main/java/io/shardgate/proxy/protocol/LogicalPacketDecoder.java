package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;

import java.util.List;

/**
 * Joins physical packets (from {@link PacketFrameDecoder}) into logical {@link Packet}s: a payload of exactly
 * 0xFFFFFF bytes continues in the next packet. Used where the proxy reads what it receives (client commands,
 * handshakes), not on the relay path. Sequence ids within one logical packet must be consecutive.
 */
public final class LogicalPacketDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final long maxLogicalPayload;
    private CompositeByteBuf pending;
    private int firstSeq;
    private int expectedSeq;

    public LogicalPacketDecoder(long maxLogicalPayload) {
        this.maxLogicalPayload = maxLogicalPayload;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int length = Packets.payloadLength(frame);
        int seq = Packets.sequence(frame);
        if (length > maxLogicalPayload || (pending != null && pending.readableBytes() + (long) length > maxLogicalPayload)) {
            throw new PacketTooLargeException(maxLogicalPayload, (seq + 1) & 0xff);
        }
        ByteBuf payload = frame.retainedSlice(frame.readerIndex() + Packets.HEADER_SIZE, length);
        if (pending == null && length < Packets.MAX_PAYLOAD) {
            out.add(new Packet(seq, payload));
            return;
        }
        if (pending == null) {
            pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            firstSeq = seq;
        } else if (seq != expectedSeq) {
            payload.release();
            throw new MalformedPacketException("continuation packet has sequence id " + seq + ", expected " + expectedSeq);
        }
        pending.addComponent(true, payload);
        expectedSeq = (seq + 1) & 0xff;
        if (length < Packets.MAX_PAYLOAD) {
            CompositeByteBuf whole = pending;
            pending = null;
            out.add(new Packet(firstSeq, seq, whole));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        handlerRemoved(ctx);
        super.channelInactive(ctx);
    }

    /** A logical packet larger than the configured max_allowed_packet. */
    public static final class PacketTooLargeException extends RuntimeException {
        private final int nextSequenceId;

        public PacketTooLargeException(long limit, int nextSequenceId) {
            super("Got a packet bigger than 'max_allowed_packet' bytes (" + limit + ")", null, false, false);
            this.nextSequenceId = nextSequenceId;
        }

        /** The sequence id an answer to the offending packet carries. */
        public int nextSequenceId() {
            return nextSequenceId;
        }
    }
}
