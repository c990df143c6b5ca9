package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardgate.proxy.backend.ResponseRewriter;
import io.shardgate.rules.ShardMap;

/**
 * What every backend connection of a sharding proxy applies to the responses it relays, so that clients hear of
 * the logical schema and not of the shards' databases: error messages ({@link ErrorMessages}) and column
 * definitions ({@link ColumnDefinitionNames}). Rows are never looked at. Since the relay is below every executor
 * (a single place's answer, a scatter read's, a fan-out write's, the proxy's own internal statements), this is
 * the one place that needs it.
 */
public final class LogicalResponses implements ResponseRewriter {
    /** ERR payload: 0xFF, 2-byte code, then {@code #} and a 5-byte SQLSTATE (always after the handshake). */
    private static final int STATE_MARKER = 3, MESSAGE_WITH_STATE = 9;

    private final ErrorMessages messages;
    private final ColumnDefinitionNames definitions;

    public LogicalResponses(ShardDatabases dbs) {
        this.messages = new ErrorMessages(dbs);
        this.definitions = new ColumnDefinitionNames(dbs);
    }

    /** The rewriter for {@code map}; null when it has no shards (or no schema): responses then pass unchanged. */
    public static LogicalResponses of(ShardMap map) {
        ShardDatabases dbs = ShardDatabases.of(map);
        return dbs == null ? null : new LogicalResponses(dbs);
    }

    @Override
    public ByteBuf error(ByteBufAllocator alloc, ByteBuf buf, int index, int length) {
        int messageAt = length >= MESSAGE_WITH_STATE && buf.getByte(index + STATE_MARKER) == '#' ? MESSAGE_WITH_STATE : STATE_MARKER;
        if (length <= messageAt) return null;
        byte[] message = new byte[length - messageAt];
        buf.getBytes(index + messageAt, message);
        byte[] renamed = messages.rewrite(message);
        if (renamed == null) return null;
        return alloc.buffer(messageAt + renamed.length).writeBytes(buf, index, messageAt).writeBytes(renamed);
    }

    @Override
    public ByteBuf columnDefinition(ByteBufAllocator alloc, ByteBuf buf, int index, int length) {
        return definitions.rewrite(alloc, buf, index, length);
    }
}
