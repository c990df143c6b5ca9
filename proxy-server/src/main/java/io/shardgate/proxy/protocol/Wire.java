package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Reading and writing the protocol's basic types (Protocol::Integer / Protocol::String) on a ByteBuf. */
public final class Wire {
    private Wire() {}

    /**
     * Length-encoded integer; returns -1 for the NULL marker 0xFB. An 8-byte value with the top bit set is
     * refused: no length or count the protocol carries can be that large, and Java would read it as negative.
     */
    public static long readLenenc(ByteBuf buf) {
        require(buf, 1, "length-encoded integer");
        int first = buf.readUnsignedByte();
        if (first < 0xfb) {
            return first;
        }
        return switch (first) {
            case 0xfb -> -1;
            case 0xfc -> {
                require(buf, 2, "length-encoded integer");
                yield buf.readUnsignedShortLE();
            }
            case 0xfd -> {
                require(buf, 3, "length-encoded integer");
                yield buf.readUnsignedMediumLE();
            }
            case 0xfe -> {
                require(buf, 8, "length-encoded integer");
                long v = buf.readLongLE();
                if (v < 0) throw new MalformedPacketException("length-encoded integer beyond 2^63");
                yield v;
            }
            default -> throw new MalformedPacketException("invalid length-encoded integer prefix 0xff");
        };
    }

    /** Size in bytes of the length-encoded integer starting at {@code index}, without moving the reader. */
    public static int lenencSize(ByteBuf buf, int index) {
        int first = buf.getUnsignedByte(index);
        if (first < 0xfb) return 1;
        return switch (first) {
            case 0xfb -> 1;
            case 0xfc -> 3;
            case 0xfd -> 4;
            case 0xfe -> 9;
            default -> throw new MalformedPacketException("invalid length-encoded integer prefix 0xff");
        };
    }

    public static long getLenenc(ByteBuf buf, int index) {
        int first = buf.getUnsignedByte(index);
        if (first < 0xfb) return first;
        return switch (first) {
            case 0xfb -> -1;
            case 0xfc -> buf.getUnsignedShortLE(index + 1);
            case 0xfd -> buf.getUnsignedMediumLE(index + 1);
            case 0xfe -> buf.getLongLE(index + 1);
            default -> throw new MalformedPacketException("invalid length-encoded integer prefix 0xff");
        };
    }

    public static void writeLenenc(ByteBuf buf, long value) {
        if (value < 0xfb) {
            buf.writeByte((int) value);
        } else if (value < (1 << 16)) {
            buf.writeByte(0xfc).writeShortLE((int) value);
        } else if (value < (1 << 24)) {
            buf.writeByte(0xfd).writeMediumLE((int) value);
        } else {
            buf.writeByte(0xfe).writeLongLE(value);
        }
    }

    public static byte[] readLenencBytes(ByteBuf buf) {
        long len = readLenenc(buf);
        if (len < 0) return null;
        if (len > buf.readableBytes()) {
            throw new MalformedPacketException("length-encoded string of " + len + " bytes runs past the packet end");
        }
        byte[] out = new byte[(int) len];
        buf.readBytes(out);
        return out;
    }

    public static String readLenencString(ByteBuf buf, Charset cs) {
        byte[] b = readLenencBytes(buf);
        return b == null ? null : new String(b, cs);
    }

    public static void writeLenencBytes(ByteBuf buf, byte[] value) {
        writeLenenc(buf, value.length);
        buf.writeBytes(value);
    }

    public static void writeLenencString(ByteBuf buf, String value) {
        writeLenencBytes(buf, value.getBytes(StandardCharsets.UTF_8));
    }

    /** NUL-terminated string; a missing terminator reads to the end of the buffer (as servers do). */
    public static byte[] readNulBytes(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        int len = (end < 0 ? buf.writerIndex() : end) - buf.readerIndex();
        byte[] out = new byte[len];
        buf.readBytes(out);
        if (end >= 0) buf.skipBytes(1);
        return out;
    }

    public static String readNulString(ByteBuf buf, Charset cs) {
        return new String(readNulBytes(buf), cs);
    }

    public static void writeNulString(ByteBuf buf, String value) {
        buf.writeBytes(value.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    public static byte[] readRest(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    public static void require(ByteBuf buf, int n, String what) {
        if (buf.readableBytes() < n) {
            throw new MalformedPacketException(what + ": needs " + n + " more bytes, packet has " + buf.readableBytes());
        }
    }
}
