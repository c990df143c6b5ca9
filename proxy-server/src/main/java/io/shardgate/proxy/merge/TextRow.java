package io.shardgate.proxy.merge;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.protocol.Wire;

/** A text-protocol row: one value per column as the server sent its bytes, null for SQL NULL. */
public record TextRow(byte[][] values) {

    public static TextRow decode(ByteBuf payload, int columns) {
        ByteBuf p = payload.duplicate();
        byte[][] v = new byte[columns][];
        for (int i = 0; i < columns; i++) {
            v[i] = Wire.readLenencBytes(p); // null for 0xFB
        }
        return new TextRow(v);
    }

    public void encode(ByteBuf out) {
        for (byte[] v : values) {
            if (v == null) out.writeByte(0xfb);
            else Wire.writeLenencBytes(out, v);
        }
    }

    public byte[] value(int column) {
        return values[column];
    }

    /** Bytes a row holds, for memory accounting. */
    public int size() {
        int n = 16 * values.length;
        for (byte[] v : values) if (v != null) n += v.length;
        return n;
    }
}
