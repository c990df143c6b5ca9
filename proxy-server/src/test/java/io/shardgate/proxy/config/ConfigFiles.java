package io.shardgate.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A minimal shardgate.yaml (and its shard map) in a test's directory, plus whatever a test appends. */
final class ConfigFiles {
    private ConfigFiles() {}

    /** Loads {@code dir/shardgate.yaml}: listen 127.0.0.1:3307, one user, the backend account, then {@code extra}. */
    static ProxyConfig load(Path dir, String groupsYaml, String extra) throws IOException {
        Files.writeString(dir.resolve("sharding.yaml"), groupsYaml);
        Files.writeString(dir.resolve("shardgate.yaml"), """
                listen: 127.0.0.1:3307
                shard_map: sharding.yaml
                users:
                  - { name: app, password: app }
                backend: { user: shardgate, password: shardgate }
                """ + extra);
        return ProxyConfig.load(dir.resolve("shardgate.yaml"));
    }
}
