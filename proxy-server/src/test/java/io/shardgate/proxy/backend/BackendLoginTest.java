package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.auth.RsaPasswordCipher;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.InitialHandshake;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy logging in to a backend, playing the server's side by hand: what MySQL 8 does with
 * caching_sha2_password (fast path, full authentication with the RSA key, auth switch), and refusals.
 */
class BackendLoginTest {
    private static final String PASSWORD = "pw-ß";
    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
    private static final int SERVER_CAPS = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
            | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capabilities.CONNECT_WITH_DB | Capabilities.MULTI_RESULTS
            | Capabilities.TRANSACTIONS | Capabilities.DEPRECATE_EOF | Capabilities.FOUND_ROWS | Capabilities.LONG_PASSWORD;

    private EmbeddedChannel channel;
    private Promise<BackendConnection> ready;

    @BeforeEach
    void connect() {
        channel = new EmbeddedChannel();
        ready = channel.eventLoop().newPromise();
        BackendConnection conn = new BackendConnection(new Endpoint("127.0.0.1", 3306),
                new BackendProfile(Capabilities.DEPRECATE_EOF | Capabilities.FOUND_ROWS), "shardgate", PASSWORD, 255, "appdb", ready);
        channel.pipeline().addLast(new PacketFrameDecoder(Packets.MAX_PAYLOAD), conn);
        channel.pipeline().fireChannelActive();
    }

    private void serverSends(int seq, ByteBuf payload) {
        ByteBuf frame = Unpooled.buffer().writeMediumLE(payload.readableBytes()).writeByte(seq).writeBytes(payload);
        payload.release();
        channel.writeInbound(frame);
    }

    private void greet(String plugin) {
        ByteBuf g = Unpooled.buffer();
        new InitialHandshake("8.0.36", 11, NONCE, SERVER_CAPS, 255, 2, plugin).encode(g);
        serverSends(0, g);
    }

    /** The next packet the proxy sent: [seq, payload...]. */
    private byte[] clientSent(int expectedSeq) {
        ByteBuf out = channel.readOutbound();
        assertThat(out).as("the proxy sent a packet").isNotNull();
        ByteBuf all = Unpooled.buffer();
        while (out != null) { // Packets.write sends header and payload as separate buffers
            all.writeBytes(out);
            out.release();
            out = channel.readOutbound();
        }
        assertThat(Packets.sequence(all)).isEqualTo(expectedSeq);
        byte[] payload = new byte[Packets.payloadLength(all)];
        all.getBytes(4, payload);
        return payload;
    }

    private HandshakeResponse handshakeResponse() {
        return HandshakeResponse.decode(Unpooled.wrappedBuffer(clientSent(1)));
    }

    private void ok(int seq) {
        serverSends(seq, Unpooled.wrappedBuffer(new byte[]{0, 0, 0, 2, 0, 0, 0}));
    }

    @Test
    void nativePasswordLoginCarriesTheClientsProfileCollationAndDatabase() {
        greet("mysql_native_password");
        HandshakeResponse r = handshakeResponse();
        assertThat(r.user()).isEqualTo("shardgate");
        assertThat(r.authPlugin()).isEqualTo("mysql_native_password");
        assertThat(r.authResponse()).isEqualTo(AuthPlugin.MYSQL_NATIVE_PASSWORD.scramble(PASSWORD, NONCE));
        assertThat(r.database()).isEqualTo("appdb");
        assertThat(r.charset()).isEqualTo(255);
        assertThat(r.capabilities() & Capabilities.BACKEND_PROFILE_MASK)
                .isEqualTo(Capabilities.DEPRECATE_EOF | Capabilities.FOUND_ROWS);
        assertThat(ready.isDone()).isFalse();
        ok(2);
        assertThat(ready.isSuccess()).isTrue();
        assertThat(ready.getNow().serverVersion()).isEqualTo("8.0.36");
        assertThat(ready.getNow().serverConnectionId()).isEqualTo(11);
    }

