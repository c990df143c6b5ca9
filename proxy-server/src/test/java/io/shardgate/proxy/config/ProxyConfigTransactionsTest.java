package io.shardgate.proxy.config;

import io.shardgate.rules.yaml.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyConfigTransactionsTest {
    @TempDir
    Path dir;

    ProxyConfig load(String extra) throws IOException {
        return ConfigFiles.load(dir, "groups:\n  g0: { master: 127.0.0.1:3316 }\n", extra);
    }

    @Test
    void defaultsAreXaWithAnInstanceIdFromThePortAndTheDataDirBesideTheFile() throws IOException {
        assertThat(load("").transactions()).isEqualTo(new ProxyConfig.Transactions(true, "p3307", dir.toAbsolutePath().resolve("data")));
    }

    @Test
    void everyKeyIsRead() throws IOException {
        ProxyConfig c = load("data_dir: ../elsewhere\ntransactions: { cross_group: refuse, instance_id: east_1 }\n");
        assertThat(c.transactions()).isEqualTo(new ProxyConfig.Transactions(false, "east_1",
                dir.toAbsolutePath().resolve("../elsewhere")));
    }

    @Test
    void badValuesAreRejectedWithFileLineAndKey() {
        assertThatThrownBy(() -> load("transactions:\n  cross_group: maybe\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shardgate.yaml:7: transactions.cross_group").hasMessageContaining("xa or refuse");
        assertThatThrownBy(() -> load("transactions:\n  instance_id: has-dash\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shardgate.yaml:7: transactions.instance_id");
        assertThatThrownBy(() -> load("transactions:\n  instance: x\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("transactions.instance");
    }

    @Test
    void configsBuiltInCodeHaveNoDecisionLog() {
        assertThat(ProxyConfig.Transactions.DEFAULTS.xa()).isFalse();
        assertThat(ProxyConfig.Transactions.DEFAULTS.dataDir()).isNull();
        assertThatThrownBy(() -> new ProxyConfig.Transactions(true, "p1", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
