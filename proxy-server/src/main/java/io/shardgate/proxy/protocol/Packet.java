package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** One logical packet: its payload (continuations joined, header removed) and the sequence id of its last physical packet. */
public final class Packet extends DefaultByteBufHolder {
    private final int sequenceId;

    public Packet(int sequenceId, ByteBuf payload) {
        super(payload);
        this.sequenceId = sequenceId;
    }

    public int sequenceId() {
        return sequenceId;
    }

    public ByteBuf payload() {
        return content();
    }

    @Override
    public String toString() {
        return "Packet(seq=" + sequenceId + ", " + content().readableBytes() + " bytes)";
    }
}
