package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.protocol.Packets;

/**
 * A {@link ResponseSink} for responses the proxy reads itself rather than relays: it puts the relayed chunks
 * back together into whole logical packets (a payload of 0xFFFFFF bytes joined with its continuations) and
 * hands each payload to {@link #onPacket}. Bytes are kept only until their packet is complete.
 */
public abstract class PacketSink implements ResponseSink {
    private final ByteBufAllocator alloc;
    /** Bytes received and not yet part of a complete packet. */
    private CompositeByteBuf cumulation;
    /** Continued payload: the parts of a packet longer than 0xFFFFFF bytes seen so far. */
    private CompositeByteBuf continued;

    protected PacketSink(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** One logical packet's payload; valid only during the call (copy what must be kept). */
    protected abstract void onPacket(ByteBuf payload);

    @Override
    public final void onData(ByteBuf chunk) {
        if (cumulation == null) cumulation = alloc.compositeBuffer(1024);
        CompositeByteBuf buf = cumulation;
        buf.addComponent(true, chunk);
        while (buf.readableBytes() >= Packets.HEADER_SIZE) {
            int length = Packets.payloadLength(buf, buf.readerIndex());
            if (buf.readableBytes() < Packets.HEADER_SIZE + length) break;
            ByteBuf payload = buf.slice(buf.readerIndex() + Packets.HEADER_SIZE, length);
            buf.skipBytes(Packets.HEADER_SIZE + length);
            if (length == Packets.MAX_PAYLOAD || continued != null) {
                // copied: slices of the cumulation do not survive discardReadComponents
                if (continued == null) continued = alloc.compositeBuffer(Integer.MAX_VALUE);
                continued.addComponent(true, alloc.buffer(length).writeBytes(payload));
                if (length == Packets.MAX_PAYLOAD) continue;
                try {
                    onPacket(continued);
                } finally {
                    continued.release();
                    continued = null;
                }
            } else {
                onPacket(payload);
            }
        }
        if (buf.isReadable()) {
            buf.discardReadComponents(); // what stays is the start of one incomplete packet
        } else {
            buf.release();
            cumulation = null;
        }
    }

    /** Releases what is held; call when the response is over, however it ended. */
    protected void releaseBuffers() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (continued != null) {
            continued.release();
            continued = null;
        }
    }
}
