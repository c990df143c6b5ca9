package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketFrameDecoderTest {
    /** The bound ProxyServer gives a client before login (FrontendAuthHandler.MAX_AUTH_PACKET). */
    static final int MAX_AUTH_PACKET = 64 * 1024;

    /*
     * A server's answer to a one-column query, byte for byte the "Text Resultset" example of the MySQL
     * Internals Manual (protocoltext-resultset.html, SELECT @@version_comment): column count, column
     * definition, EOF, one row, EOF.
     */
    static final String[] VERSION_COMMENT_RESULTSET = {
            "01 00 00 01 01",
            "27 00 00 02 03 64 65 66 00 00 00 11 40 40 76 65 72 73 69 6f 6e 5f 63 6f 6d 6d 65 6e 74 00 0c 08 00"
                    + " 1c 00 00 00 fd 00 00 1f 00 00",
            "05 00 00 03 fe 00 00 02 00",
            "1d 00 00 04 1c 4d 79 53 51 4c 20 43 6f 6d 6d 75 6e 69 74 79 20 53 65 72 76 65 72 20 28 47 50 4c 29",
            "05 00 00 05 fe 00 00 02 00",
    };

    /**
     * Closes a channel whose decoder threw. The offending bytes are still buffered, so closing decodes them once more
     * and fails again; that second failure is expected and not what these tests are about.
     */
    private static void closeAfterFailure(EmbeddedChannel ch) {
        try {
            ch.finishAndReleaseAll();
        } catch (DecoderException again) {
            assertThat(again).hasCauseInstanceOf(MalformedPacketException.class);
        }
    }

    private static List<ByteBuf> drain(EmbeddedChannel ch) {
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf f; (f = ch.readInbound()) != null; ) {
            out.add(f);
        }
        return out;
    }

    @Test
    void splitsSeveralPacketsInOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(Packets.MAX_PAYLOAD));
        ByteBuf in = hex(String.join(" ", VERSION_COMMENT_RESULTSET) + " 00 00 00 06");  // + an empty packet
        ch.writeInbound(in);

        List<ByteBuf> frames = drain(ch);
        assertThat(frames).hasSize(VERSION_COMMENT_RESULTSET.length + 1);
        for (int i = 0; i < VERSION_COMMENT_RESULTSET.length; i++) {
            assertThat(dump(frames.get(i))).isEqualTo(norm(VERSION_COMMENT_RESULTSET[i]));
            assertThat(Packets.sequence(frames.get(i))).isEqualTo(i + 1);
        }
        ByteBuf empty = frames.get(VERSION_COMMENT_RESULTSET.length);
        assertThat(dump(empty)).isEqualTo("00 00 00 06");
        assertThat(Packets.payloadLength(empty)).isZero();
        assertThat(Packets.firstByte(empty)).isEqualTo(-1);
        assertThat(Packets.firstByte(frames.get(2))).isEqualTo(0xfe);

        frames.forEach(ByteBuf::release);
        assertThat(frames).allSatisfy(f -> assertThat(f.refCnt()).isZero());
        assertThat(in.refCnt()).as("the input buffer is freed once every frame is released").isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void reassemblesPacketsDeliveredOneByteAtATime() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(Packets.MAX_PAYLOAD));
        byte[] stream = Hex.bytes(String.join(" ", VERSION_COMMENT_RESULTSET));
        // offset of the last byte of each packet in the stream: a frame must come out exactly there, not before
        List<Integer> ends = new ArrayList<>();
        int end = 0;
        for (String p : VERSION_COMMENT_RESULTSET) {
            end += Hex.bytes(p).length;
            ends.add(end - 1);
        }

        List<ByteBuf> inputs = new ArrayList<>();
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < stream.length; i++) {
            ByteBuf one = Unpooled.wrappedBuffer(new byte[]{stream[i]});
            inputs.add(one);
            ch.writeInbound(one);
            List<ByteBuf> got = drain(ch);
            if (ends.contains(i)) {
                assertThat(got).as("a frame completes at byte %d", i).hasSize(1);
            } else {
                assertThat(got).as("nothing may come out at byte %d", i).isEmpty();
            }
            frames.addAll(got);
        }
        assertThat(frames).hasSize(VERSION_COMMENT_RESULTSET.length);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(dump(frames.get(i))).isEqualTo(norm(VERSION_COMMENT_RESULTSET[i]));
        }

        frames.forEach(ByteBuf::release);
        assertThat(frames).allSatisfy(f -> assertThat(f.refCnt()).isZero());
        assertThat(inputs).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void waitsForAWholeHeaderAndAWholePayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(Packets.MAX_PAYLOAD));
        ch.writeInbound(hex("05 00 00"));
        assertThat(drain(ch)).isEmpty();
        ch.writeInbound(hex("05 fe 00 00"));
        assertThat(drain(ch)).isEmpty();
        ch.writeInbound(hex("02 00 07 00 00"));   // EOF complete + 2 bytes of the next header
        List<ByteBuf> frames = drain(ch);
        assertThat(frames).hasSize(1);
        assertThat(dump(frames.get(0))).isEqualTo(norm("05 00 00 05 fe 00 00 02 00"));
        frames.get(0).release();
        assertThat(frames.get(0).refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    /** Protocol::SSLRequest example from the MySQL documentation (caps 0x0003ae05 with CLIENT_SSL). */
    static final String SSL_REQUEST = "20 00 00 01 05 ae 03 00 00 00 00 01 08 00 00 00 00 00 00 00 00 00 00 00"
            + " 00 00 00 00 00 00 00 00 00 00 00 00";

    @Test
    void takeUnframedHandsBackBytesNotYetFramed() {
        // the SSL request followed, in the same read, by the first two bytes of a TLS record (less than a header)
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(MAX_AUTH_PACKET));
        PacketFrameDecoder decoder = ch.pipeline().get(PacketFrameDecoder.class);
        decoder.setSingleDecode(true);
        ch.writeInbound(hex(SSL_REQUEST + " | 16 03"));
        List<ByteBuf> frames = drain(ch);
        assertThat(frames).hasSize(1);
        assertThat(dump(frames.get(0))).isEqualTo(norm(SSL_REQUEST));
        ByteBuf rest = decoder.takeUnframed();
        assertThat(dump(rest)).isEqualTo("16 03");
        rest.release();
        frames.get(0).release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(frames.get(0).refCnt()).as("frame and buffered input are freed once the channel closes").isZero();
    }

    /*
     * Regression (found by this test, fixed in main code): PacketFrameDecoder.decode loops over the whole input itself, so
     * setSingleDecode(true) (set by ProxyServer "until we know whether the client switches to TLS") has no
     * effect: after the SSL request it goes on reading the TLS ClientHello as if it were a MySQL header.
     * "16 03 01" read as a little-endian length is 0x010316 = 66326 > MAX_AUTH_PACKET (65536), so the decoder
     * throws MalformedPacketException and the client's TLS connection is dropped whenever the SSL request and
     * the ClientHello arrive in one read. Expected: one frame, the TLS bytes left for takeUnframed().
     */
    @Test
    void singleDecodeStopsAfterTheSslRequestSoTheClientHelloStaysUnframed() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(MAX_AUTH_PACKET));
        PacketFrameDecoder decoder = ch.pipeline().get(PacketFrameDecoder.class);
        decoder.setSingleDecode(true);
        // TLS record header (handshake, version 3.1, 512 bytes), then ClientHello type and length, version 3.3
        String clientHelloStart = "16 03 01 02 00 01 00 01 fc 03 03";
        ch.writeInbound(hex(SSL_REQUEST + " | " + clientHelloStart));
        List<ByteBuf> frames = drain(ch);
        assertThat(frames).hasSize(1);
        assertThat(dump(frames.get(0))).isEqualTo(norm(SSL_REQUEST));
        ByteBuf rest = decoder.takeUnframed();
        assertThat(dump(rest)).isEqualTo(norm(clientHelloStart));
        rest.release();
        frames.get(0).release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(frames.get(0).refCnt()).isZero();
    }

    @Test
    void acceptsAPacketOfExactlyTheBound() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(4));
        ch.writeInbound(hex("04 00 00 00 01 02 03 04"));
        ByteBuf f = ch.readInbound();
        assertThat(dump(f)).isEqualTo("04 00 00 00 01 02 03 04");
        f.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void rejectsAPacketOverTheBoundFromItsHeaderAlone() {
        // 0x000101 = 257 bytes announced against a bound of 256: refused before any payload byte arrives
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(256));
        ByteBuf in = hex("01 01 00 00");
        assertThatThrownBy(() -> ch.writeInbound(in))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("257 bytes exceeds the limit of 256");
        assertThat((Object) ch.readInbound()).isNull();
        closeAfterFailure(ch);
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void rejectsAGarbageLengthBeforeLogin() {
        // "GET / HTTP/1.1" sent to the MySQL port: "GET" read as a little-endian length is 0x544547
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(8192));
        assertThatThrownBy(() -> ch.writeInbound(hex("47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31")))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("packet of 5522759 bytes");
        closeAfterFailure(ch);
    }

    @Test
    void raisingTheBoundAdmitsLargerPackets() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFrameDecoder(2));
        ch.pipeline().get(PacketFrameDecoder.class).maxPayload(Packets.MAX_PAYLOAD);
        ch.writeInbound(hex("03 00 00 00 61 62 63"));
        ByteBuf f = ch.readInbound();
        assertThat(Packets.payloadLength(f)).isEqualTo(3);
        f.release();
        ch.finishAndReleaseAll();
    }
}
