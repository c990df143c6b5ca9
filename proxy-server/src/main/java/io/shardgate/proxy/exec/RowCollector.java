package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.backend.BackendException;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.ErrPacket;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.Wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the rows of a small text result the proxy runs for itself (SHOW DATABASES ...) and completes
 * {@code result} with them, or fails it with the server's error. For small results only: it keeps them all.
 */
public final class RowCollector extends PacketSink {
    private final Promise<List<TextRow>> result;
    private final boolean deprecateEof;
    private final List<TextRow> rows = new ArrayList<>();
    private long columns = -1;
    private long definitionsLeft;
    private boolean eofAfterDefinitions;
    private ErrPacket error;

    public RowCollector(ByteBufAllocator alloc, boolean deprecateEof, Promise<List<TextRow>> result) {
        super(alloc);
        this.deprecateEof = deprecateEof;
        this.result = result;
    }

    @Override
    protected void onPacket(ByteBuf payload) {
        int first = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        if (first == 0xff) {
            error = ErrPacket.decode(payload);
        } else if (columns < 0) {
            columns = first == 0x00 ? 0 : Wire.getLenenc(payload, payload.readerIndex());
            definitionsLeft = columns;
            eofAfterDefinitions = !deprecateEof && columns > 0;
        } else if (definitionsLeft > 0) {
            definitionsLeft--;
        } else if (eofAfterDefinitions) {
            eofAfterDefinitions = false;
        } else if (!(first == 0xfe && payload.readableBytes() < (deprecateEof ? Packets.MAX_PAYLOAD : 9))) {
            rows.add(TextRow.decode(payload, (int) columns));
        }
    }

    @Override
    public void onReadComplete() {}

    @Override
    public void onComplete(int status, int errorCode) {
        releaseBuffers();
        if (error != null) result.tryFailure(new BackendException(error.code(), error.sqlState(), error.message(), null));
        else result.trySuccess(rows);
    }

    @Override
    public void onFailure(Throwable cause) {
        releaseBuffers();
        result.tryFailure(cause);
    }
}
