package io.shardgate.proxy.frontend;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class KillStatementTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "KILL 42                  | 42 | false | KILL CONNECTION 7",
            "kill query 42            | 42 | true  | KILL QUERY 7",
            "  KILL CONNECTION 42 ;   | 42 | false | KILL CONNECTION 7",
            "KILL HARD QUERY 42       | 42 | true  | KILL QUERY 7",
            "KILL SOFT CONNECTION 42  | 42 | false | KILL CONNECTION 7",
            "KILL QUERY ID 42         | 42 | true  | KILL QUERY 7",
    })
    void killStatementsAreRecognisedAndRewrittenForTheBackend(String sql, long id, boolean queryOnly, String rewritten) {
        KillStatement k = KillStatement.parse(sql);
        assertThat(k).isEqualTo(new KillStatement(id, queryOnly));
        assertThat(k.forBackend(7)).isEqualTo(rewritten);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "KILL USER app", "KILL QUERY @id", "killer 3", "KILL 1 2", "KILL QUERY 99999999999999999999", ""})
    void otherStatementsAreNotKills(String sql) {
        assertThat(KillStatement.parse(sql)).isNull();
    }
}
