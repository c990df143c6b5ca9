package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.PacketAssembler;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaValueRewriterTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** What reaches the session: whole packets as (sequence id, payload bytes), and how it ended. */
    static final class Received implements ResponseSink {
        final PacketAssembler assembler = new PacketAssembler(ALLOC);
        final List<Integer> seqs = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        int errorCode = -1;

        @Override
        public void onData(ByteBuf chunk) {
            assembler.feed(chunk, (p, seq) -> {
                byte[] b = new byte[p.readableBytes()];
                p.getBytes(p.readerIndex(), b);
                seqs.add(seq);
                payloads.add(b);
            });
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onComplete(int status, int errorCode) {
            this.errorCode = errorCode;
        }

        @Override
        public void onFailure(Throwable cause) {
            throw new AssertionError(cause);
        }

        List<String> row(int packet) {
            TextRow r = TextRow.decode(Unpooled.wrappedBuffer(payloads.get(packet)), 2);
            List<String> out = new ArrayList<>();
            for (byte[] v : r.values()) out.add(v == null ? null : new String(v, StandardCharsets.UTF_8));
            return out;
        }
    }

    private static ByteBuf packet(ByteBuf out, int seq, ByteBuf payload) {
        out.writeMediumLE(payload.readableBytes()).writeByte(seq).writeBytes(payload);
        return out;
    }

    private static ByteBuf row(String a, String b) {
        ByteBuf p = Unpooled.buffer();
        Wire.writeLenencString(p, a);
        if (b == null) p.writeByte(0xfb);
        else Wire.writeLenencString(p, b);
        return p;
    }

    /** Two columns, classic EOFs, the given rows; packets numbered from 1. */
    private static ByteBuf answer(String[][] rows) {
        ByteBuf out = Unpooled.buffer();
        int seq = 1;
        packet(out, seq++, Unpooled.buffer().writeByte(2));
        for (String name : new String[]{"TABLE_SCHEMA", "TABLE_NAME"}) {
            packet(out, seq++, ColumnDefinitionNamesTest.definition("information_schema", "TABLES", name, name));
        }
        packet(out, seq++, Unpooled.buffer().writeByte(0xfe).writeShortLE(0).writeShortLE(2));
        for (String[] r : rows) packet(out, seq++, row(r[0], r[1]));
        packet(out, seq, Unpooled.buffer().writeByte(0xfe).writeShortLE(0).writeShortLE(2));
        return out;
    }

    private static Received run(boolean schemata, ByteBuf response, int cut) {
        Received r = new Received();
        SchemaValueRewriter w = new SchemaValueRewriter(r, ALLOC, false, ErrorMessagesTest.DBS, schemata);
        w.onData(response.retainedSlice(0, cut));
        w.onData(response.retainedSlice(cut, response.readableBytes() - cut));
        w.onComplete(2, 0);
        return r;
    }

    @Test
    void shardDatabasesInRowsBecomeTheLogicalSchemaWhereverTheAnswerIsCut() {
        ByteBuf response = answer(new String[][]{{"sg_db_0", "user"}, {"mysql", "sg_db_0"}, {"sg_db_0x", null}});
        for (int cut = 0; cut <= response.readableBytes(); cut++) {
            Received r = run(false, response, cut);
            assertThat(r.payloads).as("cut %d", cut).hasSize(8);
            assertThat(r.row(4)).containsExactly("shop", "user");
            assertThat(r.row(5)).as("any column").containsExactly("mysql", "shop");
            assertThat(r.row(6)).as("whole values only, NULL kept").containsExactly("sg_db_0x", null);
            assertThat(r.seqs).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            assertThat(r.payloads.get(1)).as("definitions unchanged")
                    .isEqualTo(io.netty.buffer.ByteBufUtil.getBytes(ColumnDefinitionNamesTest.definition("information_schema", "TABLES", "TABLE_SCHEMA", "TABLE_SCHEMA")));
            assertThat(r.errorCode).isZero();
        }
    }

    @Test
    void schemataShowsTheLogicalSchemaOnceAndNoShardDatabase() {
        ByteBuf response = answer(new String[][]{{"information_schema", "x"}, {"sg_db_0", "x"}, {"sg_db_1", "x"}, {"SG_DB_2", "x"}, {"zeta", "x"}});
        Received r = run(true, response, 7);
        List<String> names = new ArrayList<>();
        for (int i = 4; i < r.payloads.size() - 1; i++) names.add(r.row(i).get(0));
        assertThat(names).containsExactly("information_schema", "shop", "zeta");
        assertThat(r.seqs).as("numbered without gaps").containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(r.payloads.get(r.payloads.size() - 1)[0]).isEqualTo((byte) 0xfe);
    }

    @Test
    void anErrorPassesUnchanged() {
        ByteBuf err = Packets.err(ALLOC, 1, 1146, "42S02", "Table 'information_schema.nosuch' doesn't exist");
        Received r = new Received();
        SchemaValueRewriter w = new SchemaValueRewriter(r, ALLOC, true, ErrorMessagesTest.DBS, false);
        w.onData(err);
        w.onComplete(0, 1146);
        assertThat(new String(r.payloads.get(0), 9, r.payloads.get(0).length - 9, StandardCharsets.UTF_8))
                .isEqualTo("Table 'information_schema.nosuch' doesn't exist");
        assertThat(r.errorCode).isEqualTo(1146);
    }
}
