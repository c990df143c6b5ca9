package io.shardgate.proxy.cli;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.rules.yaml.ConfigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** The {@code shardgate} command line. */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: shardgate <command> [options]

            commands:
              sandbox   start local MariaDB groups (master + replicas, GTID and semi-sync replication) and a proxy
                        in front of them; Ctrl-C stops everything it started
                        --groups N (2)  --replicas R (2)  --dir D (./sandbox)  --base-port P (3316)
                        --port P (3307, the proxy)  --fresh (wipe D first)
              proxy     run the proxy with a configuration file
                        --config FILE (conf/shardgate.yaml)
              help      this text
            """;

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            switch (cmd) {
                case "proxy" -> runProxy(new Options(rest));
                case "sandbox" -> SandboxCommand.run(new Options(rest));
                case "help", "-h", "--help" -> System.out.print(USAGE);
                default -> {
                    System.err.println("shardgate: unknown command '" + cmd + "'\n");
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        } catch (ConfigException | Options.UsageException e) {
            System.err.println("shardgate: " + e.getMessage());
            System.exit(2);
        } catch (IOException | IllegalStateException e) {
            System.err.println("shardgate: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void runProxy(Options o) throws InterruptedException {
        Path file = Path.of(o.string("config", "conf/shardgate.yaml"));
        o.rejectUnknown();
        ProxyConfig config = ProxyConfig.load(file);
        ProxyServer server = ProxyServer.start(config, new StaticTopologySource(Topology.of(config.shardMap())));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shardgate-shutdown"));
        System.out.println("shardgate listening on " + config.listen() + " (config " + file + ")");
        stopped.await();
    }
}
