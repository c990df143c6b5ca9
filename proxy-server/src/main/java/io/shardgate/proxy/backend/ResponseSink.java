package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;

/** Receives a backend response as it arrives. All calls happen on the backend connection's event loop. */
public interface ResponseSink {
    /** One physical packet, header included; the sink owns (and must release or forward) it. */
    void onFrame(ByteBuf frame);

    /** The end of one read batch from the socket: a good moment to flush. */
    void onReadComplete();

    /** The response is complete; {@code status} is the server status of its last OK/EOF, {@code errorCode} 0 unless it ended with ERR. */
    void onComplete(int status, int errorCode);

    /** The backend connection failed before the response completed. */
    void onFailure(Throwable cause);
}
