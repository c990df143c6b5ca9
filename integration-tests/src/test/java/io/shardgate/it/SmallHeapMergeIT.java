package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
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

    static ProxyProcess proxy;

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
        proxy = new ProxyProcess(Path.of(System.getProperty("basedir", "."), "target", "small-heap-proxy"), """
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
                """.formatted(groups.get(0).master(), groups.get(1).master()), "");
        proxy.start(HEAP, "-XX:+ExitOnOutOfMemoryError");
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) proxy.stop();
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES) // a stalled stream fails instead of hanging the run
    void anOrderedMergeOfAHundredMegabytesStreamsThroughA48MegabyteHeap() throws Exception {
        String url = "jdbc:mysql://127.0.0.1:" + proxy.port + "/heapdb?sslMode=DISABLED&connectTimeout=10000&socketTimeout=120000";
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
        assertThat(proxy.alive()).as("the proxy survived; log: %s", proxy.log()).isTrue();
    }

}
