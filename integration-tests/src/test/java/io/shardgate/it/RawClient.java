package io.shardgate.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.InitialHandshake;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A deliberately small blocking MySQL client for tests that must send what no real driver would:
 * garbage, wrong sequence ids, raw commands. Speaks only what those tests need.
 */
final class RawClient implements AutoCloseable {
    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    record RawPacket(int seq, byte[] payload) {
        int first() {
            return payload.length == 0 ? -1 : payload[0] & 0xff;
        }

        int errorCode() {
            return (payload[1] & 0xff) | (payload[2] & 0xff) << 8;
        }

        String errorMessage() {
            return new String(payload, 9, payload.length - 9, StandardCharsets.UTF_8);
        }
    }

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    RawPacket read() throws IOException {
        int b0 = in.readUnsignedByte(), b1 = in.readUnsignedByte(), b2 = in.readUnsignedByte();
        int seq = in.readUnsignedByte();
        byte[] payload = new byte[b0 | b1 << 8 | b2 << 16];
        in.readFully(payload);
        return new RawPacket(seq, payload);
    }

    void write(int seq, byte[] payload) throws IOException {
        byte[] frame = new byte[4 + payload.length];
        frame[0] = (byte) payload.length;
        frame[1] = (byte) (payload.length >> 8);
        frame[2] = (byte) (payload.length >> 16);
        frame[3] = (byte) seq;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        out.write(frame);
        out.flush();
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Logs in with mysql_native_password; returns the proxy's final answer (OK or ERR). */
    RawPacket login(String user, String password) throws IOException {
        RawPacket greeting = read();
        InitialHandshake hs = InitialHandshake.decode(Unpooled.wrappedBuffer(greeting.payload()));
        int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
                | Capabilities.LONG_PASSWORD | Capabilities.TRANSACTIONS | Capabilities.MULTI_RESULTS;
        HandshakeResponse resp = new HandshakeResponse(caps, 1 << 24, 45, user,
                AuthPlugin.MYSQL_NATIVE_PASSWORD.scramble(password, hs.nonce()), null,
                AuthPlugin.MYSQL_NATIVE_PASSWORD.wireName, Map.of());
        ByteBuf buf = Unpooled.buffer();
        resp.encode(buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        write(1, bytes);
        return read();
    }

    RawPacket query(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[1 + text.length];
        payload[0] = 0x03;
        System.arraycopy(text, 0, payload, 1, text.length);
        write(0, payload);
        return read();
    }

    /** True when the proxy closed the connection within {@code within}. */
    boolean closedByPeer(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        socket.setSoTimeout(200);
        while (System.nanoTime() < deadline) {
            try {
                if (in.read() < 0) return true;
            } catch (EOFException e) {
                return true;
            } catch (SocketTimeoutException e) {
                // still open: keep polling until the deadline
            } catch (IOException e) {
                return true; // reset by peer
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
