package io.shardgate.router.analysis;

import io.shardgate.router.analysis.ReadClassifier.StatementClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ReadClassifierTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "SELECT * FROM user WHERE uid = 5                         | READ",
            "  select 1                                               | READ",
            "/* a comment */ SELECT name FROM t                       | READ",
            "(SELECT a FROM t) UNION (SELECT b FROM u)                | READ",
            "SELECT 'FOR UPDATE', \"LOCK IN\" FROM t                   | READ",
            "SELECT c FROM t WHERE note = 'x := y'                    | READ",
            "SELECT `into` FROM t                                     | READ",
            "SELECT * FROM t FOR UPDATE                               | OTHER",
            "SELECT * FROM t FOR SHARE                                | OTHER",
            "SELECT * FROM t LOCK IN SHARE MODE                       | OTHER",
            "SELECT a INTO @x FROM t                                  | OTHER",
            "SELECT @x := a FROM t                                    | OTHER",
            "SELECT GET_LOCK('a', 1)                                  | OTHER",
            "SELECT LAST_INSERT_ID()                                  | OTHER",
            "SELECT FOUND_ROWS()                                      | OTHER",
            "SELECT MASTER_GTID_WAIT('0-1-5', 1)                      | OTHER",
            "SELECT NEXTVAL(seq)                                      | OTHER",
            "/*+ shardgate:master */ SELECT * FROM t                  | OTHER",
            "SELECT /* shardgate:master */ * FROM t                   | OTHER",
            "INSERT INTO t VALUES (1)                                 | WRITE",
            "update t set a = 1                                       | WRITE",
            "DELETE FROM t                                            | WRITE",
            "CREATE TABLE t (a INT)                                   | WRITE",
            "COMMIT                                                   | WRITE",
            "SET autocommit = 0                                       | OTHER",
            "SHOW TABLES                                              | OTHER",
            "BEGIN                                                    | OTHER",
            "USE db                                                   | OTHER",
            "''                                                       | OTHER",
            "SELECT 1; DELETE FROM t                                  | OTHER",
            "/* x */ (select name FROM user) ORDER BY 1               | READ",
            "select * from user for share                             | OTHER",
            "SELECT uid INTO @u FROM user LIMIT 1                     | OTHER",
            "UPDATE user SET name = 'SELECT'                          | WRITE",
            "INSERT INTO user (uid) SELECT 1                          | WRITE",
            "SELECT 1;                                                | READ",
            "SELECT ';' FROM t                                        | READ",
            "SELECT NEXT VALUE FOR seq                                | OTHER",
            "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1              | OTHER",
    })
    void classifies(String sql, StatementClass expected) {
        assertThat(ReadClassifier.classify(sql)).isEqualTo(expected);
    }
}
