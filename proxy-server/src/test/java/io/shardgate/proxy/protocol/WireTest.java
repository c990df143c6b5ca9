package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Protocol::LengthEncodedInteger, Protocol::LengthEncodedString and Protocol::NulTerminatedString.
 * Bytes derived by hand from the MySQL source documentation, page "Integer Types"
 * (page_protocol_basic_dt_integers): a value &lt; 251 is one byte; 0xFB is NULL (in row data); 0xFC, 0xFD and
 * 0xFE prefix a 2-, 3- and 8-byte little-endian value; 0xFF is not a valid prefix (it starts an ERR packet).
 */
class WireTest {

    @ParameterizedTest(name = "[{0}] -> {1} ({2} bytes)")
    @CsvSource(delimiter = '|', textBlock = """
            00                          | 0                   | 1
            01                          | 1                   | 1
            fa                          | 250                 | 1
            fb                          | -1                  | 1
            fc fb 00                    | 251                 | 3
            fc ff ff                    | 65535               | 3
            fd 00 00 01                 | 65536               | 4
            fd ff ff ff                 | 16777215            | 4
            fe 00 00 00 01 00 00 00 00  | 16777216            | 9
            fe 01 02 03 04 05 06 07 08  | 578437695752307201  | 9
            fe ff ff ff ff ff ff ff 7f  | 9223372036854775807 | 9
            """)
    void readsLengthEncodedIntegersAtEveryBoundary(String hex, long value, int size) {
        // a trailing marker byte shows that exactly `size` bytes were consumed
        ByteBuf buf = hex(hex + " 99");
        assertThat(Wire.lenencSize(buf, 0)).isEqualTo(size);
        assertThat(Wire.getLenenc(buf, 0)).isEqualTo(value);
        assertThat(buf.readerIndex()).as("getLenenc/lenencSize must not move the reader").isZero();
        assertThat(Wire.readLenenc(buf)).isEqualTo(value);
        assertThat(buf.readerIndex()).isEqualTo(size);
        assertThat(buf.readUnsignedByte()).isEqualTo((short) 0x99);
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource(delimiter = '|', textBlock = """
            0         | 00
            250       | fa
            251       | fc fb 00
            252       | fc fc 00
            65535     | fc ff ff
            65536     | fd 00 00 01
            16777215  | fd ff ff ff
            16777216  | fe 00 00 00 01 00 00 00 00
            4294967296| fe 00 00 00 00 01 00 00 00
            """)
    void writesTheShortestLengthEncodedInteger(long value, String expected) {
        ByteBuf buf = Unpooled.buffer();
        Wire.writeLenenc(buf, value);
        assertThat(dump(buf)).isEqualTo(norm(expected));
        assertThat(Wire.readLenenc(buf)).isEqualTo(value);
        assertThat(buf.isReadable()).isFalse();
    }

    @Test
    void rejectsTheFfPrefix() {
        assertThatThrownBy(() -> Wire.readLenenc(hex("ff 00 00"))).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("0xff");
        assertThatThrownBy(() -> Wire.getLenenc(hex("ff"), 0)).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> Wire.lenencSize(hex("ff"), 0)).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> Wire.readLenencBytes(hex("ff 61"))).isInstanceOf(MalformedPacketException.class);
    }

    @ParameterizedTest(name = "[{0}] -> \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            00                   | ''           | 1
            03 61 62 63          | abc          | 4
            05 68 c3 a9 6c 6c    | héll         | 6
            """)
    void readsLengthEncodedStrings(String hex, String expected, int consumed) {
        ByteBuf buf = hex(hex + " 99");
        assertThat(Wire.readLenencString(buf, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(buf.readerIndex()).isEqualTo(consumed);
    }

    @Test
    void readsALengthEncodedStringWithATwoByteLength() {
        // fc 2c 01 = 300 bytes
        byte[] body = Hex.pattern(300, 1);
        ByteBuf buf = Unpooled.buffer().writeBytes(Hex.bytes("fc 2c 01")).writeBytes(body);
        assertThat(Wire.readLenencBytes(buf)).isEqualTo(body);
        assertThat(buf.isReadable()).isFalse();
    }

    @Test
    void nullMarkerReadsAsNullString() {
        ByteBuf buf = hex("fb 01 61");
        assertThat(Wire.readLenencBytes(buf)).isNull();
        assertThat(Wire.readLenencString(buf, StandardCharsets.UTF_8)).isEqualTo("a");
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(textBlock = """
            05 61 62
            01
            fc 00 01 61 62 63
            fd 00 00 01 00
            fe 00 00 00 00 01 00 00 00 61
            """)
    void rejectsAStringRunningPastTheEnd(String hex) {
        assertThatThrownBy(() -> Wire.readLenencBytes(hex(hex)))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("runs past the packet end");
    }

    /*
     * Regression (found by this test, fixed in main code): Wire.readLenencBytes treats any 8-byte length with the top bit set as NULL,
     * because readLenenc returns it as a negative long and readLenencBytes tests `len < 0`. The input below
     * claims a string of 2^63 (resp. 2^64-1) bytes: it must be rejected as running past the end, but readLenencBytes returns null,
     * so a client can make any length-encoded string (user name, auth data, attribute) read as SQL NULL.
     */
    @ParameterizedTest(name = "[{0}]")
    @CsvSource(textBlock = """
            fe 00 00 00 00 00 00 00 80 61 62
            fe ff ff ff ff ff ff ff ff 61 62
            """)
    void rejectsAnEightByteLengthWithTheTopBitSet(String hex) {
        assertThatThrownBy(() -> Wire.readLenencBytes(hex(hex))).isInstanceOf(MalformedPacketException.class);
    }

    /*
     * Regression (found by this test, fixed in main code): a length-encoded integer whose prefix promises more bytes than the packet holds
     * (here 0xFC followed by a single byte, and an empty buffer) escapes as Netty's IndexOutOfBoundsException
     * instead of MalformedPacketException, so callers (HandshakeResponse.decode, ClientSession) see an
     * unexpected exception type instead of "a packet that does not follow the protocol".
     */
    @ParameterizedTest(name = "[{0}]")
    @CsvSource(textBlock = """
            fc 01
            fd 01 02
            fe 01 02 03 04 05 06 07
            ''
            """)
    void rejectsATruncatedLengthEncodedInteger(String hex) {
        assertThatThrownBy(() -> Wire.readLenenc(hex(hex))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void writesLengthEncodedStrings() {
        ByteBuf buf = Unpooled.buffer();
        Wire.writeLenencString(buf, "héllo");
        Wire.writeLenencString(buf, "");
        assertThat(dump(buf)).isEqualTo(norm("06 68 c3 a9 6c 6c 6f 00"));

        ByteBuf big = Unpooled.buffer();
        Wire.writeLenencBytes(big, new byte[251]);
        assertThat(big.readableBytes()).isEqualTo(3 + 251);
        assertThat(dump(big.slice(0, 3))).isEqualTo("fc fb 00");
    }

    @ParameterizedTest(name = "[{0}] -> \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            61 62 63 00 78 | abc | 4
            00 78          | ''  | 1
            61 62          | ab  | 2
            ''             | ''  | 0
            """)
    void readsNulTerminatedStrings(String hex, String expected, int readerAfter) {
        // a missing terminator reads to the end of the buffer, as servers do
        ByteBuf buf = hex(hex);
        assertThat(Wire.readNulString(buf, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(buf.readerIndex()).isEqualTo(readerAfter);
    }

    @Test
    void readsNulStringsFromTheReaderIndexNotFromZero() {
        ByteBuf buf = hex("00 72 6f 6f 74 00 64 62 00");
        buf.skipBytes(1);
        assertThat(Wire.readNulString(buf, StandardCharsets.UTF_8)).isEqualTo("root");
        assertThat(Wire.readNulString(buf, StandardCharsets.UTF_8)).isEqualTo("db");
        assertThat(buf.isReadable()).isFalse();
    }

    @Test
    void writesNulTerminatedStrings() {
        ByteBuf buf = Unpooled.buffer();
        Wire.writeNulString(buf, "root");
        Wire.writeNulString(buf, "");
        assertThat(dump(buf)).isEqualTo(norm("72 6f 6f 74 00 00"));
    }

    @Test
    void requireReportsShortPackets() {
        ByteBuf buf = hex("01 02 03");
        Wire.require(buf, 3, "x");
        assertThatThrownBy(() -> Wire.require(buf, 4, "greeting"))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessage("greeting: needs 4 more bytes, packet has 3");
        assertThat(Wire.readRest(buf)).containsExactly(1, 2, 3);
        assertThat(buf.isReadable()).isFalse();
    }
}
