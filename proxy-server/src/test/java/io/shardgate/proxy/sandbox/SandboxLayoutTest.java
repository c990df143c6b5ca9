package io.shardgate.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxLayoutTest {

    private static final SandboxLayout DEFAULT = SandboxLayout.of(SandboxSpec.defaults(), "MariaDB 10.11.5");

    @Test
    void roundTrips() {
        assertThat(SandboxLayout.parse(DEFAULT.format())).isEqualTo(DEFAULT);
        assertThat(DEFAULT).isEqualTo(new SandboxLayout(2, 2, 3316, "MariaDB 10.11.5"));
    }

    @Test
    void parsesHandWrittenFile() {
        assertThat(SandboxLayout.parse("# c\n groups = 3\nreplicas=0\nbasePort=4000\nflavor=MariaDB 11.4.2\n"))
                .isEqualTo(new SandboxLayout(3, 0, 4000, "MariaDB 11.4.2"));
    }

    @Test
    void sameLayoutMatchesRegardlessOfDirOrFresh() {
        SandboxLayout other = SandboxLayout.of(new SandboxSpec(2, 2, Path.of("/elsewhere"), 3316, true), "MariaDB 10.11.5");
        assertThat(DEFAULT.mismatch(other, "sandbox")).isEmpty();
    }

    @Test
    void mismatchTellsUserToPassFresh() {
        SandboxLayout wanted = new SandboxLayout(2, 1, 3316, "MariaDB 10.11.5");
        assertThat(DEFAULT.mismatch(wanted, "/tmp/sb")).hasValueSatisfying(m -> assertThat(m)
                .contains("/tmp/sb", "2 replica(s)", "1 replica(s)", "--fresh"));
        assertThat(DEFAULT.mismatch(new SandboxLayout(2, 2, 3316, "MySQL 8.0.36"), "d")).isPresent();
        assertThat(DEFAULT.mismatch(new SandboxLayout(2, 2, 4316, "MariaDB 10.11.5"), "d")).isPresent();
        assertThat(DEFAULT.mismatch(new SandboxLayout(1, 2, 3316, "MariaDB 10.11.5"), "d")).isPresent();
    }

    @Test
    void rejectsIncompleteOrBadFiles() {
        assertThatThrownBy(() -> SandboxLayout.parse("groups=2\nreplicas=2\nbasePort=3316\n")).hasMessageContaining("flavor");
        assertThatThrownBy(() -> SandboxLayout.parse("groups=two\nreplicas=2\nbasePort=3316\nflavor=x\n"))
                .hasMessageContaining("groups");
    }
}
