package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.prepared.BinaryRows;
import io.shardgate.proxy.protocol.PacketAssembler;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.protocol.Wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the text-protocol answer of one statement into the binary-protocol answer a COM_STMT_EXECUTE expects,
 * on its way out to the client: rows are re-encoded ({@link BinaryRows}) by the types of their column
 * definitions; OK, ERR, column counts, definitions and EOFs pass unchanged. Everything that is written to the
 * client while it is in the pipeline is its input (raw relayed chunks, merged rows, the proxy's own packets), so
 * it reassembles packets and numbers the ones it writes itself, from the first sequence id it sees. Added for one
 * execution and removed when its answer is complete.
 */
final class BinaryResultEncoder extends ChannelOutboundHandlerAdapter {
    static final String NAME = "binary-results";

    private enum State { FIRST, COLUMNS, COLUMNS_EOF, ROWS, DONE }

    private final boolean deprecateEof;
    private PacketAssembler assembler;
    private State state = State.FIRST;
    private long columnsLeft;
    private final List<ColumnDef> columns = new ArrayList<>();
    private int seq = -1;

    BinaryResultEncoder(boolean deprecateEof) {
        this.deprecateEof = deprecateEof;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.write(msg, promise);
            return;
        }
        if (assembler == null) assembler = new PacketAssembler(ctx.alloc());
        List<ByteBuf> out = new ArrayList<>();
        assembler.feed(in, (payload, packetSeq) -> {
            if (seq < 0) seq = packetSeq;
            convert(ctx, payload, out);
        });
        for (int i = 0; i < out.size(); i++) {
            ctx.write(out.get(i), i == out.size() - 1 ? promise : ctx.voidPromise());
        }
        if (out.isEmpty() && !promise.isVoid()) promise.setSuccess();
    }

    /** One whole packet of the text answer; its binary counterpart (framed) goes to {@code out}. */
    private void convert(ChannelHandlerContext ctx, ByteBuf payload, List<ByteBuf> out) {
        int first = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        switch (state) {
            case FIRST -> {
                if (first == 0x00 || first == 0xff || first < 0) {
                    state = first == 0x00 && (okStatus(payload) & ServerStatus.MORE_RESULTS_EXISTS) != 0 ? State.FIRST : State.DONE;
                } else {
                    columnsLeft = Wire.getLenenc(payload, payload.readerIndex());
                    columns.clear();
                    state = State.COLUMNS;
                }
                pass(ctx, payload, out);
            }
            case COLUMNS -> {
                columns.add(ColumnDef.decode(payload));
                if (--columnsLeft == 0) state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                pass(ctx, payload, out);
            }
            case COLUMNS_EOF -> {
                state = State.ROWS;
                pass(ctx, payload, out);
            }
            case ROWS -> {
                boolean terminator = first == 0xfe && payload.readableBytes() < (deprecateEof ? Packets.MAX_PAYLOAD : 9);
                if (first == 0xff || terminator) {
                    int status = terminator ? (deprecateEof ? okStatus(payload)
                            : payload.readableBytes() >= 5 ? payload.getUnsignedShortLE(payload.readerIndex() + 3) : 0) : 0;
                    state = (status & ServerStatus.MORE_RESULTS_EXISTS) != 0 ? State.FIRST : State.DONE;
                    pass(ctx, payload, out);
                } else {
                    ByteBuf row = BinaryRows.encode(ctx.alloc(), TextRow.decode(payload, columns.size()), columns);
                    frame(ctx, row, out);
                }
            }
            case DONE -> pass(ctx, payload, out);
        }
    }

    private static int okStatus(ByteBuf payload) {
        return payload.readableBytes() >= 5 ? Packets.okStatus(payload, payload.readerIndex()) : 0;
    }

    /** Copied: slices of the cumulation would not survive discardReadComponents before the write is flushed. */
    private void pass(ChannelHandlerContext ctx, ByteBuf payload, List<ByteBuf> out) {
        frame(ctx, ctx.alloc().buffer(payload.readableBytes()).writeBytes(payload, payload.readerIndex(), payload.readableBytes()), out);
    }

    /** Frames {@code payload} (released here) as one or more physical packets with the next sequence ids. */
    private void frame(ChannelHandlerContext ctx, ByteBuf payload, List<ByteBuf> out) {
        while (true) {
            int n = Math.min(payload.readableBytes(), Packets.MAX_PAYLOAD);
            out.add(ctx.alloc().buffer(Packets.HEADER_SIZE).writeMediumLE(n).writeByte(seq));
            seq = (seq + 1) & 0xff;
            if (n > 0) out.add(payload.readRetainedSlice(n));
            if (n < Packets.MAX_PAYLOAD) break;
        }
        payload.release();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (assembler != null) assembler.release();
    }

}
