package io.shardgate.proxy.exec;

/** Told when a multi-shard statement has answered the client completely (the answer written, not yet flushed). */
@FunctionalInterface
public interface Completion {
    /** @param errorCode 0 unless the answer was an ERR packet */
    void completed(int status, int errorCode);
}
