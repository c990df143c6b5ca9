package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.PacketAssembler;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.protocol.Wire;

import java.nio.charset.StandardCharsets;

/**
 * Renames the shards' databases in the rows of an information_schema answer, on its way to the client: a value
 * that is a shard's database becomes the logical schema. For a query on SCHEMATA ({@code hideOtherShards}), rows
 * naming a shard database other than the default shard's are left out, so the list shows the logical schema
 * once (where the default shard's database was) and no shard database, as {@code SHOW DATABASES} does.
 *
 * <p>Stands between the backend connection and the session's sink, for one statement. It decodes every row,
 * which is fine for metadata and would not be for data: nothing else goes through it. Packets are numbered
 * again from the first one's sequence id, since rows may be left out.
 */
public final class SchemaValueRewriter implements ResponseSink {
    private enum State { FIRST, COLUMNS, COLUMNS_EOF, ROWS }

    private final ResponseSink next;
    private final ByteBufAllocator alloc;
    private final boolean deprecateEof;
    private final ShardDatabases dbs;
    private final boolean hideOtherShards;
    private final byte[] logical;
    private final PacketAssembler assembler;
    private State state = State.FIRST;
    private long columns;
    private long definitionsLeft;
    private int seq = -1;

    public SchemaValueRewriter(ResponseSink next, ByteBufAllocator alloc, boolean deprecateEof, ShardDatabases dbs,
                               boolean hideOtherShards) {
        this.next = next;
        this.alloc = alloc;
        this.deprecateEof = deprecateEof;
        this.dbs = dbs;
        this.hideOtherShards = hideOtherShards;
        this.logical = dbs.logical().getBytes(StandardCharsets.UTF_8);
        this.assembler = new PacketAssembler(alloc);
    }

    @Override
    public void onData(ByteBuf chunk) {
        CompositeByteBuf out = alloc.compositeBuffer();
        assembler.feed(chunk, (payload, packetSeq) -> {
            if (seq < 0) seq = packetSeq;
            ByteBuf converted = convert(payload);
            if (converted != null) frame(out, converted);
        });
        if (out.isReadable()) next.onData(out);
        else out.release();
    }

    /** The payload to send for one packet (a new buffer), or null to leave it out. */
    private ByteBuf convert(ByteBuf payload) {
        int first = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        switch (state) {
            case FIRST -> {
                if (first != 0x00 && first != 0xff && first >= 0) {
                    columns = Wire.getLenenc(payload, payload.readerIndex());
                    definitionsLeft = columns;
                    state = columns > 0 ? State.COLUMNS : deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                }
                // an OK with more results to come stays FIRST; an ERR or a last OK ends the answer
            }
            case COLUMNS -> {
                if (--definitionsLeft == 0) state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
            }
            case COLUMNS_EOF -> state = State.ROWS;
            case ROWS -> {
                if (first == 0xff) break;
                if (first == 0xfe && payload.readableBytes() < (deprecateEof ? Packets.MAX_PAYLOAD : 9)) {
                    int status = deprecateEof ? Packets.okStatus(payload, payload.readerIndex())
                            : payload.readableBytes() >= 5 ? payload.getUnsignedShortLE(payload.readerIndex() + 3) : 0;
                    if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) state = State.FIRST;
                    break;
                }
                return row(payload);
            }
        }
        return copy(payload);
    }

    /** A copy: the assembler's payloads are slices of its buffer, which it reuses once the call returns. */
    private ByteBuf copy(ByteBuf payload) {
        return alloc.buffer(payload.readableBytes()).writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    private ByteBuf row(ByteBuf payload) {
        TextRow row = TextRow.decode(payload, (int) columns);
        boolean changed = false;
        for (int i = 0; i < columns; i++) {
            byte[] v = row.value(i);
            if (v == null) continue;
            String s = new String(v, StandardCharsets.UTF_8);
            if (!dbs.isPhysical(s)) continue;
            if (hideOtherShards && !s.equalsIgnoreCase(dbs.defaultDatabase())) return null;
            row.values()[i] = logical;
            changed = true;
        }
        if (!changed) return copy(payload);
        ByteBuf out = alloc.buffer(payload.readableBytes() + logical.length);
        row.encode(out);
        return out;
    }

    /** Adds {@code payload} (taken) to {@code out} as one packet, or several past 0xFFFFFF bytes, numbered on. */
    private void frame(CompositeByteBuf out, ByteBuf payload) {
        while (true) {
            int chunk = Math.min(payload.readableBytes(), Packets.MAX_PAYLOAD);
            out.addComponent(true, alloc.buffer(Packets.HEADER_SIZE).writeMediumLE(chunk).writeByte(seq));
            seq = (seq + 1) & 0xff;
            if (chunk > 0) out.addComponent(true, payload.readRetainedSlice(chunk));
            if (chunk < Packets.MAX_PAYLOAD) break;
        }
        payload.release();
    }

    @Override
    public void onReadComplete() {
        next.onReadComplete();
    }

    @Override
    public void onComplete(int status, int errorCode) {
        assembler.release();
        next.onComplete(status, errorCode);
    }

    @Override
    public void onFailure(Throwable cause) {
        assembler.release();
        next.onFailure(cause);
    }
}
