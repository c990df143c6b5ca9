package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxy in a JVM of its own (`shardgate proxy --config`), for tests that limit its heap or kill it: its
 * configuration in {@code dir} (shardgate.yaml with user app/app-secret, TLS off, data_dir data), its output
 * appended to {@code dir/proxy.log}.
 */
final class ProxyProcess {
    final Path dir;
    final int port;
    private Process process;

    /** Writes {@code sharding.yaml} and a {@code shardgate.yaml} ending with {@code extraYaml} (top-level sections). */
    ProxyProcess(Path dir, String shardingYaml, String extraYaml) throws IOException {
        this.dir = dir;
        this.port = SharedProxy.freePort();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("sharding.yaml"), shardingYaml);
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
                """.formatted(port, Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD) + extraYaml);
    }

    /** Starts it with these JVM options and waits until it listens. */
    void start(String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "io.shardgate.proxy.cli.Main", "proxy", "--config", dir.resolve("shardgate.yaml").toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        boolean up = Poll.until(Duration.ofSeconds(60), () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(up).as("the proxy listens; log: %s", log()).isTrue();
    }

    Path log() {
        return dir.resolve("proxy.log");
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Waits for it to exit by itself; its exit code, or -1 when it did not within {@code seconds}. */
    int awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** Stops it (SIGTERM, then SIGKILL after 20 s) if it runs. */
    void stop() throws InterruptedException {
        if (alive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
