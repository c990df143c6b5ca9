package io.shardgate.proxy.backend;

import io.shardgate.proxy.protocol.Capabilities;

/**
 * The client capability flags that change what a backend sends (see {@link Capabilities#BACKEND_PROFILE_MASK}).
 * A backend connection is opened with its client's profile and only reused by clients with the same one,
 * so its responses can be relayed to them byte for byte.
 */
public record BackendProfile(int flags) {
    public static BackendProfile of(int clientCapabilities) {
        return new BackendProfile(clientCapabilities & Capabilities.BACKEND_PROFILE_MASK);
    }

    public boolean deprecateEof() {
        return Capabilities.has(flags, Capabilities.DEPRECATE_EOF);
    }
}
