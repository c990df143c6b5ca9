package io.shardgate.proxy.sandbox;

import io.shardgate.rules.Endpoint;
import java.util.List;

/** One replicated group of the sandbox: a master and its replicas (all on 127.0.0.1). */
public record SandboxGroup(String name, Endpoint master, List<Endpoint> replicas) {
    public SandboxGroup {
        replicas = List.copyOf(replicas);
    }
}
