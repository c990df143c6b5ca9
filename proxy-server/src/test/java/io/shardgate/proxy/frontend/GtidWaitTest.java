package io.shardgate.proxy.frontend;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GtidWaitTest {

    @Test
    void theDialectFollowsTheServerVersion() {
        assertThat(GtidWait.of("10.11.5-MariaDB-log")).isEqualTo(GtidWait.MARIADB);
        assertThat(GtidWait.of("5.5.5-10.11.5-MariaDB")).isEqualTo(GtidWait.MARIADB);
        assertThat(GtidWait.of("8.0.36")).isEqualTo(GtidWait.MYSQL);
        assertThat(GtidWait.of("8.4.0-commercial")).isEqualTo(GtidWait.MYSQL);
    }

    @Test
    void mariadbWaitsForTheSessionsOwnGtid() {
        GtidWait m = GtidWait.MARIADB;
        assertThat(m.lastGtidQuery()).isEqualTo("SELECT @@last_gtid");
        assertThat(m.normalize("0-24316-17")).isEqualTo("0-24316-17");
        assertThat(m.normalize("0-1-5,1-2-9")).isEqualTo("0-1-5,1-2-9");
        assertThat(m.waitQuery("0-1-5", 0.5)).isEqualTo("SELECT MASTER_GTID_WAIT('0-1-5', 0.5)");
    }

    @Test
    void mysqlWaitsForTheMastersExecutedSetWrittenOnOneLine() {
        GtidWait m = GtidWait.MYSQL;
        assertThat(m.lastGtidQuery()).isEqualTo("SELECT @@global.gtid_executed");
        String set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n8f3a1b2c-0000-11e1-9e33-c80aa9429562:1-3:7";
        assertThat(m.normalize(set))
                .isEqualTo("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,8f3a1b2c-0000-11e1-9e33-c80aa9429562:1-3:7");
        assertThat(m.waitQuery("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", 1.0))
                .isEqualTo("SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 1.0)");
    }

    @Test
    void anythingElseIsNeverWrittenIntoAStatement() {
        assertThat(GtidWait.MARIADB.normalize("")).isNull();
        assertThat(GtidWait.MARIADB.normalize(null)).isNull();
        assertThat(GtidWait.MARIADB.normalize("0-1-5'); DROP TABLE t; --")).isNull();
        assertThat(GtidWait.MYSQL.normalize("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'")).isNull();
        assertThat(GtidWait.MYSQL.normalize("0-1-5")).as("a MariaDB GTID is no MySQL set").isNull();
    }

    @Test
    void onlyZeroMeansReached() {
        assertThat(GtidWait.reached("0")).isTrue();
        assertThat(GtidWait.reached("1")).isFalse();
        assertThat(GtidWait.reached("-1")).isFalse();
        assertThat(GtidWait.reached(null)).isFalse();
    }
}
