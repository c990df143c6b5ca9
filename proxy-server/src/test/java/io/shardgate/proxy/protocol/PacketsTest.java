package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.norm;
import static io.shardgate.proxy.protocol.Hex.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketsTest {
    static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    static final int MAX = Packets.MAX_PAYLOAD;

    private static String dumpAndRelease(ByteBuf buf) {
        try {
            return dump(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void okMatchesTheDocumentedExample() {
        // MySQL source documentation, OK_Packet: "OK with CLIENT_PROTOCOL_41. 0 affected rows, last-insert-id was 0,
        // AUTOCOMMIT, 0 warnings. No further info."
        assertThat(dumpAndRelease(Packets.ok(ALLOC, 2, ServerStatus.AUTOCOMMIT)))
                .isEqualTo(norm("07 00 00 02 00 00 00 02 00 00 00"));
    }

    @ParameterizedTest(name = "affected={1} id={2} status={3} warnings={4} info={5}")
    @CsvSource(delimiter = '|', textBlock = """
            09 00 00 01 00 fc e8 03 07 22 00 01 00                         | 1000     | 7     | 34 | 1 | ''
            0a 00 00 01 00 fd 00 00 01 00 02 00 00 00                      | 65536    | 0     | 2  | 0 | ''
            09 00 00 01 00 fa fc fb 00 03 00 00 00                         | 250      | 251   | 3  | 0 | ''
            16 00 00 01 00 01 00 02 00 00 00 52 6f 77 73 20 6d 61 74 63 68 65 64 3a 20 31 | 1 | 0 | 2 | 0 | Rows matched: 1
            """)
    void okEncodesLengthEncodedCountersAndInfo(String expected, long affected, long lastId, int status, int warnings,
                                              String info) {
        // hand-derived from the OK_Packet layout: 00, lenenc affected rows, lenenc last insert id, int<2> status,
        // int<2> warnings, string<EOF> info
        ByteBuf ok = Packets.ok(ALLOC, 1, affected, lastId, status, warnings, info);
        assertThat(Packets.okStatus(ok, ok.readerIndex() + Packets.HEADER_SIZE)).isEqualTo(status);
        assertThat(dumpAndRelease(ok)).isEqualTo(norm(expected));
    }

    @Test
    void errMatchesTheDocumentedExample() {
        // MySQL source documentation, ERR_Packet example: error 1096 (HY000) "No tables used"
        assertThat(dumpAndRelease(Packets.err(ALLOC, 1, 1096, "HY000", "No tables used")))
                .isEqualTo(norm("17 00 00 01 ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 20 75 73 65 64"));
    }

    @Test
    void errFromAnErrorCode() {
        // hand-derived: ff, 1040 = 10 04, '#', "08004", "Too many connections" (20 bytes): payload 29 = 0x1d
        assertThat(dumpAndRelease(Packets.err(ALLOC, 0, ErrorCode.ER_CON_COUNT_ERROR, "Too many connections")))
                .isEqualTo(norm("1d 00 00 00 ff 10 04 23 30 38 30 30 34 54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65"
                        + " 63 74 69 6f 6e 73"));
    }

    @Test
    void eofMatchesTheDocumentedExample() {
        // MySQL source documentation, EOF_Packet example: 0 warnings, AUTOCOMMIT
        ByteBuf eof = Packets.eof(ALLOC, 5, ServerStatus.AUTOCOMMIT, 0);
        assertThat(Packets.payloadLength(eof)).isEqualTo(5);
        assertThat(Packets.sequence(eof)).isEqualTo(5);
        assertThat(Packets.firstByte(eof)).isEqualTo(0xfe);
        assertThat(dumpAndRelease(eof)).isEqualTo(norm("05 00 00 05 fe 00 00 02 00"));
    }

    @Test
    void eofPutsWarningsBeforeStatus() {
        // hand-derived: fe, warnings 3 = 03 00, status MORE_RESULTS|AUTOCOMMIT = 0a 00
        assertThat(dumpAndRelease(Packets.eof(ALLOC, 9, 0x000a, 3))).isEqualTo(norm("05 00 00 09 fe 03 00 0a 00"));
    }

    @Test
    void headerAccessorsReadAtTheReaderIndex() {
        ByteBuf buf = hex("99 99 | 05 00 00 05 fe 00 00 02 00");
        buf.skipBytes(2);
        assertThat(Packets.payloadLength(buf)).isEqualTo(5);
        assertThat(Packets.sequence(buf)).isEqualTo(5);
        assertThat(Packets.firstByte(buf)).isEqualTo(0xfe);
        Packets.setSequence(buf, 0x42);
        assertThat(dump(buf)).isEqualTo(norm("05 00 00 42 fe 00 00 02 00"));
    }

    @Test
    void finishRefusesAPayloadThatNeedsSplitting() {
        ByteBuf buf = Packets.start(ALLOC, MAX);
        buf.writeZero(MAX);
        assertThatThrownBy(() -> Packets.finish(buf, 0)).isInstanceOf(IllegalArgumentException.class);
        buf.release();

        ByteBuf ok = Packets.start(ALLOC, MAX - 1);
        ok.writeZero(MAX - 1);
        Packets.finish(ok, 3);
        assertThat(dump(ok.slice(0, 4))).isEqualTo("fe ff ff 03");
        ok.release();
    }

    // ---- Packets.write: splitting a logical payload into physical packets --------------------------------------

    /** What Packets.write put on the channel: each header (as hex) and the payload bytes of all packets joined. */
    private record Written(List<String> headers, byte[] joined, int nextSeq) {}

    private static Written write(byte[] payload, int seq) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ByteBuf buf = Unpooled.buffer(payload.length).writeBytes(payload);
        int next = Packets.write(ch, buf, seq);
        ch.flush();
        List<String> headers = new ArrayList<>();
        ByteBuf joined = Unpooled.buffer(payload.length);
        for (ByteBuf header; (header = ch.readOutbound()) != null; ) {
            // every packet is a 4-byte header buffer, then (unless empty) a buffer of exactly the announced length
            assertThat(header.readableBytes()).isEqualTo(Packets.HEADER_SIZE);
            headers.add(dump(header));
            int length = Packets.payloadLength(header);
            header.release();
            if (length > 0) {
                ByteBuf body = ch.readOutbound();
                assertThat(body.readableBytes()).isEqualTo(length);
                joined.writeBytes(body);
                body.release();
            }
        }
        byte[] all = ByteBufUtil.getBytes(joined);
        joined.release();
        assertThat(buf.refCnt()).as("payload fully released once the written slices are").isZero();
        assertThat(ch.finish()).isFalse();
        return new Written(headers, all, next);
    }

    @Test
    void writeSendsASmallPayloadAsOnePacket() {
        Written w = write(Hex.bytes("03 73 65 6c 65 63 74 20 31"), 7);
        assertThat(w.headers()).containsExactly("09 00 00 07");
        assertThat(w.joined()).isEqualTo(Hex.bytes("03 73 65 6c 65 63 74 20 31"));
        assertThat(w.nextSeq()).isEqualTo(8);
    }

    @Test
    void writeSendsAnEmptyPayloadAsAHeaderOnly() {
        Written w = write(new byte[0], 3);
        assertThat(w.headers()).containsExactly("00 00 00 03");
        assertThat(w.joined()).isEmpty();
        assertThat(w.nextSeq()).isEqualTo(4);
    }

    @Test
    void writeSplitsATwentyMebibytePayload() {
        byte[] payload = pattern(20 << 20, 11);     // 0xFFFFFF + 0x400001
        Written w = write(payload, 0);
        assertThat(w.headers()).containsExactly("ff ff ff 00", "01 00 40 01");
        assertThat(w.joined()).isEqualTo(payload);
        assertThat(w.nextSeq()).isEqualTo(2);
    }

    @Test
    void writeEndsAnExactMultipleOf0xFfffffWithAnEmptyPacket() {
        byte[] payload = pattern(2 * MAX, 12);
        Written w = write(payload, 0);
        assertThat(w.headers()).containsExactly("ff ff ff 00", "ff ff ff 01", "00 00 00 02");
        assertThat(w.joined()).isEqualTo(payload);
        assertThat(w.nextSeq()).isEqualTo(3);
    }

    @Test
    void writeOfExactly0xFfffffBytesWrapsTheSequenceId() {
        byte[] payload = pattern(MAX, 13);
        Written w = write(payload, 0xff);
        assertThat(w.headers()).containsExactly("ff ff ff ff", "00 00 00 00");
        assertThat(w.joined()).isEqualTo(payload);
        assertThat(w.nextSeq()).isEqualTo(1);
    }
}
