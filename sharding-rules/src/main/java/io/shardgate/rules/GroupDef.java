package io.shardgate.rules;

import java.util.List;

/** A replication group as the DBA declared it: one master and its replicas. */
public record GroupDef(String name, Endpoint master, List<Endpoint> replicas) {
    public GroupDef {
        replicas = List.copyOf(replicas);
    }
}
