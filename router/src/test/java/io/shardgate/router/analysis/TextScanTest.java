package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextScanTest {

    static List<String> rows(String sql) {
        List<Span> spans = TextScan.insertRows(sql);
        return spans == null ? null : spans.stream().map(s -> s.of(sql)).toList();
    }

    @Test
    void rowTuplesSkipQuotesCommentsAndNestedParentheses() {
        assertThat(rows("INSERT INTO t (a, b) VALUES (1, 'x'), (2, f(3, 4))")).containsExactly("(1, 'x')", "(2, f(3, 4))");
        assertThat(rows("INSERT INTO t (a,`values`) VALUE(1, ')'),/* (9), */ (2, 'it''s \\\\ \\' (')"))
                .containsExactly("(1, ')')", "(2, 'it''s \\\\ \\' (')");
        assertThat(rows("INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)")).containsExactly("(1)");
        assertThat(rows("INSERT INTO t (a) VALUES (1), -- x (8)\n (2)")).containsExactly("(1)", "(2)");
        assertThat(rows("INSERT INTO t SET a = 1")).isNull();
        assertThat(rows("INSERT INTO t (a) VALUES (1, 'unclosed")).isNull();
    }

    @Test
    void outerLimitIsTheLastTopLevelOne() {
        String sql = "SELECT * FROM t WHERE a IN (SELECT b FROM u LIMIT 3) AND c = 'LIMIT 9' LIMIT 20, 10 FOR UPDATE";
        assertThat(TextScan.outerLimit(sql).of(sql)).isEqualTo("LIMIT 20, 10");
        String off = "select * from t limit 10 offset 5";
        assertThat(TextScan.outerLimit(off).of(off)).isEqualTo("limit 10 offset 5");
        String p = "SELECT * FROM t /* LIMIT 1 */ LIMIT ?";
        assertThat(TextScan.outerLimit(p).of(p)).isEqualTo("LIMIT ?");
        assertThat(TextScan.outerLimit("SELECT * FROM t WHERE a IN (SELECT b FROM u LIMIT 3)")).isNull();
        assertThat(TextScan.outerLimit("SELECT `limit` FROM t")).isNull();
    }
}
