package io.shardgate.proxy.merge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardgate.proxy.protocol.ResultSetWriter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ColumnDefTest {

    @Test
    void decodesTheDocumentedColumnDefinitionExample() {
        // Protocol::ColumnDefinition41 for @@version_comment from the MySQL documentation's text resultset example
        ByteBuf p = Unpooled.wrappedBuffer(java.util.HexFormat.of().parseHex(
                "0364656600000011404076657273696f6e5f636f6d6d656e74000c0800"
                        + "1c000000fd00001f0000"));
        ColumnDef d = ColumnDef.decode(p);
        assertThat(d.name()).isEqualTo("@@version_comment");
        assertThat(d.collation()).isEqualTo(8);
        assertThat(d.length()).isEqualTo(28);
        assertThat(d.type()).isEqualTo(ColumnType.VAR_STRING);
        assertThat(d.decimals()).isEqualTo(0x1f);
        assertThat(d.family()).isEqualTo(ColumnType.Family.TEXT);
        assertThat(p.readerIndex()).as("decoding does not consume the caller's buffer").isZero();
    }

    @Test
    void aRowRoundTripsWithNulls() {
        TextRow r = new TextRow(new byte[][]{"1".getBytes(), null, new byte[300]});
        ByteBuf b = Unpooled.buffer();
        r.encode(b);
        TextRow back = TextRow.decode(b, 3);
        assertThat(back.value(0)).isEqualTo("1".getBytes());
        assertThat(back.value(1)).isNull();
        assertThat(back.value(2)).hasSize(300);
    }
}
