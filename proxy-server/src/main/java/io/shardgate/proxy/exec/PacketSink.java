package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.protocol.PacketAssembler;

/**
 * A {@link ResponseSink} for responses the proxy reads itself rather than relays: it puts the relayed chunks
 * back together into whole logical packets ({@link PacketAssembler}) and hands each payload to
 * {@link #onPacket}.
 */
public abstract class PacketSink implements ResponseSink {
    private final PacketAssembler assembler;

    protected PacketSink(ByteBufAllocator alloc) {
        this.assembler = new PacketAssembler(alloc);
    }

    /** One logical packet's payload; valid only during the call (copy what must be kept). */
    protected abstract void onPacket(ByteBuf payload);

    @Override
    public final void onData(ByteBuf chunk) {
        assembler.feed(chunk, (payload, seq) -> onPacket(payload));
    }

    /** Releases what is held; call when the response is over, however it ended. */
    protected void releaseBuffers() {
        assembler.release();
    }
}
