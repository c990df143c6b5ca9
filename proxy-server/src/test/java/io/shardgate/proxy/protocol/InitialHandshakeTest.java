package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.shardgate.proxy.protocol.Hex.bytes;
import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InitialHandshakeTest {

    /**
     * Protocol::HandshakeV10 example of the MySQL Internals Manual, "Connection Phase Packets" (5.5.2-m2 server,
     * header included): capabilities 0x0000ffff (no CLIENT_PLUGIN_AUTH, so no plugin name and an
     * auth-plugin-data length of 00), latin1 (8), AUTOCOMMIT, scramble part 2 of 13 bytes with its NUL.
     */
    static final String MYSQL_552_EXAMPLE = """
            36 00 00 00 0a 35 2e 35 2e 32 2d 6d 32 00 52 00
            00 00 22 3d 4e 50 29 75 39 56 00 ff ff 08 02 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 29 64 40
            52 5c 55 78 7a 7c 21 29 4b 00""";

    /**
     * Greeting of a MySQL 5.7.18 server captured in the annotated dump at
     * https://gist.github.com/asd1245dss/3427f331cf4161174b879846fbcd5eda (header included): capabilities
     * 0xc1ffffff, utf8_general_ci (0x21), auth-plugin-data length 21, plugin mysql_native_password.
     */
    static final String MYSQL_5718_CAPTURE = """
            4e 00 00 00 0a 35 2e 37 2e 31 38 2d 6c 6f 67 00 12 7a 29 00 33 58 38 18 44 5e 16 48 00
            ff ff 21 02 00 ff c1 15 00 00 00 00 00 00 00 00 00 00
            40 79 11 30 2a 41 61 55 64 77 6e 0d 00
            6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00""";

    /**
     * A MariaDB 10.11 greeting, derived by hand from the MariaDB knowledge base page "Connection" (initial handshake
     * packet): version prefixed "5.5.5-", capability bit 0 (CLIENT_MYSQL) cleared, and of the 10 reserved bytes
     * the last 4 carry the MariaDB extended capabilities (0x1d: PROGRESS, STMT_BULK_OPERATIONS, EXTENDED_METADATA,
     * CACHE_METADATA). Payload only.
     */
    static final String MARIADB_1011_GREETING = """
            0a 35 2e 35 2e 35 2d 31 30 2e 31 31 2e 35 2d 4d 61 72 69 61 44 42 00 | 07 00 00 00
            3b 55 78 7c 2f 4d 7e 35 | 00 | fe f7 | 2d | 02 00 | ff 81 | 15 | 00 00 00 00 00 00 | 1d 00 00 00
            4a 6b 21 5c 3e 2a 6f 71 59 4c 2d 33 00
            6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00""";

    /** The payload of a packet written with its header, after checking the header's length. */
    private static ByteBuf payloadOf(String packet) {
        ByteBuf buf = hex(packet);
        assertThat(Packets.payloadLength(buf)).isEqualTo(buf.readableBytes() - Packets.HEADER_SIZE);
        return buf.skipBytes(Packets.HEADER_SIZE);
    }

    @Test
    void decodesTheDocumentedMysql552Example() {
        ByteBuf payload = payloadOf(MYSQL_552_EXAMPLE);
        InitialHandshake hs = InitialHandshake.decode(payload);
        assertThat(hs.serverVersion()).isEqualTo("5.5.2-m2");
        assertThat(hs.connectionId()).isEqualTo(0x52);
        assertThat(hs.capabilities()).isEqualTo(0x0000ffff);
        assertThat(Capabilities.has(hs.capabilities(), Capabilities.PLUGIN_AUTH)).isFalse();
        assertThat(hs.charset()).isEqualTo(8);
        assertThat(hs.status()).isEqualTo(ServerStatus.AUTOCOMMIT);
        // "\"=NP)u9V" + ")d@R\\Uxz|!)K", the trailing NUL of part 2 is not part of the nonce
        assertThat(Hex.spaced(hs.nonce())).isEqualTo(norm("22 3d 4e 50 29 75 39 56 29 64 40 52 5c 55 78 7a 7c 21 29 4b"));
        assertThat(hs.authPlugin()).as("without CLIENT_PLUGIN_AUTH the server means mysql_native_password")
                .isEqualTo("mysql_native_password");
        assertThat(payload.isReadable()).isFalse();
    }

    @Test
    void decodesACapturedMysql57Greeting() {
        InitialHandshake hs = InitialHandshake.decode(payloadOf(MYSQL_5718_CAPTURE));
        assertThat(hs.serverVersion()).isEqualTo("5.7.18-log");
        assertThat(hs.connectionId()).isEqualTo(0x00297a12L);
        assertThat(hs.capabilities()).isEqualTo(0xc1ffffff);
        assertThat(hs.charset()).isEqualTo(0x21);
        assertThat(hs.status()).isEqualTo(ServerStatus.AUTOCOMMIT);
        assertThat(Hex.spaced(hs.nonce())).isEqualTo(norm("33 58 38 18 44 5e 16 48 40 79 11 30 2a 41 61 55 64 77 6e 0d"));
        assertThat(hs.authPlugin()).isEqualTo("mysql_native_password");
    }

    @Test
    void decodesAMariaDbGreeting() {
        ByteBuf payload = hex(MARIADB_1011_GREETING);
        InitialHandshake hs = InitialHandshake.decode(payload);
        assertThat(hs.serverVersion()).isEqualTo("5.5.5-10.11.5-MariaDB");
        assertThat(hs.connectionId()).isEqualTo(7);
        assertThat(hs.capabilities()).isEqualTo(0x81fff7fe);
        assertThat(Capabilities.has(hs.capabilities(), Capabilities.LONG_PASSWORD)).as("CLIENT_MYSQL cleared").isFalse();
        assertThat(Capabilities.has(hs.capabilities(), Capabilities.SSL)).isFalse();
        assertThat(Capabilities.has(hs.capabilities(), Capabilities.DEPRECATE_EOF)).isTrue();
        assertThat(hs.charset()).isEqualTo(45);
        assertThat(Hex.spaced(hs.nonce()))
                .as("the extended capabilities in the reserved bytes must not shift the scramble")
                .isEqualTo(norm("3b 55 78 7c 2f 4d 7e 35 4a 6b 21 5c 3e 2a 6f 71 59 4c 2d 33"));
        assertThat(hs.authPlugin()).isEqualTo("mysql_native_password");
        assertThat(payload.isReadable()).isFalse();
    }

    @Test
    void encodesTheCapturedGreetingByteForByte() {
        InitialHandshake hs = new InitialHandshake("5.7.18-log", 0x00297a12L,
                bytes("33 58 38 18 44 5e 16 48 40 79 11 30 2a 41 61 55 64 77 6e 0d"), 0xc1ffffff, 0x21,
                ServerStatus.AUTOCOMMIT, "mysql_native_password");
        ByteBuf buf = Unpooled.buffer();
        hs.encode(buf);
        ByteBuf expected = payloadOf(MYSQL_5718_CAPTURE);
        assertThat(dump(buf)).isEqualTo(dump(expected));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            8.0.36                  | 4294967295 | -1         | 255 | 34     | caching_sha2_password
            5.5.5-10.11.5-MariaDB   | 1          | 0x81fff7fe | 45  | 2      | mysql_native_password
            shardgate-0.1           | 123456     | 0x01ffb7ff | 33  | 0x4003 | mysql_native_password
            """)
    void encodeThenDecodeGivesTheSameGreeting(String version, long connId, String caps, int charset, String status,
                                              String plugin) {
        byte[] nonce = Hex.pattern(20, version.length());
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = (byte) (nonce[i] & 0x7f | 1);      // servers send printable, never NUL, scramble bytes
        }
        InitialHandshake hs = new InitialHandshake(version, connId, nonce, (int) (long) Long.decode(caps), charset,
                Integer.decode(status), plugin);
        ByteBuf buf = Unpooled.buffer();
        hs.encode(buf);
        InitialHandshake back = InitialHandshake.decode(buf);
        assertThat(buf.isReadable()).isFalse();
        assertThat(back.serverVersion()).isEqualTo(version);
        assertThat(back.connectionId()).isEqualTo(connId);
        assertThat(back.nonce()).isEqualTo(nonce);
        assertThat(back.capabilities()).isEqualTo((int) (long) Long.decode(caps));
        assertThat(back.charset()).isEqualTo(charset);
        assertThat(back.status()).isEqualTo(Integer.decode(status));
        assertThat(back.authPlugin()).isEqualTo(plugin);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            without SQL state (sent before the client's capabilities are known) | ff 10 04 54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65 63 74 69 6f 6e 73
            with SQL state marker                                               | ff 10 04 23 30 38 30 30 34 54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65 63 74 69 6f 6e 73
            """)
    void aGreetingThatIsAnErrPacketRaisesServerRefused(String what, String payload) {
        // hand-derived ERR_Packet: ff, error code 1040 (ER_CON_COUNT_ERROR) = 10 04, ["#08004"], message
        assertThatThrownBy(() -> InitialHandshake.decode(hex(payload)))
                .isInstanceOfSatisfying(InitialHandshake.ServerRefusedException.class,
                        e -> assertThat(e.code).isEqualTo(1040))
                .hasMessage("server refused the connection: 1040 Too many connections");
    }

    @Test
    void rejectsOtherProtocolVersions() {
        // Protocol::HandshakeV9 (protocol version 9, "3.20.0", thread id 1, scramble "abcdefgh")
        assertThatThrownBy(() -> InitialHandshake.decode(hex("09 33 2e 32 30 2e 30 00 01 00 00 00 61 62 63 64 65 66 67 68 00")))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("version 9");
    }

    @ParameterizedTest(name = "first {0} bytes")
    @CsvSource({"0", "5", "14", "26", "35", "45"})
    void rejectsATruncatedGreeting(int length) {
        ByteBuf whole = payloadOf(MYSQL_5718_CAPTURE);
        ByteBuf cut = whole.slice(whole.readerIndex(), length);
        assertThatThrownBy(() -> InitialHandshake.decode(cut)).isInstanceOf(MalformedPacketException.class);
    }
}
