package io.shardgate.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MariaDbBinariesTest {

    @Test
    void parsesVersionOutput() {
        assertThat(MariaDbBinaries.parseFlavor(
                "/x/bin/mariadbd  Ver 10.11.5-MariaDB for linux-systemd on x86_64 (MariaDB Server)\n"))
                .isEqualTo("MariaDB 10.11.5");
        assertThat(MariaDbBinaries.parseFlavor("/usr/sbin/mysqld  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64"))
                .isEqualTo("MariaDB 10.11.6");
        assertThat(MariaDbBinaries.parseFlavor("/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"))
                .isEqualTo("MySQL 8.0.36");
        assertThatThrownBy(() -> MariaDbBinaries.parseFlavor("oops")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cacheDirCanBeOverridden() {
        String old = System.getProperty("shardgate.mariadb.cache");
        try {
            System.setProperty("shardgate.mariadb.cache", "/tmp/somewhere");
            assertThat(MariaDbBinaries.defaultCacheDir()).hasToString("/tmp/somewhere");
            System.clearProperty("shardgate.mariadb.cache");
            assertThat(MariaDbBinaries.defaultCacheDir().toString()).endsWith(".cache/shardgate/mariadb-10.11.5");
        } finally {
            if (old != null) System.setProperty("shardgate.mariadb.cache", old);
        }
    }
}
