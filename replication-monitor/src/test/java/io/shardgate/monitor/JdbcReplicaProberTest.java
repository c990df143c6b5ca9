package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Without a server: unreachable replicas, and the time bound against a server that never answers. */
class JdbcReplicaProberTest {

    @Test
    void aClosedPortIsUnreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Endpoint replica = new Endpoint("127.0.0.1", port);
        try (JdbcReplicaProber prober = new JdbcReplicaProber("u", "p", 1000)) {
            ReplicaProbe p = prober.probe(replica);
            assertThat(p.reachable()).isFalse();
            assertThat(p.error()).startsWith("unreachable: ").doesNotContain("\n");
            assertThat(prober.openConnections()).isZero();
        }
    }

    @Test
    void aServerThatNeverAnswersIsUnreachableWithinTheTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) accepted.add(silent.accept()); // accept and say nothing (no greeting)
                } catch (IOException closed) {
                    // test over
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            Endpoint replica = new Endpoint("127.0.0.1", silent.getLocalPort());
            try (JdbcReplicaProber prober = new JdbcReplicaProber("u", "p", 300)) {
                long t0 = System.nanoTime();
                ReplicaProbe p = prober.probe(replica);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(p.reachable()).isFalse();
                assertThat(p.error()).startsWith("unreachable: ");
                assertThat(ms).isLessThan(5_000);
            }
        } finally {
            for (Socket s : accepted) s.close();
        }
    }

    @Test
    void aClosedProberAnswersWithoutConnecting() {
        JdbcReplicaProber prober = new JdbcReplicaProber("u", "p", 1000);
        prober.close();
        assertThat(prober.probe(Endpoint.parse("127.0.0.1:1")).error()).isEqualTo("unreachable: prober closed");
        prober.retainOnly(Set.of());
    }

    @Test
    void errorsAreDescribedOnOneLineWithTheirRootCause() {
        SQLException e = new SQLException("Communications link failure\n\nThe last packet sent successfully ...",
                "08S01", new java.net.ConnectException("Connection refused"));
        assertThat(JdbcReplicaProber.describe(e)).isEqualTo("Communications link failure (Connection refused)");
        assertThat(JdbcReplicaProber.describe(new SQLException("Access denied"))).isEqualTo("Access denied");
    }

    @Test
    void theUrlBoundsEveryWaitAndDisablesTls() {
        assertThat(JdbcReplicaProber.url(Endpoint.parse("[::1]:3317"), 2000))
                .startsWith("jdbc:mysql://[::1]:3317/?connectTimeout=2000&socketTimeout=2000&sslMode=DISABLED");
    }
}
