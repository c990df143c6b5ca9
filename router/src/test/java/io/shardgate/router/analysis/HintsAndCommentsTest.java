package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

class HintsAndCommentsTest {

    static Stream<Arguments> hints() {
        return Stream.of(
                row("/*+ shardgate:master */ select * from t where uid = 1", List.of("master")),
                row("select /*+ shardgate:master */ * from t where uid = 1", List.of("master")),
                row("select * from t where uid = 1 /*+ shardgate:replica */", List.of("replica")),
                row("/* shardgate:master */ update t set a = 1 where uid = 1", List.of("master")),
                row("insert /*+ shardgate:master */ into t (uid) values (1)", List.of("master")),
                row("update /*+ shardgate:master */ t set a = 1", List.of("master")),
                row("delete /*+ shardgate:master */ from t where uid = 1", List.of("master")),
                row("/*+ BKA(t) shardgate:master NO_ICP(t) shardgate:group=g1 */ select * from t", List.of("master", "group=g1")),
                row("/*+ shardgate:master*/select 1", List.of("master")),
                row("/*+ shardgate:master */ selec garbage", List.of("master")),
                row("select 'shardgate:master', '/*+ shardgate:master */' from t", List.of()),
                row("select \"/* shardgate:master */\" from t", List.of()),
                row("select `/*+ shardgate:master */` from t", List.of()),
                row("select 1 -- shardgate:master", List.of()),
                row("select 1 # shardgate:master", List.of()),
                row("select 1 /* shardgate: */", List.of()),
                row("select 1 /*+ MAX_EXECUTION_TIME(10) */", List.of()),
                row("select 1", List.of()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hints")
    void shardgateHints(String sql, List<String> expected) {
        assertThat(analyze(sql).hints()).isEqualTo(expected);
    }

    @Test
    void hintSurvivesRewriteAndDoesNotDisturbTheParse() {
        String sql = "/*+ shardgate:master */ SELECT /*+ MAX_EXECUTION_TIME(1000) */ u.name FROM user u /* user */ WHERE u.uid = ?";
        StatementFacts f = analyze(sql);
        assertThat(f.kind()).isEqualTo(StatementKind.SELECT);
        assertThat(f.hints()).containsExactly("master");
        assertThat(Fixtures.table(f, "u").condition()).hasToString("=?0");
        assertThat(f.rewriteTables(sql, t -> "user_07"))
                .isEqualTo("/*+ shardgate:master */ SELECT /*+ MAX_EXECUTION_TIME(1000) */ u.name FROM user_07 u /* user */ WHERE u.uid = ?");
        assertThat(f.toString()).endsWith("hints=[master]");
    }

    @Test
    void commentsHideNothingFromTheAnalysis() {
        StatementFacts f = analyze("select * /* from orders */ from t -- where uid = 1\n where /* uid = 2 or */ uid = 3 # or 1=1");
        assertThat(f.tables()).extracting(TableRef::name).containsExactly("t");
        assertThat(Fixtures.table(f, "t").condition()).hasToString("=3");
    }

    @Test
    void executableCommentsAreAnalysedAsTheServerRunsThem() {
        // MySQL executes the content of /*!NNNNN ... */: the key condition inside must be seen
        StatementFacts f = analyze("select * from t where uid = 1 /*!50000 or uid = 2 */");
        assertThat(f.executableComments()).isTrue();
        assertThat(Fixtures.table(f, "t").condition()).hasToString("in(1,2)");
        StatementFacts hidden = analyze("select 1 /*!50000 from orders where uid = 5 */");
        assertThat(hidden.tables()).extracting(TableRef::name).containsExactly("orders");
        StatementFacts maria = analyze("select * from t where uid in (1, 2) /*M!100100 and uid = 1 */");
        assertThat(Fixtures.table(maria, "t").condition()).hasToString("any"); // MySQL would not run it: no narrowing
        StatementFacts future = analyze("select * from t where uid in (1, 2) /*!80100 and uid = 1 */");
        assertThat(Fixtures.table(future, "t").condition()).hasToString("any"); // MySQL 8.0.36 would not run it
        StatementFacts old = analyze("select * from t where uid in (1, 2) /*!80000 and uid = 1 */");
        assertThat(Fixtures.table(old, "t").condition()).hasToString("=1");
        StatementFacts dump = analyze("/*!40101 SET NAMES utf8mb4 */");
        assertThat(dump.kind()).isEqualTo(StatementKind.SET);
        assertThat(analyze("select 1 /* plain */").executableComments()).isFalse();
    }

    @Test
    void unterminatedCommentIsNotFatal() {
        StatementFacts f = analyze("select * from t where uid = 1 /* shardgate:master");
        assertThat(f).isNotNull();
        assertThat(f.hints()).containsExactly("master");
    }
}
