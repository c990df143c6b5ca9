package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Protocol::HandshakeV10, the server's greeting. The proxy encodes one for each client and decodes the one
 * each backend sends. {@code nonce} is the full 20-byte auth-plugin-data (both parts, no trailing NUL).
 */
public record InitialHandshake(String serverVersion, long connectionId, byte[] nonce, int capabilities,
                               int charset, int status, String authPlugin) {

    public void encode(ByteBuf buf) {
        buf.writeByte(10);
        Wire.writeNulString(buf, serverVersion);
        buf.writeIntLE((int) connectionId);
        buf.writeBytes(nonce, 0, 8);
        buf.writeByte(0);
        buf.writeShortLE(capabilities & 0xffff);
        buf.writeByte(charset);
        buf.writeShortLE(status);
        buf.writeShortLE(capabilities >>> 16);
        buf.writeByte(nonce.length + 1);
        buf.writeZero(10);
        buf.writeBytes(nonce, 8, nonce.length - 8);
        buf.writeByte(0);
        Wire.writeNulString(buf, authPlugin);
    }

    public static InitialHandshake decode(ByteBuf buf) {
        Wire.require(buf, 1, "handshake");
        int protocol = buf.readUnsignedByte();
        if (protocol == 0xff) {
            // the server refused us before the handshake (too many connections, host blocked...)
            int code = buf.readUnsignedShortLE();
            String msg = buf.toString(StandardCharsets.UTF_8);
            throw new ServerRefusedException(code, msg);
        }
        if (protocol != 10) {
            throw new MalformedPacketException("unsupported handshake protocol version " + protocol);
        }
        String version = Wire.readNulString(buf, StandardCharsets.UTF_8);
        Wire.require(buf, 4 + 8 + 1 + 2, "handshake");
        long connId = buf.readUnsignedIntLE();
        byte[] part1 = new byte[8];
        buf.readBytes(part1);
        buf.skipBytes(1);
        int caps = buf.readUnsignedShortLE();
        int charset = 0, status = 0, authLen = 0;
        byte[] nonce = part1;
        String plugin = "mysql_native_password";
        if (buf.isReadable()) {
            Wire.require(buf, 1 + 2 + 2 + 1 + 10, "handshake");
            charset = buf.readUnsignedByte();
            status = buf.readUnsignedShortLE();
            caps |= buf.readUnsignedShortLE() << 16;
            authLen = buf.readUnsignedByte();
            buf.skipBytes(10);
            if (Capabilities.has(caps, Capabilities.SECURE_CONNECTION)) {
                int len2 = Math.max(13, authLen - 8);
                Wire.require(buf, len2, "handshake auth-plugin-data");
                byte[] part2 = new byte[len2];
                buf.readBytes(part2);
                // part 2 ends with a NUL that is not part of the nonce
                int keep = part2[len2 - 1] == 0 ? len2 - 1 : len2;
                nonce = Arrays.copyOf(part1, 8 + keep);
                System.arraycopy(part2, 0, nonce, 8, keep);
            }
            if (Capabilities.has(caps, Capabilities.PLUGIN_AUTH) && buf.isReadable()) {
                plugin = Wire.readNulString(buf, StandardCharsets.UTF_8);
            }
        }
        return new InitialHandshake(version, connId, nonce, caps, charset, status, plugin);
    }

    /** A server that answered the connection with an ERR packet instead of a greeting. */
    public static final class ServerRefusedException extends RuntimeException {
        public final int code;

        public ServerRefusedException(int code, String message) {
            super("server refused the connection: " + code + " " + message.replaceFirst("^#\\w{5}", ""));
            this.code = code;
        }
    }
}
