package io.shardgate.proxy.frontend;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdminStatementTest {

    @Test
    void explainTakesTheRestOfTheText() {
        assertThat(AdminStatement.parse("SHARDGATE EXPLAIN SELECT * FROM user WHERE uid = 3"))
                .isEqualTo(new AdminStatement.Explain("SELECT * FROM user WHERE uid = 3"));
        assertThat(AdminStatement.parse("  shardgate   explain\n select 1 ;  ")).isEqualTo(new AdminStatement.Explain("select 1"));
        assertThat(AdminStatement.parse("SHOW SHARDGATE EXPLAIN SELECT 2")).isEqualTo(new AdminStatement.Explain("SELECT 2"));
    }

    @Test
    void otherTextAfterTheWordIsUnknownAndOtherStatementsAreNotAdmin() {
        assertThat(AdminStatement.parse("SHARDGATE STATUS")).isInstanceOf(AdminStatement.Unknown.class);
        assertThat(AdminStatement.parse("SHARDGATE EXPLAIN")).isInstanceOf(AdminStatement.Unknown.class);
        assertThat(AdminStatement.usage((AdminStatement.Unknown) AdminStatement.parse("SHARDGATE STATUS")))
                .contains("'SHARDGATE STATUS'").contains("SHARDGATE EXPLAIN <statement>");
        assertThat(AdminStatement.parse("SELECT 1")).isNull();
        assertThat(AdminStatement.parse("SHARDGATES EXPLAIN x")).isNull();
        assertThat(AdminStatement.parse("shardgate_table")).isNull();
        assertThat(AdminStatement.parse("SET x = 1")).isNull();
        assertThat(AdminStatement.parse("SHOW TABLES")).isNull();
    }

    @Test
    void poolsListsTheBackendPools() {
        assertThat(AdminStatement.parse("SHARDGATE POOLS")).isEqualTo(new AdminStatement.Pools());
        assertThat(AdminStatement.parse("show shardgate pools;")).isEqualTo(new AdminStatement.Pools());
        assertThat(AdminStatement.parse("SHARDGATE POOLS x")).isInstanceOf(AdminStatement.Unknown.class);
        assertThat(AdminStatement.usage((AdminStatement.Unknown) AdminStatement.parse("SHARDGATE X"))).contains("SHARDGATE POOLS");
    }
}
