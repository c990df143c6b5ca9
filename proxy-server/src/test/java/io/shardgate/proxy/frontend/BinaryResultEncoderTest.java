package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardgate.proxy.merge.ColumnType;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A text result set written through the encoder comes out as the binary one, whatever the chunking and row size. */
class BinaryResultEncoderTest {

    static ByteBuf column(String name, int type) {
        ByteBuf b = Unpooled.buffer();
        for (String s : new String[]{"def", "db", "t", "t", name, name}) Wire.writeLenencString(b, s);
        Wire.writeLenenc(b, 0x0c);
        b.writeShortLE(63).writeIntLE(100).writeByte(type).writeShortLE(0).writeByte(0).writeShortLE(0);
        return b;
    }

    /** Frames payloads as physical packets (splitting at 0xFFFFFF) from sequence id 1. */
    static ByteBuf frames(List<ByteBuf> payloads) {
        ByteBuf out = Unpooled.buffer();
        int seq = 1;
        for (ByteBuf p : payloads) {
            while (true) {
                int n = Math.min(p.readableBytes(), Packets.MAX_PAYLOAD);
                out.writeMediumLE(n).writeByte(seq++);
                out.writeBytes(p, n);
                if (n < Packets.MAX_PAYLOAD) break;
            }
        }
        return out;
    }

    /** Reads logical payloads back (joining continuations), checking sequence ids run on from 1. */
    static List<ByteBuf> payloads(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        List<ByteBuf> out = new ArrayList<>();
        int seq = 1;
        ByteBuf current = Unpooled.buffer();
        while (all.isReadable()) {
            int n = all.readUnsignedMediumLE();
            assertThat((int) all.readUnsignedByte()).isEqualTo(seq++ & 0xff);
            current.writeBytes(all, n);
            if (n < Packets.MAX_PAYLOAD) {
                out.add(current);
                current = Unpooled.buffer();
            }
        }
        return out;
    }

    @Test
    void rowsBecomeBinaryRowsAndTheRestPassesWhateverTheChunking() {
        String big = "x".repeat(17_000_000); // one row over 16 MiB: a physical packet and its continuation
        List<ByteBuf> text = new ArrayList<>();
        text.add(Unpooled.buffer().writeByte(2));
        text.add(column("id", ColumnType.LONGLONG));
        text.add(column("s", ColumnType.VAR_STRING));
        ByteBuf row1 = Unpooled.buffer();
        Wire.writeLenencString(row1, "42");
        Wire.writeLenencBytes(row1, big.getBytes(StandardCharsets.US_ASCII));
        text.add(row1);
        ByteBuf row2 = Unpooled.buffer();
        row2.writeByte(0xfb); // NULL id
        Wire.writeLenencString(row2, "a");
        text.add(row2);
        text.add(Unpooled.buffer().writeByte(0xfe).writeByte(0).writeByte(0).writeShortLE(0).writeShortLE(0x0002)); // OK-as-EOF
        ByteBuf wire = frames(text);

        EmbeddedChannel ch = new EmbeddedChannel(new BinaryResultEncoder(true));
        for (int at = 0; at < wire.readableBytes(); at += 1_000_003) { // odd chunks: headers and rows cut anywhere
            ch.writeOutbound(wire.retainedSlice(at, Math.min(1_000_003, wire.readableBytes() - at)));
        }
        wire.release();
        List<ByteBuf> out = payloads(ch);
        assertThat(out).hasSize(6);
        ByteBuf r1 = out.get(3);
        assertThat((int) r1.readUnsignedByte()).isZero();     // binary row header
        assertThat((int) r1.readUnsignedByte()).isZero();     // NULL bitmap: nothing NULL
        assertThat(r1.readLongLE()).isEqualTo(42);
        assertThat(Wire.readLenencBytes(r1)).hasSize(big.length());
        assertThat(r1.isReadable()).isFalse();
        ByteBuf r2 = out.get(4);
        assertThat((int) r2.readUnsignedByte()).isZero();
        assertThat((int) r2.readUnsignedByte()).isEqualTo(0b100); // column 0 NULL: bit 0 + offset 2
        assertThat(Wire.readLenencString(r2, StandardCharsets.US_ASCII)).isEqualTo("a");
        assertThat((int) out.get(5).getUnsignedByte(0)).isEqualTo(0xfe);
        assertThat(ch.finish()).isFalse();
    }
}
