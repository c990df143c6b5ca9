package io.shardgate.router;

import io.shardgate.router.RoutePlan.Kind;
import org.junit.jupiter.api.Test;

import static io.shardgate.router.TestMap.ROUTER;
import static org.assertj.core.api.Assertions.assertThat;

/** Unqualified names belong to the session's current database: the logical schema's tables only when it is current. */
class CurrentDatabaseTest {

    @Test
    void logicalSchemaCurrentPlansAsWithoutADatabase() {
        RoutePlan p = ROUTER.plan("SELECT * FROM user WHERE uid = 5", "USERDB");
        assertThat(p.kind()).isEqualTo(Kind.SINGLE);
        assertThat(p.targets().get(0).sql()).isEqualTo("SELECT * FROM `user_db_0`.`user` WHERE uid = 5");
    }

    @Test
    void anotherDatabaseCurrentSendsUnqualifiedNamesUnchangedToTheDefaultGroup() {
        RoutePlan p = ROUTER.plan("SELECT * FROM user WHERE uid = 2500", "otherdb");
        assertThat(p.kind()).isEqualTo(Kind.PASSTHROUGH);
        assertThat(p.targets().get(0).group()).isEqualTo("g0");
        assertThat(p.targets().get(0).unchanged()).isTrue();
    }

    @Test
    void noDatabaseSelectedIsAnotherDatabase() {
        assertThat(ROUTER.plan("SELECT * FROM user", null).kind()).isEqualTo(Kind.PASSTHROUGH);
    }

    @Test
    void qualifiedLogicalNamesAreRoutedWhateverIsCurrent() {
        RoutePlan p = ROUTER.plan("SELECT * FROM userdb.user WHERE uid = 2500", "mysql");
        assertThat(p.kind()).isEqualTo(Kind.SINGLE);
        assertThat(p.targets().get(0).shard()).isEqualTo("s2");
    }

    @Test
    void mixingQualifiedLogicalAndUnqualifiedNamesIsRefusedWithTheFix() {
        RoutePlan p = ROUTER.plan("SELECT * FROM userdb.user u JOIN t ON t.id = u.uid", "otherdb");
        assertThat(p.kind()).isEqualTo(Kind.REFUSED);
        assertThat(p.refusal().message()).contains("table t is unqualified").contains("USE userdb");
    }

    @Test
    void theSchemaNameAsPartOfAnotherWordIsNotAMention() {
        assertThat(ROUTER.plan("SELECT * FROM userdb_archive.user", "otherdb").kind()).isEqualTo(Kind.PASSTHROUGH);
    }

    @Test
    void plansForTheTwoCasesAreCachedApart() {
        String sql = "SELECT * FROM user WHERE uid = 3500";
        assertThat(ROUTER.plan(sql, "otherdb").kind()).isEqualTo(Kind.PASSTHROUGH);
        assertThat(ROUTER.plan(sql, "userdb").kind()).isEqualTo(Kind.SINGLE);
        assertThat(ROUTER.plan(sql, "otherdb").kind()).isEqualTo(Kind.PASSTHROUGH);
    }

    @Test
    void describeOfATableTheParserCannotReadIsAnsweredByOneShard() {
        RoutePlan p = ROUTER.plan("DESCRIBE user");
        assertThat(p.kind()).isEqualTo(Kind.SINGLE);
        assertThat(p.targets().get(0).sql()).isEqualTo("DESCRIBE `user_db_0`.`user`");
        RoutePlan q = ROUTER.plan("desc `userdb`.`user_event` uid;");
        assertThat(q.targets().get(0).sql()).startsWith("desc `user_db_0`.`user_event` uid");
        assertThat(ROUTER.plan("DESCRIBE city").targets().get(0).shard()).isEqualTo("s0");
        assertThat(ROUTER.plan("DESCRIBE other.user", "userdb").kind()).isEqualTo(Kind.PASSTHROUGH);
    }
}
