package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;

/** Receives a backend response as it arrives. All calls happen on the backend connection's event loop. */
public interface ResponseSink {
    /**
     * The next bytes of the response, whole packets or parts of one, sequence ids already renumbered for
     * the client (the first packet is 1). The sink owns the buffer: it must forward or release it.
     */
    void onData(ByteBuf chunk);

    /** The end of one read batch from the socket: a good moment to flush. */
    void onReadComplete();

    /** The response is complete; {@code status} is the server status of its last OK/EOF, {@code errorCode} 0 unless it ended with ERR. */
    void onComplete(int status, int errorCode);

    /** The backend connection failed before the response completed. */
    void onFailure(Throwable cause);
}
