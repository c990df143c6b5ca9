package io.shardgate.proxy.config;

import io.shardgate.rules.yaml.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyConfigReadsTest {
    @TempDir
    Path dir;

    ProxyConfig load(String reads) throws IOException {
        return ConfigFiles.load(dir, "groups:\n  g0: { master: 127.0.0.1:3316, replicas: [127.0.0.1:3317] }\n", reads);
    }

    @Test
    void withoutTheSectionReadsGoToReplicasWithTheDocumentedDefaults() throws IOException {
        assertThat(load("").reads()).isEqualTo(new ProxyConfig.Reads(true, 5, 1_000, 1_000));
    }

    @Test
    void everyKeyIsRead() throws IOException {
        ProxyConfig c = load("reads: { replicas: false, max_replica_lag_s: 30, read_your_writes_ms: 0, probe_interval_ms: 250 }\n");
        assertThat(c.reads()).isEqualTo(new ProxyConfig.Reads(false, 30, 0, 250));
    }

    @Test
    void readYourWritesByGtidIsChosenByName() throws IOException {
        assertThat(load("reads: { read_your_writes: gtid }\n").reads().gtidWait()).isTrue();
        assertThat(load("reads: { read_your_writes: window }\n").reads().gtidWait()).isFalse();
        assertThatThrownBy(() -> load("reads: { read_your_writes: sometimes }\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reads.read_your_writes").hasMessageContaining("window or gtid");
    }

    @Test
    void badValuesAreRejectedWithFileLineAndKey() {
        assertThatThrownBy(() -> load("reads:\n  read_your_writes_ms: -1\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("shardgate.yaml:7: reads.read_your_writes_ms");
        assertThatThrownBy(() -> load("reads:\n  max_lag: 3\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reads.max_lag").hasMessageContaining("max_replica_lag_s");
    }
}
