package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** An ERR packet's code, SQLSTATE and message. */
public record ErrPacket(int code, String sqlState, String message) {

    public static ErrPacket decode(ByteBuf payload) {
        ByteBuf p = payload.duplicate();
        p.skipBytes(1);
        int code = p.readUnsignedShortLE();
        String state = "HY000";
        if (p.readableBytes() >= 6 && p.getByte(p.readerIndex()) == '#') {
            p.skipBytes(1);
            state = p.readCharSequence(5, StandardCharsets.US_ASCII).toString();
        }
        return new ErrPacket(code, state, p.toString(StandardCharsets.UTF_8));
    }
}
