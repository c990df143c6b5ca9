package io.shardgate.proxy.logical;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorMessagesTest {
    static final ShardDatabases DBS = new ShardDatabases("shop", "sg_db_0",
            List.of("sg_db_0", "sg_db_1", "sg_db_2", "sg_db_10"));
    private final ErrorMessages messages = new ErrorMessages(DBS);

    @Test
    void qualifiedAndQuotedShardDatabasesBecomeTheLogicalSchema() {
        assertThat(messages.rewrite("Table 'sg_db_2.user' doesn't exist")).isEqualTo("Table 'shop.user' doesn't exist");
        assertThat(messages.rewrite("Unknown database 'sg_db_0'")).isEqualTo("Unknown database 'shop'");
        assertThat(messages.rewrite("Unknown column 'sg_db_1.user.x' in 'field list'"))
                .isEqualTo("Unknown column 'shop.user.x' in 'field list'");
        assertThat(messages.rewrite("SELECT command denied for table `sg_db_10`.`user`"))
                .isEqualTo("SELECT command denied for table `shop`.`user`");
        assertThat(messages.rewrite("near sg_db_2.user where")).isEqualTo("near shop.user where");
        assertThat(messages.rewrite("both 'sg_db_0.a' and 'SG_DB_1.b'")).isEqualTo("both 'shop.a' and 'shop.b'");
    }

    @Test
    void onlyWholeNamesThatReadAsADatabaseAreReplaced() {
        for (String m : List.of("Table 'xsg_db_1.user' doesn't exist", "Table 'sg_db_11.user' doesn't exist",
                "Unknown database 'sg_db_1x'", "the word sg_db_1 alone", "x.sg_db_1 at the end", "'sg_db_3.user'",
                "db_sg_db_0.t")) {
            assertThat(messages.rewrite(m)).as(m).isSameAs(m);
        }
        assertThat(messages.rewrite("Table 'sg_db_10.user'")).as("the longer name, not its prefix")
                .isEqualTo("Table 'shop.user'");
    }

    @Test
    void bytesOutsideTheNameComeBackUnchangedWhateverTheirCharacterSet() {
        byte[] latin1 = "Duplicate entry 'caf\u00e9' for key 'PRIMARY' in 'sg_db_0.t'".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new String(messages.rewrite(latin1), StandardCharsets.ISO_8859_1))
                .isEqualTo("Duplicate entry 'caf\u00e9' for key 'PRIMARY' in 'shop.t'");
        byte[] utf8 = "Table '\u00e9sg_db_0.t' and 'sg_db_0.\u00fc'".getBytes(StandardCharsets.UTF_8);
        assertThat(new String(messages.rewrite(utf8), StandardCharsets.UTF_8))
                .as("a multi-byte character before the name makes it part of a longer word")
                .isEqualTo("Table '\u00e9sg_db_0.t' and 'shop.\u00fc'");
        assertThat(messages.rewrite("nothing here".getBytes(StandardCharsets.UTF_8))).isNull();
    }
}
