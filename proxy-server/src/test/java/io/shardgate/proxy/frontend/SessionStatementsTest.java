package io.shardgate.proxy.frontend;

import io.shardgate.proxy.frontend.SessionStatements.SetKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStatementsTest {

    @Test
    void useNamesTheDatabase() {
        assertThat(SessionStatements.useDatabase("USE userdb")).isEqualTo("userdb");
        assertThat(SessionStatements.useDatabase("  use `my``db` ; ")).isEqualTo("my`db");
        assertThat(SessionStatements.useDatabase("/* c */ USE x")).isEqualTo("x");
        assertThat(SessionStatements.useDatabase("USER()")).isNull();
        assertThat(SessionStatements.useDatabase("use a b")).isNull();
        assertThat(SessionStatements.useDatabase("UPDATE t SET x = 1")).isNull();
    }

    @Test
    void setStatementsAreClassified() {
        assertThat(SessionStatements.classifySet("SET autocommit=1")).isEqualTo(SetKind.AUTOCOMMIT);
        assertThat(SessionStatements.classifySet("SET time_zone = '+00:00'")).isEqualTo(SetKind.SYSTEM_ONLY);
        assertThat(SessionStatements.classifySet("set names utf8mb4")).isEqualTo(SetKind.SYSTEM_ONLY);
        assertThat(SessionStatements.classifySet("SET @@session.sql_mode = 'ANSI'")).isEqualTo(SetKind.SYSTEM_ONLY);
        assertThat(SessionStatements.classifySet("SET sql_mode = 'a@b'")).isEqualTo(SetKind.SYSTEM_ONLY);
        assertThat(SessionStatements.classifySet("SET @a = 1")).isEqualTo(SetKind.WITH_USER_VARIABLES);
        assertThat(SessionStatements.classifySet("SET x = @a")).isEqualTo(SetKind.WITH_USER_VARIABLES);
        assertThat(SessionStatements.classifySet("SET PASSWORD = 'x'")).isEqualTo(SetKind.PASSWORD);
        assertThat(SessionStatements.classifySet("SET TRANSACTION READ ONLY")).isEqualTo(SetKind.TRANSACTION_ONCE);
        assertThat(SessionStatements.classifySet("SELECT 1")).isEqualTo(SetKind.NOT_SET);
        assertThat(SessionStatements.classifySet("SETTINGS")).isEqualTo(SetKind.NOT_SET);
    }

    @Test
    void repeatedSystemSettingsReplaceTheirEarlierCopyWhileUserVariablesKeepTheirOrder() {
        SessionSets s = new SessionSets();
        s.add("SET autocommit=1", SetKind.SYSTEM_ONLY);
        s.add("SET @a=1", SetKind.WITH_USER_VARIABLES);
        long mark = s.latest();
        s.add("SET @a=2", SetKind.WITH_USER_VARIABLES);
        s.add("SET autocommit=1", SetKind.SYSTEM_ONLY);
        assertThat(s.after(0).stream().map(SessionSets.Entry::sql).toList())
                .isEqualTo(List.of("SET @a=1", "SET @a=2", "SET autocommit=1"));
        assertThat(s.after(mark).stream().map(SessionSets.Entry::sql).toList())
                .isEqualTo(List.of("SET @a=2", "SET autocommit=1"));
        assertThat(s.after(s.latest())).isEmpty();
    }

    @Test
    void theHistoryIsBoundedButARepeatedSystemSettingStillFits() {
        SessionSets s = new SessionSets();
        s.add("SET autocommit=1", SetKind.SYSTEM_ONLY);
        for (int i = 1; i < SessionSets.MAX_ENTRIES; i++) s.add("SET @v" + i + "=1", SetKind.WITH_USER_VARIABLES);
        assertThat(s.full("SET @w=1", SetKind.WITH_USER_VARIABLES)).isTrue();
        assertThat(s.full("SET autocommit=1", SetKind.SYSTEM_ONLY)).isFalse();
    }

    @Test
    void transactionStatementsAreRecognised() {
        assertThat(SessionStatements.transaction("BEGIN").kind()).isEqualTo(SessionStatements.TxnKind.BEGIN);
        assertThat(SessionStatements.transaction(" begin work;").kind()).isEqualTo(SessionStatements.TxnKind.BEGIN);
        assertThat(SessionStatements.transaction("START TRANSACTION READ ONLY").kind()).isEqualTo(SessionStatements.TxnKind.BEGIN);
        assertThat(SessionStatements.transaction("commit").kind()).isEqualTo(SessionStatements.TxnKind.COMMIT);
        assertThat(SessionStatements.transaction("ROLLBACK WORK").kind()).isEqualTo(SessionStatements.TxnKind.ROLLBACK);
        assertThat(SessionStatements.transaction("ROLLBACK TO SAVEPOINT a").kind()).isEqualTo(SessionStatements.TxnKind.SAVEPOINT);
        assertThat(SessionStatements.transaction("rollback work to b").kind()).isEqualTo(SessionStatements.TxnKind.SAVEPOINT);
        assertThat(SessionStatements.transaction("SAVEPOINT a").kind()).isEqualTo(SessionStatements.TxnKind.SAVEPOINT);
        assertThat(SessionStatements.transaction("RELEASE SAVEPOINT a").kind()).isEqualTo(SessionStatements.TxnKind.SAVEPOINT);
        assertThat(SessionStatements.transaction("COMMIT AND CHAIN").kind()).isEqualTo(SessionStatements.TxnKind.UNSUPPORTED);
        assertThat(SessionStatements.transaction("SET autocommit=0")).isEqualTo(new SessionStatements.Txn(SessionStatements.TxnKind.AUTOCOMMIT, false));
        assertThat(SessionStatements.transaction("set @@session.autocommit = ON")).isEqualTo(new SessionStatements.Txn(SessionStatements.TxnKind.AUTOCOMMIT, true));
        assertThat(SessionStatements.transaction("SET SESSION autocommit = '1'").autocommit()).isTrue();
        assertThat(SessionStatements.transaction("SET autocommit=0, sql_mode=''").kind()).isEqualTo(SessionStatements.TxnKind.UNSUPPORTED);
        assertThat(SessionStatements.transaction("SELECT 1")).isNull();
        assertThat(SessionStatements.transaction("COMMITTED")).isNull();
        assertThat(SessionStatements.transaction("SET sql_mode = ''")).isNull();
    }

    @Test
    void databaseMetadataStatementsAreRecognised() {
        assertThat(SessionStatements.selectDatabase("SELECT DATABASE()")).isTrue();
        assertThat(SessionStatements.selectDatabase(" select schema ( ) ;")).isTrue();
        assertThat(SessionStatements.selectDatabase("SELECT DATABASE(), 1")).isFalse();
        assertThat(SessionStatements.showDatabases("SHOW DATABASES")).isTrue();
        assertThat(SessionStatements.showDatabases("show schemas;")).isTrue();
        assertThat(SessionStatements.showDatabases("SHOW DATABASES LIKE 'a%'")).isFalse();
    }

    @Test
    void toolsShowStatementsForTheLogicalSchemaAreRewritten() {
        assertThat(SessionStatements.logicalShow("SHOW FULL TABLES FROM `shop` LIKE '%'", "shop", "sg_db_0"))
                .isEqualTo("SHOW FULL TABLES FROM `sg_db_0` LIKE '%'");
        assertThat(SessionStatements.logicalShow("show tables in shop", "shop", "sg_db_0")).isEqualTo("SHOW TABLES FROM `sg_db_0`");
        assertThat(SessionStatements.logicalShow("SHOW FULL COLUMNS FROM `user` FROM `shop` LIKE '%'", "shop", "sg_db_0"))
                .isEqualTo("SHOW FULL COLUMNS FROM `shop`.`user` LIKE '%'");
        assertThat(SessionStatements.logicalShow("SHOW KEYS FROM user FROM shop", "shop", "sg_db_0"))
                .isEqualTo("SHOW KEYS FROM `shop`.user");
        assertThat(SessionStatements.logicalShow("SHOW TABLES FROM other", "shop", "sg_db_0")).isNull();
        assertThat(SessionStatements.logicalShow("SHOW TABLES", "shop", "sg_db_0")).isNull();
    }

    @Test
    void theFirstWordSkipsBlanksAndComments() {
        assertThat(SessionStatements.firstWord("  select 1")).isEqualTo("SELECT");
        assertThat(SessionStatements.firstWord("/* app */ BEGIN")).isEqualTo("BEGIN");
        assertThat(SessionStatements.firstWord("-- note\n# more\nCOMMIT")).isEqualTo("COMMIT");
        assertThat(SessionStatements.firstWord("(SELECT 1)")).isEmpty();
        assertThat(SessionStatements.firstWord("")).isEmpty();
    }

    @Test
    void statementsLeavingStateOnTheirConnectionKeepIt() {
        for (String sql : List.of("CREATE TEMPORARY TABLE t (x INT)", "SELECT GET_LOCK('a', 1)",
                "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1", "SELECT FOUND_ROWS()", "SELECT ROW_COUNT()",
                "SELECT @a := 1", "SELECT x INTO @a FROM t", "SELECT LAST_INSERT_ID(7)", "LOCK TABLES t WRITE",
                "PREPARE s FROM 'SELECT 1'", "HANDLER t OPEN", "select is_used_lock ('a')")) {
            assertThat(SessionStatements.keepsConnection(sql, SessionStatements.firstWord(sql))).as(sql).isTrue();
        }
        for (String sql : List.of("SELECT 1", "SELECT LAST_INSERT_ID()", "INSERT INTO t VALUES (1)", "SET @a = 1",
                "SET time_zone = '+00:00'", "SELECT * FROM temporary_things", "UPDATE t SET rows_count = 1",
                "SHOW WARNINGS", "BEGIN", "SELECT a FROM t WHERE b = ':='")) {
            boolean keeps = SessionStatements.keepsConnection(sql, SessionStatements.firstWord(sql));
            if (sql.contains("':='")) continue; // erring on the side of keeping is allowed: a literal may trigger it
            assertThat(keeps).as(sql).isFalse();
        }
    }

    @Test
    void lastInsertIdCallsAreFoundAndWrittenIn() {
        assertThat(SessionStatements.callsLastInsertId("SELECT LAST_INSERT_ID()")).isTrue();
        assertThat(SessionStatements.callsLastInsertId("insert into c values (last_insert_id ( ), 2)")).isTrue();
        assertThat(SessionStatements.callsLastInsertId("SELECT LAST_INSERT_ID(5)")).isFalse();
        assertThat(SessionStatements.callsLastInsertId("SELECT 1")).isFalse();
        assertThat(SessionStatements.withLastInsertId("INSERT INTO c VALUES (LAST_INSERT_ID(), last_insert_id())", 42))
                .isEqualTo("INSERT INTO c VALUES (42, 42)");
        assertThat(SessionStatements.withLastInsertId("SELECT LAST_INSERT_ID()", -1L))
                .as("unsigned, as the server has it").isEqualTo("SELECT 18446744073709551615");
    }

    @Test
    void selectLastInsertIdNamesItsColumnAsTheServerWould() {
        assertThat(SessionStatements.selectLastInsertId("SELECT LAST_INSERT_ID()")).isEqualTo("LAST_INSERT_ID()");
        assertThat(SessionStatements.selectLastInsertId(" select last_insert_id() as id ;")).isEqualTo("id");
        assertThat(SessionStatements.selectLastInsertId("SELECT LAST_INSERT_ID() `my id`")).isEqualTo("my id");
        assertThat(SessionStatements.selectLastInsertId("SELECT LAST_INSERT_ID(), 1")).isNull();
        assertThat(SessionStatements.selectLastInsertId("SELECT LAST_INSERT_ID() FROM t")).isNull();
    }

    @Test
    void sessionsWithTheSameSetsHaveTheSameSignature() {
        SessionSets a = new SessionSets();
        SessionSets b = new SessionSets();
        assertThat(a.signature()).isEmpty();
        a.add("SET NAMES utf8mb4", SetKind.SYSTEM_ONLY);
        a.add("SET @x = 1", SetKind.WITH_USER_VARIABLES);
        b.add("SET NAMES utf8mb4", SetKind.SYSTEM_ONLY);
        b.add("SET @x = 1", SetKind.WITH_USER_VARIABLES);
        b.add("SET NAMES utf8mb4", SetKind.SYSTEM_ONLY); // a repeated SET moves to the end: the order changed
        assertThat(a.signature()).isNotEqualTo(b.signature());
        a.add("SET NAMES utf8mb4", SetKind.SYSTEM_ONLY);
        assertThat(a.signature()).isEqualTo(b.signature());
        a.clear();
        assertThat(a.signature()).isEmpty();
    }

    @Test
    void onlyAPlainBeginHasAnXaForm() {
        for (String b : List.of("BEGIN", "begin work", "START TRANSACTION", " start  transaction ;")) {
            assertThat(SessionStatements.plainBegin(b)).as(b).isTrue();
        }
        for (String b : List.of("START TRANSACTION READ ONLY", "START TRANSACTION WITH CONSISTENT SNAPSHOT",
                "START TRANSACTION READ WRITE", "BEGIN WORK AND")) {
            assertThat(SessionStatements.plainBegin(b)).as(b).isFalse();
        }
    }

    @Test
    void aSetIsReplayableUnlessTheServerComputesItsValueThere() {
        for (String sql : List.of("SET time_zone = '+00:00'", "SET @a = 5, @b = 'x(y)'", "SET NAMES utf8mb4",
                "SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES')", "SET @a = @b")) {
            assertThat(SessionStatements.replayableSet(sql)).as(sql).isTrue();
        }
        for (String sql : List.of("SET @t = NOW(6)", "SET @r = RAND()", "SET @u = uuid()", "SET @c = (SELECT COUNT(*) FROM t)",
                "SET @id = CONNECTION_ID()", "SET @ts = CURRENT_TIMESTAMP()", "SET @n = NEXTVAL(s)")) {
            assertThat(SessionStatements.replayableSet(sql)).as(sql).isFalse();
        }
    }

    @Test
    void callsAndFlushesKeepTheirConnection() {
        assertThat(SessionStatements.keepsConnection("CALL p(@out)", "CALL")).isTrue();
        assertThat(SessionStatements.keepsConnection("FLUSH TABLES WITH READ LOCK", "FLUSH")).isTrue();
    }

    @Test
    void diagnosticsStatementsAreRecognised() {
        assertThat(SessionStatements.diagnostics("SHOW WARNINGS")).isEqualTo(new SessionStatements.Diagnostics(false, "@@session.warning_count"));
        assertThat(SessionStatements.diagnostics("show errors limit 5")).isEqualTo(new SessionStatements.Diagnostics(false, "@@session.error_count"));
        assertThat(SessionStatements.diagnostics("SHOW COUNT(*) WARNINGS")).isEqualTo(new SessionStatements.Diagnostics(true, "@@session.warning_count"));
        assertThat(SessionStatements.diagnostics("SHOW TABLES")).isNull();
        assertThat(SessionStatements.diagnostics("SHOW WARNINGS x")).isNull();
    }

    @Test
    void informationSchemaIsFoundInAnyCase() {
        assertThat(SessionStatements.mentionsInformationSchema("SELECT * FROM information_schema.TABLES")).isTrue();
        assertThat(SessionStatements.mentionsInformationSchema("select 1 from INFORMATION_SCHEMA.columns")).isTrue();
        assertThat(SessionStatements.mentionsInformationSchema("SELECT my_information FROM t")).isFalse();
        assertThat(SessionStatements.mentionsInformationSchema("SELECT 1")).isFalse();
    }

    @Test
    void aTextOfSeveralStatementsKeepsItsConnection() {
        for (String sql : List.of("UPDATE t SET x = 1 WHERE id = 1; BEGIN", "SELECT 1; SET autocommit = 0",
                "INSERT INTO log VALUES (1); CREATE TEMPORARY TABLE tmp (x INT)", "SELECT 1;USE other")) {
            assertThat(SessionStatements.keepsConnection(sql, SessionStatements.firstWord(sql))).as(sql).isTrue();
        }
        for (String sql : List.of("SELECT 1;", "SELECT 1 ;  ", "SELECT ';' FROM t", "INSERT INTO t VALUES ('a;b')")) {
            assertThat(SessionStatements.keepsConnection(sql, SessionStatements.firstWord(sql))).as(sql).isFalse();
        }
    }

    @Test
    void serverComputedValuesWithoutParenthesesAreNotReplayable() {
        for (String sql : List.of("SET @t = CURRENT_TIMESTAMP", "SET @d = current_date", "SET @l = LOCALTIMESTAMP",
                "SET @u = UTC_TIMESTAMP")) {
            assertThat(SessionStatements.replayableSet(sql)).as(sql).isFalse();
        }
    }
}
