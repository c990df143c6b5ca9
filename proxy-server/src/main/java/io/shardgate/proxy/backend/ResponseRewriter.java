package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Changes the few packets of a relayed response that are not data: an ERR packet, and column definitions. The
 * relay holds such a packet whole before asking (they are small) and never asks about rows, OK or EOF packets.
 * Each method gets the packet's payload as {@code length} bytes at {@code index} of {@code buf} (not to be
 * moved or kept) and returns the payload to relay in its place, or null to relay it unchanged; a null answer
 * should cost no allocation, since column definitions are asked about for every result.
 */
public interface ResponseRewriter {
    ByteBuf error(ByteBufAllocator alloc, ByteBuf buf, int index, int length);

    /** A Protocol::ColumnDefinition41 of a result set, or of a prepared statement's columns. */
    ByteBuf columnDefinition(ByteBufAllocator alloc, ByteBuf buf, int index, int length);
}
