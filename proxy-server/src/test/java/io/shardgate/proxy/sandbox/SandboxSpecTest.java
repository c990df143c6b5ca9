package io.shardgate.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {

    @Test
    void defaults() {
        SandboxSpec s = SandboxSpec.defaults();
        assertThat(s.groups()).isEqualTo(2);
        assertThat(s.replicas()).isEqualTo(2);
        assertThat(s.dir()).isEqualTo(Path.of("sandbox"));
        assertThat(s.basePort()).isEqualTo(3316);
        assertThat(s.fresh()).isFalse();
    }

    @Test
    void portLayout() {
        SandboxSpec s = SandboxSpec.defaults();
        assertThat(new int[] {s.port(0, 0), s.port(0, 1), s.port(0, 2)}).containsExactly(3316, 3317, 3318);
        assertThat(new int[] {s.port(1, 0), s.port(1, 1), s.port(1, 2)}).containsExactly(3326, 3327, 3328);
        assertThat(new SandboxSpec(3, 1, Path.of("x"), 24316, true).port(2, 1)).isEqualTo(24337);
    }

    @Test
    void instanceNames() {
        assertThat(SandboxSpec.instanceName(0, 0)).isEqualTo("g0-m0");
        assertThat(SandboxSpec.instanceName(0, 2)).isEqualTo("g0-r2");
        assertThat(SandboxSpec.instanceName(1, 1)).isEqualTo("g1-r1");
        assertThat(SandboxSpec.groupName(3)).isEqualTo("g3");
    }

    @Test
    void rejectsLayoutsThatDoNotFit() {
        Path d = Path.of("x");
        assertThatThrownBy(() -> new SandboxSpec(0, 2, d, 3316, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SandboxSpec(1, 10, d, 3316, false)).hasMessageContaining("replicas");
        assertThatThrownBy(() -> new SandboxSpec(1, -1, d, 3316, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SandboxSpec(2, 2, d, 65530, false)).hasMessageContaining("basePort");
        assertThat(new SandboxSpec(1, 0, d, 3316, false).port(0, 0)).isEqualTo(3316);
    }
}
