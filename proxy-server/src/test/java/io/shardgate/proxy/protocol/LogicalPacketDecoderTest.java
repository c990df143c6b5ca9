package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.frame;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Joining physical packets into logical ones. Layout derived by hand from the MySQL source documentation,
 * page "Sending more than 16Mb" (page_protocol_basic_packets): a payload of 0xFFFFFF bytes or more is sent as
 * packets of exactly 0xFFFFFF bytes, then one shorter packet (empty when the length is an exact multiple),
 * the sequence id growing by one each time; e.g. 16 777 215 bytes go as "ff ff ff 00 ..." + "00 00 00 01".
 */
class LogicalPacketDecoderTest {
    static final int MAX = Packets.MAX_PAYLOAD;        // 0xFFFFFF = 16 777 215

    private static EmbeddedChannel channel(long maxLogical) {
        return new EmbeddedChannel(new LogicalPacketDecoder(maxLogical));
    }

    @Test
    void passesAShortPacketThroughWithItsSequenceId() {
        EmbeddedChannel ch = channel(1 << 20);
        // COM_QUERY "select 1", sequence id 0 (hand-derived: 09 00 00 | 00 | 03 "select 1")
        ByteBuf in = hex("09 00 00 00 03 73 65 6c 65 63 74 20 31");
        ch.writeInbound(in);
        Packet p = ch.readInbound();
        assertThat(p.sequenceId()).isZero();
        assertThat(p.lastSequenceId()).isZero();
        assertThat(dump(p.payload())).isEqualTo("03 73 65 6c 65 63 74 20 31");
        p.release();
        assertThat(in.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void passesAnEmptyPacketThrough() {
        EmbeddedChannel ch = channel(1 << 20);
        ch.writeInbound(hex("00 00 00 05"));
        Packet p = ch.readInbound();
        assertThat(p.sequenceId()).isEqualTo(5);
        assertThat(p.lastSequenceId()).isEqualTo(5);
        assertThat(p.payload().readableBytes()).isZero();
        p.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void joinsAMaximalPacketWithTheEmptyPacketThatEndsIt() {
        EmbeddedChannel ch = channel(64L << 20);
        byte[] payload = pattern(MAX, 1);
        ByteBuf first = frame(0, payload);          // ff ff ff 00 + 16 777 215 bytes
        ByteBuf last = hex("00 00 00 01");          // the empty packet that says "no more"
        assertThat(dump(first.slice(0, 4))).isEqualTo("ff ff ff 00");

        ch.writeInbound(first);
        assertThat((Object) ch.readInbound()).as("nothing before the end of the logical packet").isNull();
        ch.writeInbound(last);

        Packet p = ch.readInbound();
        assertThat(p.payload().readableBytes()).isEqualTo(16_777_215);
        assertThat(p.sequenceId()).as("sequence id of the first physical packet").isZero();
        assertThat(p.lastSequenceId()).as("sequence id of the last physical packet").isEqualTo(1);
        assertThat(ByteBufUtil.getBytes(p.payload())).isEqualTo(payload);
        assertThat((Object) ch.readInbound()).isNull();

        p.release();
        assertThat(first.refCnt()).isZero();
        assertThat(last.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void joinsATwentyMebibytePayloadExactly() {
        int total = 20 << 20;                         // 20 971 520 = 0xFFFFFF + 4 194 305 (0x400001)
        byte[] payload = pattern(total, 2);
        ByteBuf first = frame(3, payload, 0, MAX);
        ByteBuf second = frame(4, payload, MAX, total - MAX);
        assertThat(dump(second.slice(0, 4))).isEqualTo("01 00 40 04");

        EmbeddedChannel ch = channel(64L << 20);
        ch.writeInbound(first, second);
        Packet p = ch.readInbound();
        assertThat(p.sequenceId()).isEqualTo(3);
        assertThat(p.lastSequenceId()).isEqualTo(4);
        assertThat(p.payload().readableBytes()).isEqualTo(total);
        assertThat(ByteBufUtil.getBytes(p.payload())).isEqualTo(payload);
        p.release();
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void joinsThreePhysicalPacketsAndKeepsTheNextPacketSeparate() {
        int total = 2 * MAX;                          // exact multiple: ff ff ff 07, ff ff ff 08, 00 00 00 09
        byte[] payload = pattern(total, 3);
        EmbeddedChannel ch = channel(64L << 20);
        ch.writeInbound(frame(7, payload, 0, MAX), frame(8, payload, MAX, MAX), hex("00 00 00 09"),
                hex("01 00 00 00 0e"));               // then a COM_PING
        Packet big = ch.readInbound();
        Packet ping = ch.readInbound();
        assertThat(big.sequenceId()).isEqualTo(7);
        assertThat(big.lastSequenceId()).isEqualTo(9);
        assertThat(ByteBufUtil.getBytes(big.payload())).isEqualTo(payload);
        assertThat(ping.sequenceId()).isZero();
        assertThat(ping.lastSequenceId()).isZero();
        assertThat(dump(ping.payload())).isEqualTo("0e");
        big.release();
        ping.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void sequenceIdsWrapFrom255To0InsideALogicalPacket() {
        byte[] payload = pattern(MAX + 2, 4);
        EmbeddedChannel ch = channel(64L << 20);
        ch.writeInbound(frame(0xff, payload, 0, MAX), frame(0x00, payload, MAX, 2));
        Packet p = ch.readInbound();
        assertThat(p.sequenceId()).isEqualTo(0xff);
        assertThat(p.lastSequenceId()).isZero();
        assertThat(ByteBufUtil.getBytes(p.payload())).isEqualTo(payload);
        p.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void rejectsAContinuationWithTheWrongSequenceId() {
        byte[] payload = pattern(MAX, 5);
        EmbeddedChannel ch = channel(64L << 20);
        ByteBuf first = frame(0, payload);
        ch.writeInbound(first);
        ByteBuf wrong = hex("03 00 00 02 61 62 63");  // expected sequence id 1
        assertThatThrownBy(() -> ch.writeInbound(wrong))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(MalformedPacketException.class)
                .hasMessage("continuation packet has sequence id 2, expected 1");
        assertThat(wrong.refCnt()).as("the rejected frame is released").isZero();
        ch.finishAndReleaseAll();
        assertThat(first.refCnt()).as("the partial logical packet is released when the channel closes").isZero();
    }

    @Test
    void rejectsALogicalPacketOverTheLimit() {
        long limit = MAX + 10L;
        byte[] payload = pattern(MAX + 11, 6);
        EmbeddedChannel ch = channel(limit);
        ByteBuf first = frame(0, payload, 0, MAX);
        ch.writeInbound(first);
        assertThatThrownBy(() -> ch.writeInbound(frame(1, payload, MAX, 11)))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(LogicalPacketDecoder.PacketTooLargeException.class)
                .hasMessage("Got a packet bigger than 'max_allowed_packet' bytes (16777225)");
        ch.finishAndReleaseAll();
        assertThat(first.refCnt()).isZero();
    }

    @Test
    void acceptsALogicalPacketOfExactlyTheLimit() {
        long limit = MAX + 10L;
        byte[] payload = pattern(MAX + 10, 7);
        EmbeddedChannel ch = channel(limit);
        ch.writeInbound(frame(0, payload, 0, MAX), frame(1, payload, MAX, 10));
        Packet p = ch.readInbound();
        assertThat(p.payload().readableBytes()).isEqualTo(MAX + 10);
        p.release();
        assertThat(ch.finish()).isFalse();
    }

    /*
     * Regression (found by this test, fixed in main code): LogicalPacketDecoder only checks maxLogicalPayload once a payload needs joining
     * (the `pending == null && length < MAX_PAYLOAD` fast path in decode() returns before any size check).
     * With frontend.max_packet_size set below 16 MiB (e.g. 1 MiB), a single 2 MiB COM_QUERY packet is accepted
     * instead of failing with ER_NET_PACKET_TOO_LARGE. Expected: PacketTooLargeException; actual: a Packet.
     */
    @Test
    void rejectsASinglePhysicalPacketOverTheLimit() {
        EmbeddedChannel ch = channel(1 << 20);
        byte[] payload = pattern(2 << 20, 8);
        List<Object> got = new ArrayList<>();
        try {
            assertThatThrownBy(() -> ch.writeInbound(frame(0, payload)))
                    .isInstanceOf(DecoderException.class)
                    .hasCauseInstanceOf(LogicalPacketDecoder.PacketTooLargeException.class);
        } finally {
            for (Object o; (o = ch.readInbound()) != null; ) got.add(o);
            got.forEach(io.netty.util.ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void decodesWhatPacketsWriteProduces() {
        // round trip through the real pipeline: Packets.write -> bytes on the wire -> frames -> logical packets
        int total = 20 << 20;
        byte[] payload = pattern(total, 9);
        EmbeddedChannel out = new EmbeddedChannel();
        int next = Packets.write(out, Unpooled.wrappedBuffer(payload), 0);
        out.flush();
        assertThat(next).isEqualTo(2);
        ByteBuf wire = Unpooled.buffer(total + 8);
        for (ByteBuf b; (b = out.readOutbound()) != null; ) {
            wire.writeBytes(b);
            b.release();
        }
        assertThat(wire.readableBytes()).isEqualTo(total + 8);

        EmbeddedChannel in = new EmbeddedChannel(new PacketFrameDecoder(MAX), new LogicalPacketDecoder(64L << 20));
        // deliver in awkward chunk sizes so that headers straddle reads
        int pos = 0, chunk = 1_000_003;
        while (pos < wire.writerIndex()) {
            int n = Math.min(chunk, wire.writerIndex() - pos);
            in.writeInbound(wire.retainedSlice(pos, n));
            pos += n;
        }
        Packet p = in.readInbound();
        assertThat(p.sequenceId()).isZero();
        assertThat(p.lastSequenceId()).isEqualTo(1);
        assertThat(ByteBufUtil.getBytes(p.payload())).isEqualTo(payload);
        assertThat((Object) in.readInbound()).isNull();
        p.release();
        wire.release();
        assertThat(wire.refCnt()).isZero();
        assertThat(in.finish()).isFalse();
        assertThat(out.finish()).isFalse();
    }
}
