package io.shardgate.proxy.cli;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxConfigFiles;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.proxy.sandbox.SandboxSpec;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.ShardDef;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code shardgate sandbox}: local replicated MariaDB groups plus a proxy in front of them, until Ctrl-C
 * (or SIGTERM), which stops the proxy and every server this command started, and nothing else.
 */
final class SandboxCommand {
    private SandboxCommand() {}

    static void run(Options o) throws Exception {
        SandboxSpec spec = new SandboxSpec(
                o.integer("groups", SandboxSpec.DEFAULT_GROUPS),
                o.integer("replicas", SandboxSpec.DEFAULT_REPLICAS),
                Path.of(o.string("dir", SandboxSpec.DEFAULT_DIR.toString())),
                o.integer("base-port", SandboxSpec.DEFAULT_BASE_PORT),
                o.flag("fresh"));
        int port = o.integer("port", 3307);
        o.rejectUnknown();

        CountDownLatch stopped = new CountDownLatch(1);
        Resources res = new Resources();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("shardgate: stopping the proxy and the sandbox servers...");
            res.close();
            stopped.countDown();
        }, "shardgate-sandbox-shutdown"));

        res.sandbox = Sandbox.start(spec, msg -> System.err.println("sandbox: " + msg));
        Path configFile = SandboxConfigFiles.write(res.sandbox, new Endpoint("127.0.0.1", port));
        ProxyConfig config = ProxyConfig.load(configFile);
        // each shard's physical database, on its group's master (replication copies it); kept if it exists
        for (ShardDef shard : config.shardMap().shards().values()) res.sandbox.createDatabase(shard.group(), shard.database());
        res.proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(config.shardMap())));

        Sandbox sb = res.sandbox;
        StringBuilder out = new StringBuilder();
        out.append("\nshardgate sandbox is ready: ").append(sb.flavor()).append(", ").append(sb.groups().size())
           .append(" group(s) of 1 master + ").append(spec.replicas()).append(" replica(s), GTID + semi-sync replication\n");
        for (SandboxGroup g : sb.groups()) {
            out.append("  ").append(g.name()).append("  master ").append(g.master());
            if (!g.replicas().isEmpty()) {
                out.append("  replicas ").append(g.replicas().stream().map(Endpoint::toString).collect(Collectors.joining(", ")));
            }
            out.append('\n');
        }
        String schema = config.shardMap().schema();
        int shards = config.shardMap().shards().size();
        String defaultShard = config.shardMap().defaultShard();
        out.append("\nConnect through the proxy (127.0.0.1:").append(port).append(") to the logical database ").append(schema).append(":\n")
           .append("  mysql -h127.0.0.1 -P").append(port).append(" -u").append(SandboxConfigFiles.APP_USER)
           .append(" -p").append(SandboxConfigFiles.APP_PASSWORD).append(' ').append(schema).append('\n')
           .append("  jdbc:mysql://127.0.0.1:").append(port).append('/').append(schema).append("?user=").append(SandboxConfigFiles.APP_USER)
           .append("&password=").append(SandboxConfigFiles.APP_PASSWORD).append('\n')
           .append("Sharded by uid over ").append(shards).append(" shard(s), s<i> = database user_db_<i> on g<i> (")
           .append(configFile.resolveSibling("sharding.yaml").getFileName()).append("):\n")
           .append("  user        by range: ").append(SandboxConfigFiles.RANGE_WIDTH).append(" uids per shard, 0 <= uid < ")
           .append(SandboxConfigFiles.RANGE_WIDTH * shards).append('\n')
           .append("  user_ex     by hash: uid mod ").append(shards).append('\n')
           .append("  user_event  by hash slots: uid mod ").append(SandboxConfigFiles.slots(shards)).append(", in contiguous runs per shard\n")
           .append("  city        broadcast: a copy in every shard\n")
           .append("  any other table lives whole in ").append(defaultShard).append(" (")
           .append(config.shardMap().shard(defaultShard).database()).append(")\n")
           .append("A server directly (root, no password, loopback only):\n")
           .append("  mysql -h127.0.0.1 -P").append(sb.groups().get(0).master().port()).append(" -uroot\n")
           .append("Configuration: ").append(configFile).append(" and ").append(configFile.resolveSibling("sharding.yaml")).append('\n')
           .append("Ctrl-C stops the proxy and every server started here.\n");
        System.out.print(out);
        System.out.flush();
        stopped.await();
    }

    /** What to stop, in order: the proxy first (no new statements), then the servers. */
    private static final class Resources {
        volatile Sandbox sandbox;
        volatile ProxyServer proxy;

        synchronized void close() {
            if (proxy != null) {
                proxy.close();
                proxy = null;
            }
            if (sandbox != null) {
                sandbox.close();
                sandbox = null;
            }
        }
    }
}
