package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table name positions: every table reference's name (and the qualifiers naming it) is replaced by
 * {@code phys_N}, N being the reference's index, by splicing the original text; everything else must survive.
 */
class PositionsTest {

    private static String splice(String sql) {
        StatementFacts f = analyze(sql);
        assertThat(f.positionsResolved()).as(f.toString()).isTrue();
        for (TableRef t : f.tables()) {
            String written = unquote(t.span().of(sql));
            assertThat(written).as("span of " + t).isEqualToIgnoringCase(t.qualifiedName());
        }
        return f.rewriteTables(sql, t -> "phys_" + t.index());
    }

    /** {@code `db` . `a``b`} -> {@code db.a`b}. */
    private static String unquote(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("\\s*\\.\\s*(?=(?:[^`]*`[^`]*`)*[^`]*$)")) {
            String p = part.trim();
            if (p.startsWith("`")) p = p.substring(1, p.length() - 1).replace("``", "`");
            sb.append(sb.length() == 0 ? "" : ".").append(p);
        }
        return sb.toString();
    }

    static Stream<Arguments> splices() {
        return Stream.of(
                row("select * from user where uid = 1",
                    "select * from phys_0 where uid = 1"),
                row("SELECT * FROM `user` WHERE `uid` = 1",
                    "SELECT * FROM phys_0 WHERE `uid` = 1"),
                row("select * from db.user u where u.uid = 1",
                    "select * from phys_0 u where u.uid = 1"),
                row("select * from `db` . `user` as `u` where `u`.uid = 1",
                    "select * from phys_0 as `u` where `u`.uid = 1"),
                row("select user.name, 'user', \"user\", 'from user where' from user where user.uid = 1",
                    "select phys_0.name, 'user', \"user\", 'from user where' from phys_0 where phys_0.uid = 1"),
                row("select /* from user */ name -- from user\n from /* user */ user # user\n where uid = 1",
                    "select /* from user */ name -- from user\n from /* user */ phys_0 # user\n where uid = 1"),
                row("/*+ shardgate:master */ select * from user where uid = 1",
                    "/*+ shardgate:master */ select * from phys_0 where uid = 1"),
                row("select /*+ shardgate:replica MAX_EXECUTION_TIME(100) */ * from orders o join user u on u.uid = o.uid",
                    "select /*+ shardgate:replica MAX_EXECUTION_TIME(100) */ * from phys_0 o join phys_1 u on u.uid = o.uid"),
                row("select * from user a join user b on a.uid = b.uid",
                    "select * from phys_0 a join phys_1 b on a.uid = b.uid"),
                row("select db.user.name, db.user.* from db.user where db.user.uid = 2",
                    "select phys_0.name, phys_0.* from phys_0 where phys_0.uid = 2"),
                row("select user.uid from db.user",
                    "select phys_0.uid from phys_0"),
                row("select t from t where t = 1 order by t",
                    "select t from phys_0 where t = 1 order by t"),
                row("select t.t from t t",
                    "select t.t from phys_0 t"),
                row("select * from t as user, user as t where t.uid = user.uid",
                    "select * from phys_0 as user, phys_1 as t where t.uid = user.uid"),
                row("select * from user where name = 'user' and note = 'it''s user' and x = 'a\\'user'",
                    "select * from phys_0 where name = 'user' and note = 'it''s user' and x = 'a\\'user'"),
                row("select `we``ird` from `we``ird`",
                    "select `we``ird` from phys_0"),
                row("select * from `my table` `m t` where `m t`.uid = 1",
                    "select * from phys_0 `m t` where `m t`.uid = 1"),
                row("SELECT * FROM User WHERE UID = 5",
                    "SELECT * FROM phys_0 WHERE UID = 5"),
                row("select * from orders where uid in (select uid from user where user.uid > 3)",
                    "select * from phys_0 where uid in (select uid from phys_1 where phys_1.uid > 3)"),
                row("select * from user where exists (select 1 from orders o where o.uid = user.uid)",
                    "select * from phys_0 where exists (select 1 from phys_1 o where o.uid = phys_0.uid)"),
                row("select * from (select * from user) x join orders on x.uid = orders.uid",
                    "select * from (select * from phys_0) x join phys_1 on x.uid = phys_1.uid"),
                row("with c as (select * from user where uid = 1) select * from c join orders using (uid)",
                    "with c as (select * from phys_1 where uid = 1) select * from c join phys_0 using (uid)"),
                row("select a from user union all select a from orders order by a",
                    "select a from phys_0 union all select a from phys_1 order by a"),
                row("insert into user (uid, name) values (1, 'user'), (2, 'from user')",
                    "insert into phys_0 (uid, name) values (1, 'user'), (2, 'from user')"),
                row("insert into user(uid) values (1)",
                    "insert into phys_0(uid) values (1)"),
                row("insert into user (uid) select uid from orders where orders.uid = 1",
                    "insert into phys_0 (uid) select uid from phys_1 where phys_1.uid = 1"),
                row("insert into user (uid, n) values (1, 1) on duplicate key update user.n = user.n + 1",
                    "insert into phys_0 (uid, n) values (1, 1) on duplicate key update phys_0.n = phys_0.n + 1"),
                row("replace user set uid = 1",
                    "replace phys_0 set uid = 1"),
                row("update user set user.name = 'user' where user.uid = 1",
                    "update phys_0 set phys_0.name = 'user' where phys_0.uid = 1"),
                row("update user u join orders o on o.uid = u.uid set o.n = 1 where u.uid = 1",
                    "update phys_0 u join phys_1 o on o.uid = u.uid set o.n = 1 where u.uid = 1"),
                row("delete from user where uid = 1",
                    "delete from phys_0 where uid = 1"),
                row("delete a from t a join orders on a.uid = orders.uid",
                    "delete a from phys_0 a join phys_1 on a.uid = phys_1.uid"),
                row("delete t, orders from t join orders on t.uid = orders.uid",
                    "delete phys_0, phys_1 from phys_0 join phys_1 on phys_0.uid = phys_1.uid"),
                row("delete t.*, o from t join orders o on t.uid = o.uid",
                    "delete phys_0.*, o from phys_0 join phys_1 o on phys_0.uid = o.uid"),
                row("delete from t, o using t join orders o on t.uid = o.uid",
                    "delete from phys_0, o using phys_0 join phys_1 o on phys_0.uid = o.uid"),
                row("select * from user where uid = 1; select * from orders where uid = 2",
                    "select * from phys_0 where uid = 1; select * from phys_1 where uid = 2"),
                row("create table user (uid bigint, name varchar(10) default 'user')",
                    "create table phys_0 (uid bigint, name varchar(10) default 'user')"),
                row("create table if not exists t2 like user",
                    "create table if not exists phys_0 like phys_1"),
                row("alter table user add index idx_user (name)",
                    "alter table phys_0 add index idx_user (name)"),
                row("drop table if exists user, orders",
                    "drop table if exists phys_0, phys_1"),
                row("truncate table user",
                    "truncate table phys_0"),
                row("rename table user to user_old",
                    "rename table phys_0 to phys_1"),
                row("create index i on user (name)",
                    "create index i on phys_0 (name)"),
                row("lock tables user read, orders as o write",
                    "lock tables phys_0 read, phys_1 as o write"),
                row("describe orders",
                    "describe phys_0"),
                row("show create table user",
                    "show create table phys_0"),
                row("show columns from db.user",
                    "show columns from phys_0"),
                row("load data infile '/tmp/user.csv' into table user",
                    "load data infile '/tmp/user.csv' into table phys_0"),
                row("select * from user partition (p0) where uid = 1",
                    "select * from phys_0 partition (p0) where uid = 1"),
                row("select * from user force index (idx_user) where uid = 1",
                    "select * from phys_0 force index (idx_user) where uid = 1"),
                row("select * from user\n\twhere\n uid = 1",
                    "select * from phys_0\n\twhere\n uid = 1"),
                row("select /*!40001 SQL_NO_CACHE */ * from user",
                    "select /*!40001 SQL_NO_CACHE */ * from phys_0"),
                row("select 1 /*!50000 from user */ where 1",
                    "select 1 /*!50000 from phys_0 */ where 1"),
                row("select a x, user.b `y` from user",
                    "select a x, phys_0.b `y` from phys_0"),
                row("select * from t1 join t on t1.id = t.id",
                    "select * from phys_0 join phys_1 on phys_0.id = phys_1.id"),
                row("select * from `usér` where uid = 1",
                    "select * from phys_0 where uid = 1"),
                row("select * from über where uid = 1",
                    "select * from phys_0 where uid = 1"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("splices")
    void splice(String sql, String expected) {
        assertThat(splice(sql)).isEqualTo(expected);
    }

    @Test
    void spansAreExact() {
        String sql = "select * from `db`.`user` as u, orders where u.uid = orders.uid";
        StatementFacts f = analyze(sql);
        TableRef user = f.tables().get(0), orders = f.tables().get(1);
        assertThat(user.span()).isEqualTo(new Span(14, 25));
        assertThat(user.span().of(sql)).isEqualTo("`db`.`user`");
        assertThat(user.otherSpans()).isEmpty();
        assertThat(orders.span().of(sql)).isEqualTo("orders");
        assertThat(orders.otherSpans()).extracting(s -> s.of(sql)).containsExactly("orders");
    }

    @Test
    void rewriteCanLeaveTablesAlone() {
        String sql = "select * from region r join user u on r.id = u.rid where u.uid = 3";
        StatementFacts f = analyze(sql);
        String out = f.rewriteTables(sql, t -> t.sharded() ? "`user_0003`" : null);
        assertThat(out).isEqualTo("select * from region r join `user_0003` u on r.id = u.rid where u.uid = 3");
    }

    /** Cases where the position pass gives up rather than risk a wrong splice. */
    @Test
    void ambiguousPositionsAreReportedUnknown() {
        // `user` names an unaliased table in the outer query and an alias in the subquery: user.uid inside would
        // be rewritten to the outer table's name, changing what it refers to
        StatementFacts f = analyze("select user.a from user where exists (select 1 from orders user where user.uid = 1)");
        assertThat(f.positionsResolved()).isFalse();
        assertThat(f.positionsProblem()).contains("both a table and an alias");
        assertThat(f.tables()).allSatisfy(t -> {
            assertThat(t.span()).isNull();
            assertThat(t.otherSpans()).isEmpty();
        });
        assertThat(f.toString()).contains("positions-unknown");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.rewriteTables("x", t -> "y"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unquotedNonAsciiIdentifierThatDruidWouldSplitIsRefused() {
        StatementFacts f = analyze("select * from usér where uid = 1");
        assertThat(f.kind()).isEqualTo(StatementKind.UNPARSEABLE);
        assertThat(f.error()).contains("backticks");
        assertThat(analyze("select * from t where name = 'usér' and uid = 1").kind()).isEqualTo(StatementKind.SELECT);
    }

    @Test
    void positionsCanBeSkipped() {
        StatementFacts f = Fixtures.ANALYZER.analyze("select * from t where uid = 1", false);
        assertThat(f.positionsResolved()).isFalse();
        assertThat(f.positionsProblem()).isEqualTo("not requested");
        assertThat(f.tables()).singleElement().satisfies(t -> {
            assertThat(t.span()).isNull();
            assertThat(t.condition()).hasToString("=1");
        });
    }

    @Test
    void tablesTheTextDoesNotSpellAsOneNameAreNotPlaced() {
        StatementFacts f = analyze("show columns from user from db"); // Druid reports db.user
        assertThat(f.tables()).extracting(TableRef::qualifiedName).containsExactly("db.user");
        assertThat(f.positionsResolved()).isFalse();
    }

    @Test
    void unparseableHasNoPositions() {
        assertThat(analyze("selec * from user").positionsResolved()).isFalse();
    }
}
