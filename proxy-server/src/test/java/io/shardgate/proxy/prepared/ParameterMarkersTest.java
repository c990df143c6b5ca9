package io.shardgate.proxy.prepared;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParameterMarkersTest {

    @Test
    void findsMarkersInPlainText() {
        String sql = "SELECT * FROM t WHERE a = ? AND b IN (?,?)";
        assertThat(ParameterMarkers.positions(sql)).containsExactly(26, 38, 40);
        assertThat(ParameterMarkers.count(sql)).isEqualTo(3);
        assertThat(ParameterMarkers.count("SELECT 1")).isZero();
        assertThat(ParameterMarkers.count("")).isZero();
        assertThat(ParameterMarkers.count("??")).isEqualTo(2);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            SELECT '?', ?                                 | 1
            SELECT 'it''s ?', ?                            | 1
            SELECT 'it\\'s ?', ?                           | 1
            SELECT 'a\\\\', ?                              | 1
            SELECT 'a\\\\'' ?', ?                          | 1
            SELECT "?", ?                                 | 1
            SELECT "a""?", "b\\"?", ?                       | 1
            SELECT "it's ?", ?                            | 1
            SELECT 'say "?"', ?                           | 1
            SELECT `a?b`, ?                               | 1
            SELECT `x``?`, ?                              | 1
            SELECT `a\\`, ?                                | 1
            SELECT `it's`, ?, `"?"`                       | 1
            SELECT /* ? */ ?                              | 1
            SELECT /* it's ? */ ?, /**/ ?                  | 2
            SELECT /*+ hint(?) */ ?                       | 1
            SELECT /*!50000 ? */, /*! ? */, /*M!100000 ? */ | 3
            SELECT ? # ? it's                             | 1
            SELECT '#', ?, '-- ', ?, '/*', ?              | 3
            SELECT 1--?                                   | 1
            SELECT 1-?                                    | 1
            SELECT ? --                                   | 1
            SELECT ? -- ?                                 | 1
            SELECT ?, 'unterminated ?                     | 1
            SELECT ?, "unterminated ?                     | 1
            SELECT ?, `unterminated ?                     | 1
            SELECT ? /* unterminated ?                    | 1
            """)
    void skipsQuotedTextAndComments(String sql, int expected) {
        assertThat(ParameterMarkers.count(sql.strip())).isEqualTo(expected);
    }

    @Test
    void lineCommentsEndAtTheLineBreak() {
        assertThat(ParameterMarkers.count("SELECT ? -- ? it's\n, ?")).isEqualTo(2);
        assertThat(ParameterMarkers.count("SELECT ? --\t?\n, ?")).isEqualTo(2);
        assertThat(ParameterMarkers.count("SELECT ? --\n?")).isEqualTo(2);
        assertThat(ParameterMarkers.count("SELECT ? # ? it's\n, ?")).isEqualTo(2);
        assertThat(ParameterMarkers.count("SELECT ?#\n?")).isEqualTo(2);
        assertThat(ParameterMarkers.count("SELECT 'a\nb?', ?")).as("strings span lines").isEqualTo(1);
    }

    @Test
    void substitutesInOrder() {
        assertThat(ParameterMarkers.substitute("INSERT INTO t VALUES (?, ?, ?)", List.of("1", "'a'", "NULL")))
                .isEqualTo("INSERT INTO t VALUES (1, 'a', NULL)");
        assertThat(ParameterMarkers.substitute("SELECT '?', ? /* ? */ -- ?", List.of("2")))
                .isEqualTo("SELECT '?', 2 /* ? */ -- ?");
        assertThat(ParameterMarkers.substitute("SELECT 1", List.of())).isEqualTo("SELECT 1");
    }

    @Test
    void literalsAreNotScannedAgain() {
        assertThat(ParameterMarkers.substitute("SELECT ?, ?", List.of("'?'", "3"))).isEqualTo("SELECT '?', 3");
        assertThat(ParameterMarkers.substitute("SELECT ?, ?", List.of("'/*'", "'*/'"))).isEqualTo("SELECT '/*', '*/'");
    }

    @Test
    void keepsLiteralsApartFromNeighbouringWords() {
        assertThat(ParameterMarkers.substitute("SELECT?", List.of("1"))).isEqualTo("SELECT 1");
        assertThat(ParameterMarkers.substitute("SELECT ?FROM t", List.of("1"))).isEqualTo("SELECT 1 FROM t");
        assertThat(ParameterMarkers.substitute("SELECT?FROM t", List.of("_utf8mb4 X'00'")))
                .isEqualTo("SELECT _utf8mb4 X'00'FROM t");
        assertThat(ParameterMarkers.substitute("SELECT a=?AND b", List.of("'x'"))).isEqualTo("SELECT a='x'AND b");
        assertThat(ParameterMarkers.substitute("SELECT 1-?", List.of("-1"))).isEqualTo("SELECT 1- -1");
        assertThat(ParameterMarkers.substitute("SELECT 1-?", List.of("1"))).isEqualTo("SELECT 1-1");
        assertThat(ParameterMarkers.substitute("SELECT (?)", List.of("-1"))).isEqualTo("SELECT (-1)");
    }

    @Test
    void refusesAWrongNumberOfLiterals() {
        assertThatThrownBy(() -> ParameterMarkers.substitute("SELECT ?, ?", List.of("1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 parameter markers").hasMessageContaining("1 values");
        assertThatThrownBy(() -> ParameterMarkers.substitute("SELECT '?'", List.of("1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Pieces of SQL and the markers each holds; any concatenation holds their sum. */
    private static final List<Object[]> PIECES = List.of(
            new Object[]{"?", 1}, new Object[]{" a = ", 0}, new Object[]{", ", 0}, new Object[]{"1", 0},
            new Object[]{" - ", 0}, new Object[]{"'a?b'", 0}, new Object[]{"'it''s ?'", 0},
            new Object[]{"'x\\'?'", 0}, new Object[]{"'\\\\'", 0}, new Object[]{"\"?\"", 0},
            new Object[]{"\"q\"\"?\"", 0}, new Object[]{"`?`", 0}, new Object[]{"`a``?`", 0},
            new Object[]{"/* ? ' \" ` */", 0}, new Object[]{" -- ? '\n", 0}, new Object[]{"# ? `\n", 0},
            new Object[]{"/*!40000 ? */", 1}, new Object[]{"\n", 0});

    @Property(tries = 1000)
    void countsTheMarkersOfAnyConcatenation(@ForAll("pieces") List<Integer> picks) {
        StringBuilder sql = new StringBuilder("SELECT ");
        int expected = 0;
        for (int p : picks) {
            sql.append((String) PIECES.get(p)[0]);
            expected += (Integer) PIECES.get(p)[1];
        }
        assertThat(ParameterMarkers.count(sql.toString())).as(sql.toString()).isEqualTo(expected);
        List<String> literals = java.util.stream.IntStream.range(0, expected).mapToObj(i -> "'?" + i + "'").toList();
        String substituted = ParameterMarkers.substitute(sql.toString(), literals);
        assertThat(ParameterMarkers.count(substituted)).as("literals hold no markers").isZero();
    }

    @Provide
    Arbitrary<List<Integer>> pieces() {
        return Arbitraries.integers().between(0, PIECES.size() - 1).list().ofMaxSize(12);
    }
}
