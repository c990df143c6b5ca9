package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;

import java.util.HashMap;
import java.util.Map;

/** A session's prepared statements, by the ids the proxy gave them. */
final class PreparedStatements {
    /** Statements one session may hold (MySQL's max_prepared_stmt_count is per server: 16382 by default). */
    static final int MAX = 1024;

    static final class Statement {
        final String sql;
        final int params;
        /** Parameter types the client bound last (sent once, reused while it sends none). */
        int[] types;
        private byte[][] longData;
        private long longDataBytes;
        private String longDataError;

        Statement(String sql, int params) {
            this.sql = sql;
            this.params = params;
        }

        byte[][] longData() {
            return longData;
        }

        String longDataError() {
            return longDataError;
        }

        /** Appends a COM_STMT_SEND_LONG_DATA chunk; past {@code limit} bytes in all, the next execution fails. */
        void appendLongData(int param, ByteBuf chunk, long limit) {
            if (param >= params) {
                longDataError = "long data for parameter " + param + " of a statement with " + params;
                return;
            }
            longDataBytes += chunk.readableBytes();
            if (longDataBytes > limit) {
                longDataError = "long data of more than " + limit + " bytes (frontend.max_packet_size)";
                return;
            }
            if (longData == null) longData = new byte[params][];
            byte[] old = longData[param] == null ? new byte[0] : longData[param];
            byte[] joined = java.util.Arrays.copyOf(old, old.length + chunk.readableBytes());
            chunk.getBytes(chunk.readerIndex(), joined, old.length, chunk.readableBytes());
            longData[param] = joined;
        }

        void clearLongData() {
            longData = null;
            longDataBytes = 0;
            longDataError = null;
        }
    }

    private final Map<Long, Statement> byId = new HashMap<>();
    private long lastId;

    boolean full() {
        return byId.size() >= MAX;
    }

    long add(String sql, int params) {
        long id = ++lastId;
        byId.put(id, new Statement(sql, params));
        return id;
    }

    Statement get(long id) {
        return byId.get(id);
    }

    void remove(long id) {
        byId.remove(id);
    }

    /** COM_RESET_CONNECTION deallocates every statement, as the server does. */
    void clear() {
        byId.clear();
    }
}
