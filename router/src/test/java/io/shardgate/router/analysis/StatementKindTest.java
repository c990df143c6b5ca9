package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static io.shardgate.router.analysis.StatementKind.*;
import static org.assertj.core.api.Assertions.assertThat;

class StatementKindTest {

    static Stream<Arguments> kinds() {
        return Stream.of(
                row("select 1", SELECT),
                row("SELECT * FROM user WHERE uid = 1", SELECT),
                row("(select a from t) union (select a from orders)", SELECT),
                row("with c as (select 1) select * from c", SELECT),
                row("insert into t (uid) values (1)", INSERT),
                row("insert t set uid = 1", INSERT),
                row("insert into t (uid) select uid from orders", INSERT),
                row("replace into t (uid) values (1)", REPLACE),
                row("update t set a = 1 where uid = 2", UPDATE),
                row("delete from t where uid = 2", DELETE),
                row("create table t (uid bigint primary key)", DDL),
                row("create table if not exists t like orders", DDL),
                row("alter table t add column c int", DDL),
                row("drop table t", DDL),
                row("drop table if exists t, orders", DDL),
                row("truncate table t", DDL),
                row("truncate t", DDL),
                row("rename table t to t_old", DDL),
                row("alter table t rename to t2", DDL),
                row("create index i on t (a)", DDL),
                row("create unique index i on t (a, b)", DDL),
                row("drop index i on t", DDL),
                row("create view v as select * from t", DDL),
                row("create database d", DDL),
                row("set autocommit = 0", SET),
                row("set names utf8mb4", SET),
                row("SET @x = 1", SET),
                row("set session transaction isolation level read committed", SET),
                row("set @@session.sql_mode = ''", SET),
                row("use shop", USE),
                row("show tables", SHOW),
                row("show databases", SHOW),
                row("show variables like 'x%'", SHOW),
                row("show create table t", SHOW),
                row("show index from t", SHOW),
                row("describe orders", SHOW),
                row("desc t", SHOW),
                row("begin", BEGIN),
                row("BEGIN WORK", BEGIN),
                row("start transaction", BEGIN),
                row("start transaction read only", BEGIN),
                row("commit", COMMIT),
                row("commit work", COMMIT),
                row("rollback", ROLLBACK),
                row("rollback work", ROLLBACK),
                row("savepoint sp1", SAVEPOINT),
                row("rollback to savepoint sp1", SAVEPOINT),
                row("rollback to sp1", SAVEPOINT),
                row("release savepoint sp1", SAVEPOINT),
                row("lock tables t read", LOCK_TABLES),
                row("lock tables t read, orders as o write", LOCK_TABLES),
                row("unlock tables", UNLOCK_TABLES),
                row("explain select * from t", OTHER),
                row("call p(1)", OTHER),
                row("xa start 'x'", OTHER),
                row("kill 12", OTHER),
                row("flush tables", OTHER),
                row("selec 1", UNPARSEABLE),
                row("select * from", UNPARSEABLE),
                row("update set", UNPARSEABLE),
                row("", UNPARSEABLE),
                row("  ;  ", UNPARSEABLE),
                row("/* nothing */", UNPARSEABLE));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("kinds")
    void kind(String sql, StatementKind expected) {
        StatementFacts f = analyze(sql);
        assertThat(f.kind()).as(f.toString()).isEqualTo(expected);
        assertThat(f.multipleStatements()).isFalse();
        assertThat(f.parsed()).isEqualTo(expected != UNPARSEABLE);
        if (expected == UNPARSEABLE) {
            assertThat(f.error()).isNotBlank();
            assertThat(f.tables()).isEmpty();
        } else {
            assertThat(f.error()).isNull();
            assertThat(f.statements()).containsExactly(expected);
        }
    }

    @Test
    void multipleStatementsAreFlaggedAndListed() {
        StatementFacts f = analyze("select * from t where uid = 1; update orders set a = 1 where uid = 2;");
        assertThat(f.multipleStatements()).isTrue();
        assertThat(f.kind()).isEqualTo(SELECT);
        assertThat(f.statements()).containsExactly(SELECT, UPDATE);
        assertThat(f.tables()).extracting(TableRef::name).containsExactly("t", "orders");
        // one statement's WHERE says nothing about another's rows
        assertThat(f.tables()).allSatisfy(t -> assertThat(t.condition()).isEqualTo(KeyCondition.ANY));
        assertThat(f.positionsResolved()).isTrue();
    }

    @Test
    void trailingSemicolonIsOneStatement() {
        StatementFacts f = analyze("select * from t where uid = 1;");
        assertThat(f.multipleStatements()).isFalse();
        assertThat(Fixtures.table(f, "t").condition()).hasToString("=1");
    }

    @Test
    void unparseableKeepsTheParserMessageAndNeverThrows() {
        StatementFacts f = analyze("selec * from t");
        assertThat(f.kind()).isEqualTo(UNPARSEABLE);
        assertThat(f.error()).contains("selec");
        assertThat(f.toString()).startsWith("UNPARSEABLE error=");
        assertThat(f.positionsResolved()).isFalse();
    }

    @Test
    void garbageDoesNotThrow() {
        for (String s : new String[] {"'", "`", "/*", "select '", "((((", "select * from t where uid in (", "\u0000",
                "select 1 from t where a = 'unterminated", "insert into t values (" , "-- only a comment",
                "select ((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))"}) {
            StatementFacts f = analyze(s);
            assertThat(f).isNotNull();
        }
    }
}
