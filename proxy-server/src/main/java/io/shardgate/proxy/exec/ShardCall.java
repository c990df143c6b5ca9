package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.backend.BackendConnection;

/**
 * One statement on one shard, ready to run: the connection it runs on, the COM_QUERY payload (owned until
 * sent) and a name for messages ({@code s1 (g0)}).
 */
public record ShardCall(String label, BackendConnection connection, ByteBuf payload) {}
