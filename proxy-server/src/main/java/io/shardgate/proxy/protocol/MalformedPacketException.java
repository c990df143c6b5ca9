package io.shardgate.proxy.protocol;

/** A packet that does not follow the protocol; the connection that sent it is closed. */
public final class MalformedPacketException extends RuntimeException {
    public MalformedPacketException(String message) {
        super(message, null, false, false);
    }
}
