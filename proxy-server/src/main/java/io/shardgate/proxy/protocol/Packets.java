package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.nio.charset.StandardCharsets;

/**
 * Building and sending packets. A logical payload longer than 16 MiB - 1 is sent as several physical
 * packets of 0xFFFFFF bytes followed by a shorter one (possibly empty), each with the next sequence id.
 */
public final class Packets {
    private Packets() {}

    public static final int HEADER_SIZE = 4;
    public static final int MAX_PAYLOAD = 0xFFFFFF;

    public static int payloadLength(ByteBuf frame) {
        return frame.getUnsignedMediumLE(frame.readerIndex());
    }

    /** Payload length of the packet whose header starts at {@code header}. */
    public static int payloadLength(ByteBuf buf, int header) {
        return buf.getUnsignedMediumLE(header);
    }

    public static int sequence(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + 3);
    }

    public static void setSequence(ByteBuf frame, int seq) {
        frame.setByte(frame.readerIndex() + 3, seq);
    }

    /** First payload byte of a frame (header included); -1 for an empty payload. */
    public static int firstByte(ByteBuf frame) {
        return payloadLength(frame) == 0 ? -1 : frame.getUnsignedByte(frame.readerIndex() + HEADER_SIZE);
    }

    /** A buffer with room reserved for the header; fill the payload then call {@link #finish}. */
    public static ByteBuf start(ByteBufAllocator alloc, int payloadHint) {
        ByteBuf buf = alloc.buffer(HEADER_SIZE + payloadHint);
        buf.writeZero(HEADER_SIZE);
        return buf;
    }

    /**
     * Writes the header of a buffer made with {@link #start}; payloads over 0xFFFFFF bytes are not allowed here
     * (use {@link #write} for those). Returns the buffer.
     */
    public static ByteBuf finish(ByteBuf buf, int seq) {
        int len = buf.writerIndex() - buf.readerIndex() - HEADER_SIZE;
        if (len >= MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + len + " bytes needs splitting; use Packets.write");
        }
        buf.setMediumLE(buf.readerIndex(), len);
        buf.setByte(buf.readerIndex() + 3, seq);
        return buf;
    }

    /**
     * Writes a logical payload (no header) as one or more physical packets, without flushing; releases
     * {@code payload}. Each header is its own small buffer written before a slice of the payload, so the
     * payload is never copied (the transport gathers both into one write). Returns the next sequence id.
     */
    public static int write(Channel ch, ByteBuf payload, int seq) {
        ByteBufAllocator alloc = ch.alloc();
        try {
            while (true) {
                int chunk = Math.min(payload.readableBytes(), MAX_PAYLOAD);
                ch.write(alloc.buffer(HEADER_SIZE).writeMediumLE(chunk).writeByte(seq), ch.voidPromise());
                seq = (seq + 1) & 0xff;
                if (chunk > 0) {
                    ch.write(payload.readRetainedSlice(chunk), ch.voidPromise());
                }
                if (chunk < MAX_PAYLOAD) {
                    return seq;
                }
            }
        } finally {
            payload.release();
        }
    }

    public static ByteBuf ok(ByteBufAllocator alloc, int seq, long affectedRows, long lastInsertId, int status, int warnings, String info) {
        ByteBuf buf = start(alloc, 16);
        buf.writeByte(0x00);
        Wire.writeLenenc(buf, affectedRows);
        Wire.writeLenenc(buf, lastInsertId);
        buf.writeShortLE(status).writeShortLE(warnings);
        if (info != null && !info.isEmpty()) {
            buf.writeBytes(info.getBytes(StandardCharsets.UTF_8));
        }
        return finish(buf, seq);
    }

    public static ByteBuf ok(ByteBufAllocator alloc, int seq, int status) {
        return ok(alloc, seq, 0, 0, status, 0, null);
    }

    public static ByteBuf err(ByteBufAllocator alloc, int seq, int code, String sqlState, String message) {
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = start(alloc, 9 + msg.length);
        buf.writeByte(0xff).writeShortLE(code).writeByte('#');
        buf.writeBytes(sqlState.getBytes(StandardCharsets.US_ASCII), 0, 5);
        buf.writeBytes(msg);
        return finish(buf, seq);
    }

    public static ByteBuf err(ByteBufAllocator alloc, int seq, ErrorCode code, String message) {
        return err(alloc, seq, code.code, code.sqlState, message);
    }

    public static ByteBuf eof(ByteBufAllocator alloc, int seq, int status, int warnings) {
        ByteBuf buf = start(alloc, 5);
        buf.writeByte(0xfe).writeShortLE(warnings).writeShortLE(status);
        return finish(buf, seq);
    }

    /** Status flags of an OK packet payload (reader at the 0x00/0xFE header byte, not moved). */
    /** The last-insert-id field of an OK packet whose payload starts at {@code payloadIndex}. */
    public static long okLastInsertId(ByteBuf payload, int payloadIndex) {
        int i = payloadIndex + 1;
        i += Wire.lenencSize(payload, i);
        return Wire.getLenenc(payload, i);
    }

    /** The warning count of an OK packet of {@code length} payload bytes (0 when it has none). */
    public static int okWarnings(ByteBuf payload, int payloadIndex, int length) {
        int i = payloadIndex + 1;
        i += Wire.lenencSize(payload, i);
        i += Wire.lenencSize(payload, i);
        return i + 4 <= payloadIndex + length ? payload.getUnsignedShortLE(i + 2) : 0;
    }

    public static int okStatus(ByteBuf payload, int payloadIndex) {
        int i = payloadIndex + 1;
        i += Wire.lenencSize(payload, i);
        i += Wire.lenencSize(payload, i);
        return payload.getUnsignedShortLE(i);
    }
}
