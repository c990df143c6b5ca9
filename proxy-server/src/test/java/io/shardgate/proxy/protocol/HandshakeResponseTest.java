package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.shardgate.proxy.protocol.Hex.dump;
import static io.shardgate.proxy.protocol.Hex.hex;
import static io.shardgate.proxy.protocol.Hex.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeResponseTest {

    /**
     * Protocol::HandshakeResponse41 example of the MySQL source documentation (page
     * page_protocol_connection_phase_packets_protocol_handshake_response, "MySQL 5.5.8 with CLIENT_PROTOCOL_41
     * CLIENT_PLUGIN_AUTH CLIENT_SECURE_CONNECTION CLIENT_CONNECT_WITH_DB"), header included.
     */
    static final String DOC_558 = """
            54 00 00 01 8d a6 0f 00 00 00 00 01 08 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 70 61 6d 00 14 ab 09 ee f6 bc b1 32
            3e 61 14 38 65 c0 99 1d 95 7d 75 d4 47 74 65 73
            74 00 6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70
            61 73 73 77 6f 72 64 00""";

    /**
     * The second example of the same page, "MySQL 5.6.6-m9 with CLIENT_PROTOCOL_41 CLIENT_PLUGIN_AUTH
     * CLIENT_SECURE_CONNECTION CLIENT_CONNECT_WITH_DB and CLIENT_CONNECT_ATTRS" (the capability bytes show
     * CONNECT_WITH_DB is in fact not set: no database is sent), header included.
     */
    static final String DOC_566_ATTRS = """
            b2 00 00 01 85 a2 1e 00 00 00 00 40 08 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 72 6f 6f 74 00 14 22 50 79 a2 12 d4
            e8 82 e5 b3 f4 1a 97 75 6b c8 be db 9f 80 6d 79
            73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77
            6f 72 64 00 61 03 5f 6f 73 09 64 65 62 69 61 6e
            36 2e 30 0c 5f 63 6c 69 65 6e 74 5f 6e 61 6d 65
            08 6c 69 62 6d 79 73 71 6c 04 5f 70 69 64 05 32
            32 33 34 34 0f 5f 63 6c 69 65 6e 74 5f 76 65 72
            73 69 6f 6e 08 35 2e 36 2e 36 2d 6d 39 09 5f 70
            6c 61 74 66 6f 72 6d 06 78 38 36 5f 36 34 03 66
            6f 6f 03 62 61 72""";

    /**
     * Protocol::SSLRequest example of the MySQL source documentation (page page_protocol_connection_phase_packets_
     * protocol_ssl_request, 5.5 client, caps 0x0003ae05 with CLIENT_SSL), header included.
     */
    static final String DOC_SSL_REQUEST = """
            20 00 00 01 05 ae 03 00 00 00 00 01 08 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00""";

    /**
     * Derived by hand from the HandshakeResponse41 layout: what a MySQL 8 client sends with CONNECT_WITH_DB,
     * PLUGIN_AUTH, CONNECT_ATTRS and PLUGIN_AUTH_LENENC_CLIENT_DATA (caps 0x013fa20d, max packet 0xffffff,
     * utf8mb4_0900_ai_ci = 255), user "app", the 32-byte caching_sha2_password scramble of "secret" (see
     * AuthPluginTest), database "shop", three attributes. Payload only.
     */
    static final String MODERN = """
            0d a2 3f 01 | ff ff ff 00 | ff | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            61 70 70 00
            20 eb f4 e4 d1 4c 75 1e fb 1f 98 f5 10 a2 e8 41 3c 22 08 69 3b b6 3c aa 68 5b c3 2b 63 53 6f 40 e6
            73 68 6f 70 00
            63 61 63 68 69 6e 67 5f 73 68 61 32 5f 70 61 73 73 77 6f 72 64 00
            33 | 0c 5f 63 6c 69 65 6e 74 5f 6e 61 6d 65 08 6c 69 62 6d 79 73 71 6c
               | 04 5f 70 69 64 04 34 32 34 32
               | 0c 70 72 6f 67 72 61 6d 5f 6e 61 6d 65 05 6d 79 73 71 6c""";

    private static ByteBuf payloadOf(String packet) {
        ByteBuf buf = hex(packet);
        assertThat(Packets.payloadLength(buf)).isEqualTo(buf.readableBytes() - Packets.HEADER_SIZE);
        return buf.skipBytes(Packets.HEADER_SIZE);
    }

    private static String encoded(HandshakeResponse r) {
        ByteBuf buf = Unpooled.buffer();
        r.encode(buf);
        return dump(buf);
    }

    @Test
    void decodesTheDocumented558Example() {
        ByteBuf payload = payloadOf(DOC_558);
        HandshakeResponse r = HandshakeResponse.decode(payload);
        assertThat(r.capabilities()).isEqualTo(0x000fa68d);
        assertThat(r.maxPacketSize()).isEqualTo(16 << 20);
        assertThat(r.charset()).isEqualTo(8);
        assertThat(r.sslRequest()).isFalse();
        assertThat(r.user()).isEqualTo("pam");
        assertThat(Hex.spaced(r.authResponse())).isEqualTo(norm("ab 09 ee f6 bc b1 32 3e 61 14 38 65 c0 99 1d 95 7d 75 d4 47"));
        assertThat(r.database()).isEqualTo("test");
        assertThat(r.authPlugin()).isEqualTo("mysql_native_password");
        assertThat(r.attributes()).isEmpty();
        assertThat(payload.isReadable()).isFalse();
    }

    @Test
    void decodesTheDocumented566ExampleWithConnectionAttributes() {
        HandshakeResponse r = HandshakeResponse.decode(payloadOf(DOC_566_ATTRS));
        assertThat(r.capabilities()).isEqualTo(0x001ea285);
        assertThat(r.maxPacketSize()).isEqualTo(1 << 30);
        assertThat(r.user()).isEqualTo("root");
        assertThat(r.authResponse()).hasSize(20);
        assertThat(r.database()).isNull();
        assertThat(r.authPlugin()).isEqualTo("mysql_native_password");
        assertThat(r.attributes()).containsExactly(
                Map.entry("_os", "debian6.0"),
                Map.entry("_client_name", "libmysql"),
                Map.entry("_pid", "22344"),
                Map.entry("_client_version", "5.6.6-m9"),
                Map.entry("_platform", "x86_64"),
                Map.entry("foo", "bar"));
    }

    @Test
    void decodesTheDocumentedSslRequest() {
        ByteBuf payload = payloadOf(DOC_SSL_REQUEST);
        assertThat(payload.readableBytes()).isEqualTo(HandshakeResponse.FIXED_PART);
        HandshakeResponse r = HandshakeResponse.decode(payload);
        assertThat(r.sslRequest()).isTrue();
        assertThat(r.capabilities()).isEqualTo(0x0003ae05);
        assertThat(Capabilities.has(r.capabilities(), Capabilities.SSL)).isTrue();
        assertThat(r.maxPacketSize()).isEqualTo(16 << 20);
        assertThat(r.charset()).isEqualTo(8);
        assertThat(r.user()).isNull();
        assertThat(r.attributes()).isEmpty();
        // and it encodes back to the same 32 bytes
        assertThat(encoded(r)).isEqualTo(dump(payloadOf(DOC_SSL_REQUEST)));
    }

    @Test
    void decodesAModernResponseWithDatabasePluginAndAttributes() {
        ByteBuf payload = hex(MODERN);
        HandshakeResponse r = HandshakeResponse.decode(payload);
        int caps = r.capabilities();
        assertThat(caps).isEqualTo(0x013fa20d);
        assertThat(Capabilities.has(caps, Capabilities.CONNECT_WITH_DB)).isTrue();
        assertThat(Capabilities.has(caps, Capabilities.PLUGIN_AUTH)).isTrue();
        assertThat(Capabilities.has(caps, Capabilities.CONNECT_ATTRS)).isTrue();
        assertThat(Capabilities.has(caps, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)).isTrue();
        assertThat(r.maxPacketSize()).isEqualTo(0xffffff);
        assertThat(r.charset()).isEqualTo(255);
        assertThat(r.user()).isEqualTo("app");
        assertThat(Hex.spaced(r.authResponse()))
                .isEqualTo(norm("eb f4 e4 d1 4c 75 1e fb 1f 98 f5 10 a2 e8 41 3c 22 08 69 3b b6 3c aa 68 5b c3 2b 63 53 6f 40 e6"));
        assertThat(r.database()).isEqualTo("shop");
        assertThat(r.authPlugin()).isEqualTo("caching_sha2_password");
        assertThat(r.attributes()).containsExactly(
                Map.entry("_client_name", "libmysql"), Map.entry("_pid", "4242"), Map.entry("program_name", "mysql"));
        assertThat(payload.isReadable()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"DOC_558", "DOC_566_ATTRS", "MODERN"})
    void decodeThenEncodeGivesTheSameBytes(String which) {
        String packet = switch (which) {
            case "DOC_558" -> DOC_558;
            case "DOC_566_ATTRS" -> DOC_566_ATTRS;
            default -> "00 00 00 00 " + MODERN;      // header not checked below
        };
        ByteBuf payload = hex(packet).skipBytes(Packets.HEADER_SIZE);
        String original = dump(payload);
        assertThat(encoded(HandshakeResponse.decode(payload))).isEqualTo(original);
    }

    @Test
    void encodeThenDecodeRoundTrip() {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("_client_name", "shardgate");
        attrs.put("long", "x".repeat(300));       // a 2-byte length-encoded value inside the attributes
        byte[] auth = Hex.pattern(255, 3);          // longer than 250: lenenc auth data needs the 0xfc form
        int caps = Capabilities.BACKEND_BASE | Capabilities.CONNECT_ATTRS | Capabilities.DEPRECATE_EOF;
        HandshakeResponse r = new HandshakeResponse(caps, 1 << 24, 45, "app_user", auth, "orders",
                "caching_sha2_password", attrs);
        ByteBuf buf = Unpooled.buffer();
        r.encode(buf);
        HandshakeResponse back = HandshakeResponse.decode(buf);
        assertThat(buf.isReadable()).isFalse();
        assertThat(back.capabilities()).isEqualTo(caps);
        assertThat(back.maxPacketSize()).isEqualTo(1 << 24);
        assertThat(back.charset()).isEqualTo(45);
        assertThat(back.user()).isEqualTo("app_user");
        assertThat(back.authResponse()).isEqualTo(auth);
        assertThat(back.database()).isEqualTo("orders");
        assertThat(back.authPlugin()).isEqualTo("caching_sha2_password");
        assertThat(back.attributes()).containsExactlyEntriesOf(attrs);
        assertThat(back.sslRequest()).isFalse();
    }

    @Test
    void anEmptyDatabaseNameReadsAsNone() {
        // CONNECT_WITH_DB set but the client sends "" (hand-derived from DOC_558 with "test" removed)
        String payload = "8d a6 0f 00 00 00 00 01 08" + " 00".repeat(23)
                + " 70 61 6d 00 00 00 6d 79 73 71 6c 5f 6e 61 74 69 76 65 5f 70 61 73 73 77 6f 72 64 00";
        HandshakeResponse r = HandshakeResponse.decode(hex(payload));
        assertThat(r.authResponse()).isEmpty();
        assertThat(r.database()).isNull();
        assertThat(r.authPlugin()).isEqualTo("mysql_native_password");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty                                       | 0
            fixed part cut short                        | 31
            user without the auth response length byte  | 36
            auth response cut after 4 of its 20 bytes   | 41
            """)
    void rejectsATruncatedResponse(String what, int length) {
        ByteBuf whole = payloadOf(DOC_558);
        ByteBuf cut = whole.slice(whole.readerIndex(), length);
        assertThatThrownBy(() -> HandshakeResponse.decode(cut)).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void rejectsAttributesRunningPastTheEnd() {
        ByteBuf whole = payloadOf(DOC_566_ATTRS);
        ByteBuf cut = whole.slice(whole.readerIndex(), whole.readableBytes() - 3);   // "bar" lost, 97 announced
        assertThatThrownBy(() -> HandshakeResponse.decode(cut))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("connection attributes of 97 bytes");
    }

    @Test
    void rejectsALengthEncodedAuthResponseRunningPastTheEnd() {
        ByteBuf whole = hex(MODERN);
        ByteBuf cut = whole.slice(0, 32 + 4 + 1 + 10);    // "app\0", 0x20, then 10 of the 32 bytes
        assertThatThrownBy(() -> HandshakeResponse.decode(cut)).isInstanceOf(MalformedPacketException.class);
    }

    /*
     * Regression (found by this test, fixed in main code): with CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, a response cut right after the user
     * name reaches Wire.readLenenc on an empty buffer, which throws Netty's IndexOutOfBoundsException instead of
     * MalformedPacketException (see WireTest.rejectsATruncatedLengthEncodedInteger for the root cause).
     */
    @Test
    void rejectsALengthEncodedResponseCutAfterTheUserName() {
        ByteBuf whole = hex(MODERN);
        ByteBuf cut = whole.slice(0, 32 + 4);             // fixed part + "app\0"
        assertThatThrownBy(() -> HandshakeResponse.decode(cut)).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void rejectsAPre41Response() {
        // DOC_558 with CLIENT_PROTOCOL_41 (0x0200) cleared: 8d a4 0f 00
        String payload = dump(payloadOf(DOC_558)).replaceFirst("^8d a6", "8d a4");
        assertThatThrownBy(() -> HandshakeResponse.decode(hex(payload)))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("4.1");
    }

    @Test
    void thirtyTwoBytesWithoutClientSslAreNotAnSslRequest() {
        // DOC_SSL_REQUEST with CLIENT_SSL (0x0800) cleared: 05 a6 03 00
        String payload = dump(payloadOf(DOC_SSL_REQUEST)).replaceFirst("^05 ae", "05 a6");
        assertThatThrownBy(() -> HandshakeResponse.decode(hex(payload))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void sslRequestEncodesOnlyTheFixedPart() {
        HandshakeResponse ssl = new HandshakeResponse(0x0003ae05, 16 << 20, 8, null, null, null, null, Map.of());
        assertThat(ssl.sslRequest()).isTrue();
        assertThat(encoded(ssl)).isEqualTo(dump(payloadOf(DOC_SSL_REQUEST)));
    }
}
