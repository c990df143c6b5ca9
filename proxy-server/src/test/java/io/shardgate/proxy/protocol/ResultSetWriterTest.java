package io.shardgate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.backend.ResponseTracker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultSetWriterTest {

    /** Whole packets as written: header plus payload. */
    private static List<ByteBuf> packets(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        List<ByteBuf> out = new ArrayList<>();
        while (all.isReadable()) {
            int len = all.getUnsignedMediumLE(all.readerIndex());
            out.add(all.readSlice(4 + len));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aResultSetIsWellFormedAndEndsWhereATrackerSaysItEnds(boolean deprecateEof) {
        EmbeddedChannel ch = new EmbeddedChannel();
        int next = ResultSetWriter.write(ch, 1, deprecateEof, ServerStatus.AUTOCOMMIT, List.of("plan", "n"),
                List.of(Arrays.asList("g0 master: é", "1"), Arrays.asList("reason: x", null)));
        ch.flush();
        List<ByteBuf> ps = packets(ch);
        // count, 2 column defs, [EOF], 2 rows, EOF/OK
        assertThat(ps).hasSize(deprecateEof ? 6 : 7);
        for (int i = 0; i < ps.size(); i++) assertThat(Packets.sequence(ps.get(i))).isEqualTo(1 + i);
        assertThat(next).isEqualTo(1 + ps.size());

        ResponseTracker tracker = new ResponseTracker(deprecateEof);
        tracker.start(ResponseKind.RESULT);
        for (int i = 0; i < ps.size(); i++) {
            assertThat(tracker.onFrame(ps.get(i))).as("complete at packet %d", i).isEqualTo(i == ps.size() - 1);
        }
        assertThat(tracker.status()).isEqualTo(ServerStatus.AUTOCOMMIT);

        ByteBuf row = ps.get(deprecateEof ? 3 : 4).skipBytes(4);
        assertThat(Wire.readLenencString(row, StandardCharsets.UTF_8)).isEqualTo("g0 master: é");
        assertThat(Wire.readLenencString(row, StandardCharsets.UTF_8)).isEqualTo("1");
        ByteBuf nullRow = ps.get(deprecateEof ? 4 : 5).skipBytes(4);
        Wire.readLenencString(nullRow, StandardCharsets.UTF_8);
        assertThat(Wire.readLenencBytes(nullRow)).as("SQL NULL").isNull();
        ByteBuf def = ps.get(1).skipBytes(4);
        for (int i = 0; i < 4; i++) Wire.readLenencBytes(def);
        assertThat(Wire.readLenencString(def, StandardCharsets.UTF_8)).isEqualTo("plan");
    }
}
