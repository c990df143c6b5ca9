package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.protocol.ErrPacket;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogicalResponsesTest {
    private static ShardMap map(String yaml) {
        return ShardMap.fromYaml(YamlNode.parse("t.yaml", yaml), 1);
    }

    static final ShardMap SHARDED = map("""
            schema: shop
            groups:
              g0: { master: 127.0.0.1:3306 }
            shards:
              s0: { group: g0, database: sg_db_0 }
              s1: { group: g0, database: sg_db_1 }
            default_shard: s0
            """);

    private static ByteBuf err(String message) {
        ByteBuf b = Unpooled.buffer().writeByte(0xff).writeShortLE(1146).writeByte('#');
        b.writeCharSequence("42S02", StandardCharsets.US_ASCII);
        return b.writeBytes(message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anErrorKeepsItsCodeAndStateAndNamesTheLogicalSchema() {
        LogicalResponses r = LogicalResponses.of(SHARDED);
        ByteBuf in = err("Table 'sg_db_1.user' doesn't exist");
        ByteBuf out = r.error(ByteBufAllocator.DEFAULT, in, 0, in.readableBytes());
        assertThat(ErrPacket.decode(out)).isEqualTo(new ErrPacket(1146, "42S02", "Table 'shop.user' doesn't exist"));
        ByteBuf other = err("Table 'otherdb.user' doesn't exist");
        assertThat(r.error(ByteBufAllocator.DEFAULT, other, 0, other.readableBytes())).isNull();
    }

    @Test
    void aMapWithoutShardsRenamesNothing() {
        assertThat(LogicalResponses.of(map("""
                groups:
                  g0: { master: 127.0.0.1:3306 }
                """))).isNull();
    }
}
