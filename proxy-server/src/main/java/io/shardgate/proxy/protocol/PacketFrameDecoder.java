package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into physical packets: each output is a retained slice holding the 4-byte header
 * (3-byte little-endian payload length, 1-byte sequence id) and the payload. Slicing, not copying, is what
 * lets the relay forward backend packets unchanged.
 *
 * <p>{@code maxPayload} bounds one physical packet before its bytes are buffered: before authentication
 * a client gets a small bound so a garbage length cannot make the proxy wait for megabytes.
 */
public final class PacketFrameDecoder extends ByteToMessageDecoder {
    private int maxPayload;

    public PacketFrameDecoder(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    public void maxPayload(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    /**
     * Removes and returns the bytes received but not yet framed. Used when a client's SSL request is followed,
     * in the same read, by its TLS ClientHello: those bytes belong to the TLS handler, not to this decoder.
     */
    public ByteBuf takeUnframed() {
        ByteBuf buf = internalBuffer();
        return buf.readBytes(buf.readableBytes());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= Packets.HEADER_SIZE) {
            int start = in.readerIndex();
            int length = in.getUnsignedMediumLE(start);
            if (length > maxPayload) {
                throw new MalformedPacketException("packet of " + length + " bytes exceeds the limit of " + maxPayload + " bytes in this phase");
            }
            int total = Packets.HEADER_SIZE + length;
            if (in.readableBytes() < total) {
                return;
            }
            out.add(in.retainedSlice(start, total));
            in.skipBytes(total);
            if (isSingleDecode()) {
                return; // leave what follows unframed: it may belong to a TLS handshake
            }
        }
    }
}
