package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Protocol::HandshakeResponse41, the client's answer to the greeting. A 32-byte packet with only the fixed
 * part and CLIENT_SSL set is the SSL request that precedes the TLS handshake ({@link #sslRequest}).
 */
public record HandshakeResponse(int capabilities, int maxPacketSize, int charset, String user, byte[] authResponse,
                                String database, String authPlugin, Map<String, String> attributes) {

    public static final int FIXED_PART = 32;

    public boolean sslRequest() {
        return user == null;
    }

    public static HandshakeResponse decode(ByteBuf buf) {
        Wire.require(buf, FIXED_PART, "handshake response");
        int caps = buf.readIntLE();
        if (!Capabilities.has(caps, Capabilities.PROTOCOL_41)) {
            throw new MalformedPacketException("client does not speak protocol 4.1 (HandshakeResponse320 is not supported)");
        }
        int maxPacket = buf.readIntLE();
        int charset = buf.readUnsignedByte();
        buf.skipBytes(23);
        if (!buf.isReadable() && Capabilities.has(caps, Capabilities.SSL)) {
            return new HandshakeResponse(caps, maxPacket, charset, null, null, null, null, Map.of());
        }
        String user = Wire.readNulString(buf, StandardCharsets.UTF_8);
        byte[] auth;
        if (Capabilities.has(caps, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
            auth = Wire.readLenencBytes(buf);
            if (auth == null) auth = new byte[0];
        } else if (Capabilities.has(caps, Capabilities.SECURE_CONNECTION)) {
            Wire.require(buf, 1, "auth response length");
            int len = buf.readUnsignedByte();
            Wire.require(buf, len, "auth response");
            auth = new byte[len];
            buf.readBytes(auth);
        } else {
            auth = Wire.readNulBytes(buf);
        }
        String db = null;
        if (Capabilities.has(caps, Capabilities.CONNECT_WITH_DB) && buf.isReadable()) {
            db = Wire.readNulString(buf, StandardCharsets.UTF_8);
            if (db.isEmpty()) db = null;
        }
        String plugin = null;
        if (Capabilities.has(caps, Capabilities.PLUGIN_AUTH) && buf.isReadable()) {
            plugin = Wire.readNulString(buf, StandardCharsets.UTF_8);
        }
        Map<String, String> attrs = Map.of();
        if (Capabilities.has(caps, Capabilities.CONNECT_ATTRS) && buf.isReadable()) {
            long total = Wire.readLenenc(buf);
            if (total > buf.readableBytes()) {
                throw new MalformedPacketException("connection attributes of " + total + " bytes run past the packet end");
            }
            ByteBuf kv = buf.readSlice((int) total);
            attrs = new LinkedHashMap<>();
            while (kv.isReadable()) {
                attrs.put(Wire.readLenencString(kv, StandardCharsets.UTF_8), Wire.readLenencString(kv, StandardCharsets.UTF_8));
            }
        }
        return new HandshakeResponse(caps, maxPacket, charset, user, auth, db, plugin, attrs);
    }

    public void encode(ByteBuf buf) {
        buf.writeIntLE(capabilities);
        buf.writeIntLE(maxPacketSize);
        buf.writeByte(charset);
        buf.writeZero(23);
        if (sslRequest()) {
            return;
        }
        Wire.writeNulString(buf, user);
        if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
            Wire.writeLenencBytes(buf, authResponse);
        } else {
            buf.writeByte(authResponse.length).writeBytes(authResponse);
        }
        if (Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB)) {
            Wire.writeNulString(buf, database == null ? "" : database);
        }
        if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
            Wire.writeNulString(buf, authPlugin);
        }
        if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
            ByteBuf kv = buf.alloc().buffer();
            try {
                attributes.forEach((k, v) -> {
                    Wire.writeLenencString(kv, k);
                    Wire.writeLenencString(kv, v);
                });
                Wire.writeLenenc(buf, kv.readableBytes());
                buf.writeBytes(kv);
            } finally {
                kv.release();
            }
        }
    }
}
