package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a small text result set the proxy makes itself (admin statements): VARCHAR utf8mb4 columns, rows
 * of strings (null for SQL NULL), closed as the client negotiated: EOF packets, or with DEPRECATE_EOF no
 * EOF after the columns and an OK with a 0xFE header at the end.
 */
public final class ResultSetWriter {
    private static final int UTF8MB4_GENERAL_CI = 45;
    private static final int TYPE_VAR_STRING = 0xfd;

    private ResultSetWriter() {}

    /** Writes (without flushing) the whole result; returns the sequence id after it. */
    public static int write(Channel ch, int seq, boolean deprecateEof, int status, List<String> columns, List<List<String>> rows) {
        seq = send(ch, seq, lenenc(ch, columns.size()));
        for (String name : columns) {
            ByteBuf def = ch.alloc().buffer(64 + name.length());
            Wire.writeLenencString(def, "def");
            Wire.writeLenencString(def, "");
            Wire.writeLenencString(def, "");
            Wire.writeLenencString(def, "");
            Wire.writeLenencString(def, name);
            Wire.writeLenencString(def, name);
            def.writeByte(0x0c).writeShortLE(UTF8MB4_GENERAL_CI).writeIntLE(4 * 65535)
               .writeByte(TYPE_VAR_STRING).writeShortLE(0).writeByte(0).writeShortLE(0);
            seq = send(ch, seq, def);
        }
        if (!deprecateEof) {
            seq = send(ch, seq, ch.alloc().buffer(5).writeByte(0xfe).writeShortLE(0).writeShortLE(status));
        }
        for (List<String> row : rows) {
            ByteBuf r = ch.alloc().buffer();
            for (String v : row) {
                if (v == null) r.writeByte(0xfb);
                else Wire.writeLenencBytes(r, v.getBytes(StandardCharsets.UTF_8));
            }
            seq = send(ch, seq, r);
        }
        ByteBuf end = ch.alloc().buffer(7).writeByte(0xfe);
        if (deprecateEof) {
            end.writeByte(0).writeByte(0).writeShortLE(status).writeShortLE(0); // OK: affected rows, insert id, status, warnings
        } else {
            end.writeShortLE(0).writeShortLE(status);
        }
        return send(ch, seq, end);
    }

    private static ByteBuf lenenc(Channel ch, long v) {
        ByteBuf b = ch.alloc().buffer(9);
        Wire.writeLenenc(b, v);
        return b;
    }

    private static int send(Channel ch, int seq, ByteBuf payload) {
        return Packets.write(ch, payload, seq);
    }
}