    @Test
    void cachingSha2FastPath() {
        greet("caching_sha2_password");
        HandshakeResponse r = handshakeResponse();
        assertThat(r.authResponse()).isEqualTo(AuthPlugin.CACHING_SHA2_PASSWORD.scramble(PASSWORD, NONCE));
        serverSends(2, Unpooled.wrappedBuffer(new byte[]{0x01, 0x03})); // fast auth success
        assertThat(channel.<Object>readOutbound()).as("nothing to send after fast auth success").isNull();
        ok(3);
        assertThat(ready.isSuccess()).isTrue();
    }

    @Test
    void cachingSha2FullAuthenticationFetchesTheRsaKeyAndSendsTheEncryptedPassword() {
        RsaPasswordCipher server = new RsaPasswordCipher();
        greet("caching_sha2_password");
        handshakeResponse();
        serverSends(2, Unpooled.wrappedBuffer(new byte[]{0x01, 0x04})); // perform full authentication
        assertThat(clientSent(3)).containsExactly(0x02);                 // request the public key
        serverSends(4, Unpooled.buffer().writeByte(0x01).writeBytes(server.publicKeyPem()));
        byte[] ciphertext = clientSent(5);
        assertThat(server.decryptPassword(ciphertext, NONCE)).isEqualTo(PASSWORD);
        ok(6);
        assertThat(ready.isSuccess()).isTrue();
    }

    @Test
    void anAuthSwitchIsAnsweredWithTheNewPluginOverTheNewNonce() {
        greet("mysql_native_password");
        handshakeResponse();
        byte[] newNonce = "ABCDEFGHIJKLMNOPQRST".getBytes(StandardCharsets.US_ASCII);
        ByteBuf sw = Unpooled.buffer().writeByte(0xfe).writeBytes("caching_sha2_password".getBytes(StandardCharsets.US_ASCII))
                .writeByte(0).writeBytes(newNonce).writeByte(0);
        serverSends(2, sw);
        assertThat(clientSent(3)).isEqualTo(AuthPlugin.CACHING_SHA2_PASSWORD.scramble(PASSWORD, newNonce));
        serverSends(4, Unpooled.wrappedBuffer(new byte[]{0x01, 0x03}));
        ok(5);
        assertThat(ready.isSuccess()).isTrue();
    }

    @Test
    void aRefusedLoginFailsNamingTheProxysAccountButAnUnknownDatabaseKeepsItsCode() {
        greet("mysql_native_password");
        handshakeResponse();
        serverSends(2, Unpooled.buffer().writeByte(0xff).writeShortLE(1045).writeBytes("#28000Access denied".getBytes(StandardCharsets.US_ASCII)));
        assertThat(ready.cause()).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.code).as("not the client's password: not passed on as 1045").isZero();
            assertThat(e.getMessage()).contains("'shardgate'").contains("1045").contains("backend.password");
        });
        assertThat(channel.isOpen()).isFalse();

        connect();
        greet("mysql_native_password");
        handshakeResponse();
        serverSends(2, Unpooled.buffer().writeByte(0xff).writeShortLE(1049).writeBytes("#42000Unknown database 'appdb'".getBytes(StandardCharsets.US_ASCII)));
        assertThat(ready.cause()).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.code).isEqualTo(1049);
            assertThat(e.sqlState).isEqualTo("42000");
            assertThat(e.getMessage()).isEqualTo("Unknown database 'appdb'");
        });
    }

    @Test
    void aServerThatRefusesBeforeTheGreetingFailsTheLoginWithItsCode() {
        serverSends(0, Unpooled.buffer().writeByte(0xff).writeShortLE(1040).writeBytes("Too many connections".getBytes(StandardCharsets.US_ASCII)));
        assertThat(ready.cause()).hasMessageContaining("1040").hasMessageContaining("Too many connections");
        assertThat(channel.isOpen()).isFalse();
    }
}
