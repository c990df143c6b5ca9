package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Puts a stream of bytes cut anywhere (socket reads, relayed chunks) back together into whole logical packets:
 * a payload of 0xFFFFFF bytes is joined with its continuations. Bytes are kept only until their packet is
 * complete. Not thread-safe: one event loop feeds it.
 */
public final class PacketAssembler {
    /** Receives each logical packet; {@code payload} is valid only during the call (copy what must be kept). */
    @FunctionalInterface
    public interface Listener {
        void packet(ByteBuf payload, int sequenceId);
    }

    private final ByteBufAllocator alloc;
    /** Bytes received and not yet part of a complete packet. */
    private CompositeByteBuf cumulation;
    /** The parts so far of a packet longer than one physical packet (copied). */
    private CompositeByteBuf continued;
    private int continuedSeq;

    public PacketAssembler(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Takes {@code chunk} (released here, now or later) and hands every packet it completes to {@code listener}. */
    public void feed(ByteBuf chunk, Listener listener) {
        if (cumulation == null) cumulation = alloc.compositeBuffer(1024);
        CompositeByteBuf buf = cumulation;
        buf.addComponent(true, chunk);
        try {
            while (buf.readableBytes() >= Packets.HEADER_SIZE) {
                int length = Packets.payloadLength(buf, buf.readerIndex());
                if (buf.readableBytes() < Packets.HEADER_SIZE + length) break;
                int seq = buf.getUnsignedByte(buf.readerIndex() + 3);
                ByteBuf payload = buf.slice(buf.readerIndex() + Packets.HEADER_SIZE, length);
                buf.skipBytes(Packets.HEADER_SIZE + length);
                if (length == Packets.MAX_PAYLOAD || continued != null) {
                    // copied: slices of the cumulation do not survive discardReadComponents
                    if (continued == null) {
                        continued = alloc.compositeBuffer(Integer.MAX_VALUE);
                        continuedSeq = seq;
                    }
                    continued.addComponent(true, alloc.buffer(length).writeBytes(payload));
                    if (length == Packets.MAX_PAYLOAD) continue;
                    try {
                        listener.packet(continued, continuedSeq);
                    } finally {
                        continued.release();
                        continued = null;
                    }
                } else {
                    listener.packet(payload, seq);
                }
            }
        } finally {
            if (cumulation != null) {
                if (buf.isReadable()) {
                    buf.discardReadComponents(); // what stays is the start of one incomplete packet
                } else {
                    buf.release();
                    cumulation = null;
                }
            }
        }
    }

    /** Releases what is held (the stream ended, however it ended). */
    public void release() {
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
