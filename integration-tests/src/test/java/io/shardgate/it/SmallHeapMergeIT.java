package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A merged result much larger than the proxy's heap streams through it: the proxy runs as its own JVM with
 * {@value #HEAP} of heap, two shards hold {@value #ROWS_PER_SHARD} rows of about {@value #PAD} bytes each
 * (about 2 x 50 MB), and an ORDER BY over both is read to the end by a streaming Connector/J client, in order.
 */
@ExtendWith(SharedSandbox.class)
class SmallHeapMergeIT {
    static final String HEAP = "-Xmx48m";
    static final int ROWS_PER_SHARD = 250_000;
    static final int PAD = 200;

    static Process proxy;
    static int port;
    static Path dir;

    @BeforeAll
    static void startProxyWithASmallHeap() throws Exception {
        Sandbox sb = SharedSandbox.get();
        List<SandboxGroup> groups = sb.groups();
        for (int g = 0; g < 2; g++) {
            try (Connection c = SharedProxy.direct(groups.get(g).master(), null); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS heap_db_" + g);
                s.execute("CREATE DATABASE heap_db_" + g);
                s.execute("USE heap_db_" + g); // the sequence engine's seq_ tables are found in the current database
                s.execute("CREATE TABLE heap_db_" + g + ".big (uid BIGINT PRIMARY KEY, pad VARCHAR(" + PAD + "))");
                // even uids on shard 0, odd on shard 1: what hash mod over [h0, h1] says
                s.execute("INSERT INTO heap_db_" + g + ".big SELECT seq * 2 + " + g + ", REPEAT('x', " + PAD + ") FROM seq_0_to_"
                        + (ROWS_PER_SHARD - 1));
            }
        }
        dir = Path.of(System.getProperty("basedir", "."), "target", "small-heap-proxy");
        Files.createDirectories(dir);
        port = SharedProxy.freePort();
        Files.writeString(dir.resolve("sharding.yaml"), """
                schema: heapdb
                groups:
                  g0: { master: %s }
                  g1: { master: %s }
                shards:
                  h0: { group: g0, database: heap_db_0 }
                  h1: { group: g1, database: heap_db_1 }
                default_shard: h0
                tables:
                  big: { key: uid, hash: { shards: [h0, h1] } }
                """.formatted(groups.get(0).master(), groups.get(1).master()));
        Files.writeString(dir.resolve("shardgate.yaml"), """
                listen: 127.0.0.1:%d
                shard_map: sharding.yaml
                data_dir: data
                users:
                  - { name: app, password: app-secret }
                backend:
                  user: %s
                  password: %s
                tls:
                  enabled: false
                """.formatted(port, Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                "io.shardgate.proxy.cli.Main", "proxy", "--config", dir.resolve("shardgate.yaml").toString()));
        proxy = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
        boolean up = Poll.until(Duration.ofSeconds(60), () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(up).as("the small-heap proxy listens; log: %s", dir.resolve("proxy.log")).isTrue();
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            if (!proxy.waitFor(20, TimeUnit.SECONDS)) proxy.destroyForcibly();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES) // a stalled stream fails instead of hanging the run
    void anOrderedMergeOfAHundredMegabytesStreamsThroughA48MegabyteHeap() throws Exception {
        String url = "jdbc:mysql://127.0.0.1:" + port + "/heapdb?sslMode=DISABLED&connectTimeout=10000&socketTimeout=120000";
        long rows = 0;
        long previous = -1;
        long bytes = 0;
        try (Connection c = DriverManager.getConnection(url, "app", "app-secret");
             Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            s.setFetchSize(Integer.MIN_VALUE); // stream: the client holds one row at a time
            try (ResultSet rs = s.executeQuery("SELECT uid, pad FROM big ORDER BY uid")) {
                while (rs.next()) {
                    long uid = rs.getLong(1);
                    assertThat(uid).as("row %d in order", rows).isEqualTo(previous + 1);
                    previous = uid;
                    bytes += rs.getString(2).length();
                    rows++;
                }
            }
        }
        assertThat(rows).isEqualTo(2L * ROWS_PER_SHARD);
        assertThat(bytes).isEqualTo(2L * ROWS_PER_SHARD * PAD);
        assertThat(proxy.isAlive()).as("the proxy survived; log: %s", dir.resolve("proxy.log")).isTrue();
    }

}
