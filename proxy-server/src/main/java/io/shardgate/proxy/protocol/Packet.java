package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One logical packet: its payload (continuations joined, header removed) and the sequence ids of its first
 * and last physical packets (equal unless the payload was 16 MiB or more). A reply follows the last one.
 */
public final class Packet extends DefaultByteBufHolder {
    private final int sequenceId;
    private final int lastSequenceId;

    public Packet(int sequenceId, ByteBuf payload) {
        this(sequenceId, sequenceId, payload);
    }

    public Packet(int sequenceId, int lastSequenceId, ByteBuf payload) {
        super(payload);
        this.sequenceId = sequenceId;
        this.lastSequenceId = lastSequenceId;
    }

    /** Sequence id of the first physical packet. */
    public int sequenceId() {
        return sequenceId;
    }

    /** Sequence id of the last physical packet: the reply's sequence id is this plus one. */
    public int lastSequenceId() {
        return lastSequenceId;
    }

    public ByteBuf payload() {
        return content();
    }

    @Override
    public String toString() {
        return "Packet(seq=" + sequenceId + ".." + lastSequenceId + ", " + content().readableBytes() + " bytes)";
    }
}
