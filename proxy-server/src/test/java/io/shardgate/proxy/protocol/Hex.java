package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.HexFormat;

/** Test helpers: byte sequences written as hex strings ("0a 35 2e ..."; spaces, newlines and '|' are ignored). */
public final class Hex {
    private Hex() {}

    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("[\\s|]", ""));
    }

    /** An unpooled heap buffer holding exactly the given bytes. */
    public static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(bytes(hex));
    }

    /** The readable bytes of {@code buf} as lower-case hex with a space between bytes (reader not moved). */
    public static String dump(ByteBuf buf) {
        return spaced(ByteBufUtil.getBytes(buf));
    }

    public static String spaced(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    /** The same hex string normalised to the form {@link #dump} produces, for readable assertions. */
    public static String norm(String hex) {
        return spaced(bytes(hex));
    }

    /** A deterministic, non-repeating-looking byte pattern of length n (not all zeros, so misplaced bytes show). */
    public static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        int x = seed * 0x9E3779B1 + 1;
        for (int i = 0; i < n; i++) {
            x = x * 1103515245 + 12345;
            b[i] = (byte) (x >>> 16);
        }
        return b;
    }

    /** One physical packet: 3-byte little-endian length, sequence id, payload. */
    public static ByteBuf frame(int seq, byte[] payload) {
        ByteBuf buf = Unpooled.buffer(4 + payload.length);
        buf.writeMediumLE(payload.length).writeByte(seq).writeBytes(payload);
        return buf;
    }

    public static ByteBuf frame(int seq, byte[] payload, int from, int len) {
        ByteBuf buf = Unpooled.buffer(4 + len);
        buf.writeMediumLE(len).writeByte(seq).writeBytes(payload, from, len);
        return buf;
    }
}
