package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;

/** The fields of an OK packet (header 0x00, or 0xFE when it ends rows under DEPRECATE_EOF) the proxy combines. */
public record OkPacket(long affectedRows, long lastInsertId, int status, int warnings) {

    public static OkPacket decode(ByteBuf payload) {
        ByteBuf p = payload.duplicate();
        p.skipBytes(1);
        long affected = Wire.readLenenc(p);
        long lastId = Wire.readLenenc(p);
        int status = p.readableBytes() >= 2 ? p.readUnsignedShortLE() : 0;
        int warnings = p.readableBytes() >= 2 ? p.readUnsignedShortLE() : 0;
        return new OkPacket(affected, lastId, status, warnings);
    }
}
