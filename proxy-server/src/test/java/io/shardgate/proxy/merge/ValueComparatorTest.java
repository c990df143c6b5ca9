package io.shardgate.proxy.merge;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ValueComparatorTest {

    private static int cmp(int type, int collation, int flags, String a, String b) {
        ColumnDef def = new ColumnDef("db", "t", "c", collation, 10, type, flags, 0);
        return Integer.signum(new ValueComparator(def).compare(bytes(a), bytes(b)));
    }

    private static byte[] bytes(String s) {
        return "NULL".equals(s) ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}: {3} vs {4} -> {5}")
    @CsvSource(delimiter = '|', value = {
            // what           | type | flags | a                     | b                    | expected
            "bigint           | 8    | 0     | -5                    | 3                    | -1",
            "bigint           | 8    | 0     | 10                    | 9                    | 1",
            "unsigned bigint  | 8    | 32    | 18446744073709551615  | 1                    | 1",
            "int null first   | 3    | 0     | NULL                  | -2147483648          | -1",
            "both null        | 3    | 0     | NULL                  | NULL                 | 0",
            "decimal          | 246  | 0     | 10.50                 | 9.75                 | 1",
            "decimal scale    | 246  | 0     | 1.10                  | 1.1                  | 0",
            "double           | 5    | 0     | -0                    | 0                    | 0",
            "double exp       | 5    | 0     | 1e3                   | 999.5                | 1",
            "date             | 10   | 0     | 2024-02-03            | 2024-12-01           | -1",
            "datetime         | 12   | 0     | 2024-02-03 10:00:00   | 2024-02-03 09:59:59  | 1",
            "time negative    | 11   | 0     | -838:59:59            | -01:00:00            | -1",
            "time long        | 11   | 0     | 100:00:00             | 23:59:59.999999      | 1",
            "time fraction    | 11   | 0     | 00:00:01.5            | 00:00:01.25          | 1",
    })
    void numbersTemporalsAndNulls(String what, int type, int flags, String a, String b, int expected) {
        assertThat(cmp(type, 63, flags, a, b)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "collation {0}: {1} vs {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "45  | abc   | ABC    | 0",   // utf8mb4_general_ci: case-insensitive
            "45  | abc   | 'abc  '| 0",   // PAD SPACE
            "45  | é     | E      | 0",   // accent-insensitive
            "45  | apple | Banana | -1",
            "46  | a     | B      | 1",   // utf8mb4_bin: by code point
            "46  | a     | A      | 1",
            "63  | a     | B      | 1",   // binary: by bytes
    })
    void textByCollation(int collation, String a, String b, int expected) {
        assertThat(cmp(ColumnType.VAR_STRING, collation, 0, a.replace("'", ""), b.replace("'", ""))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"-00:00:01, -1000000", "838:59:59, 3020399000000", "01:02:03.4, 3723400000"})
    void timeParsing(String text, long micros) {
        assertThat(ValueComparator.timeMicros(text)).isEqualTo(micros);
    }
}
