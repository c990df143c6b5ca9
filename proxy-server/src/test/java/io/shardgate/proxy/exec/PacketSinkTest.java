package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.protocol.Packets;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Packets are put back together whatever the chunking, and over-long payloads joined with their continuations. */
class PacketSinkTest {

    static final class Collecting extends PacketSink {
        final List<byte[]> packets = new ArrayList<>();

        Collecting() {
            super(ByteBufAllocator.DEFAULT);
        }

        @Override
        protected void onPacket(ByteBuf payload) {
            packets.add(ByteBufUtil.getBytes(payload));
        }

        @Override public void onReadComplete() {}
        @Override public void onComplete(int status, int errorCode) {}
        @Override public void onFailure(Throwable cause) {}
    }

    static byte[] frames(byte[]... payloads) {
        ByteBuf b = Unpooled.buffer();
        int seq = 1;
        for (byte[] p : payloads) {
            int off = 0;
            while (true) {
                int n = Math.min(p.length - off, Packets.MAX_PAYLOAD);
                b.writeMediumLE(n).writeByte(seq++);
                b.writeBytes(p, off, n);
                off += n;
                if (n < Packets.MAX_PAYLOAD) break;
            }
        }
        return ByteBufUtil.getBytes(b);
    }

    @Test
    void everyCutGivesTheSamePackets() {
        byte[][] payloads = {{1}, {}, "hello".getBytes(), new byte[300]};
        byte[] wire = frames(payloads);
        for (int cut1 = 0; cut1 <= wire.length; cut1++) {
            for (int cut2 = cut1; cut2 <= wire.length; cut2 += 7) {
                Collecting s = new Collecting();
                s.onData(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, 0, cut1)));
                s.onData(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, cut1, cut2)));
                s.onData(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, cut2, wire.length)));
                s.releaseBuffers();
                assertThat(s.packets).as("cuts %d %d", cut1, cut2).hasSize(payloads.length);
                for (int i = 0; i < payloads.length; i++) assertThat(s.packets.get(i)).isEqualTo(payloads[i]);
            }
        }
    }

    @Test
    void aPayloadOfExactlyTheLimitIsJoinedWithItsContinuation() {
        byte[] big = new byte[Packets.MAX_PAYLOAD + 10];
        big[0] = 7;
        big[big.length - 1] = 9;
        Collecting s = new Collecting();
        byte[] wire = frames(big, new byte[]{5});
        s.onData(Unpooled.wrappedBuffer(wire, 0, 1000));
        s.onData(Unpooled.wrappedBuffer(wire, 1000, wire.length - 1000));
        assertThat(s.packets).hasSize(2);
        assertThat(s.packets.get(0)).isEqualTo(big);
        assertThat(s.packets.get(1)).containsExactly(5);
    }
}
