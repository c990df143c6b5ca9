package io.shardgate.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy through the ordinary command-line client ({@code mariadb}, or {@code mysql}). Skipped with a
 * message when neither is installed (Debian: apt-get install mariadb-client).
 */
@ExtendWith(SharedProxy.class)
class MysqlCliIT {
    private static String client;
    private static boolean mariadbFlavour;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void findClient() throws Exception {
        for (String name : List.of("mariadb", "mysql")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    client = p.toString();
                    break;
                }
            }
            if (client != null) break;
        }
        Assumptions.assumeTrue(client != null, "needs the mariadb or mysql command-line client on PATH (Debian: apt-get install mariadb-client)");
        Process v = new ProcessBuilder(client, "--version").redirectErrorStream(true).start();
        mariadbFlavour = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("MariaDB");
        v.waitFor(10, TimeUnit.SECONDS);
    }

    private static Run run(String user, String password, boolean tls, String sql) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Arrays.asList(client, "--no-defaults", "-h127.0.0.1", "-P" + SharedProxy.port(),
                "-u" + user, "-p" + password, "--batch", "--skip-column-names"));
        if (mariadbFlavour) {
            cmd.add(tls ? "--ssl" : "--skip-ssl");
            if (tls) cmd.add("--skip-ssl-verify-server-cert");
        } else {
            cmd.add(tls ? "--ssl-mode=REQUIRED" : "--ssl-mode=DISABLED");
            if (!tls) cmd.add("--get-server-public-key");
        }
        cmd.add("-e");
        cmd.add(sql);
        Process p = new ProcessBuilder(cmd).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("client finished").isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void statementsRunAndBackendErrorsShowTheirCode() throws Exception {
        Run ok = run(SharedProxy.USER, SharedProxy.PASSWORD, false,
                "CREATE DATABASE IF NOT EXISTS it_cli; CREATE TABLE IF NOT EXISTS it_cli.t (id INT PRIMARY KEY, s VARCHAR(20));"
                        + "REPLACE INTO it_cli.t VALUES (1, 'één'), (2, NULL); SELECT id, s FROM it_cli.t ORDER BY id");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("1\téén\n2\tNULL\n");

        Run bad = run(SharedProxy.USER, SharedProxy.PASSWORD, false, "SELECT * FROM it_cli.missing");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("ERROR 1146 (42S02)");
    }

    @Test
    void shardgateExplainPrintsAPlan() throws Exception {
        Run r = run(SharedProxy.USER, SharedProxy.PASSWORD, false, "SHARDGATE EXPLAIN SELECT 1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("g0").contains("reason:");
    }

    @Test
    void aWrongPasswordIsRefusedWith1045() throws Exception {
        Run r = run(SharedProxy.USER, "wrong", false, "SELECT 1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("ERROR 1045 (28000)").contains("Access denied for user 'app'");
    }

    @Test
    void tlsIsNegotiatedWhenTheClientAsks() throws Exception {
        Run r = run(SharedProxy.USER, SharedProxy.PASSWORD, true, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
        assertThat(r.exit()).as(r.err()).isZero();
        // the status comes from the backend (proxy -> backend is plain); the client side is checked with \s below
        Run s = run(SharedProxy.USER, SharedProxy.PASSWORD, true, "\\s");
        assertThat(s.out()).containsPattern("SSL:\\s+Cipher in use is");
    }

    @Test
    void cachingSha2PasswordFullAuthenticationOverTlsThenFastPath() throws Exception {
        Run full = run(SharedProxy.SHA2_USER, SharedProxy.SHA2_PASSWORD, true, "SELECT 'full'");
        assertThat(full.exit()).as(full.err()).isZero();
        assertThat(full.out()).isEqualTo("full\n");
        // now cached: the fast path works without TLS
        Run fast = run(SharedProxy.SHA2_USER, SharedProxy.SHA2_PASSWORD, false, "SELECT 'fast'");
        assertThat(fast.exit()).as(fast.err()).isZero();
        Run wrong = run(SharedProxy.SHA2_USER, "wrong", true, "SELECT 1");
        assertThat(wrong.err()).contains("ERROR 1045");
    }

    @Test
    void cachingSha2PasswordFullAuthenticationWithTheRsaKeyWithoutTls() throws Exception {
        Run wrong = run(SharedProxy.SHA2_RSA_USER, "wrong", false, "SELECT 1");
        assertThat(wrong.err()).contains("ERROR 1045");
        Run r = run(SharedProxy.SHA2_RSA_USER, SharedProxy.SHA2_PASSWORD, false, "SELECT 'rsa'");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("rsa\n");
    }
}
