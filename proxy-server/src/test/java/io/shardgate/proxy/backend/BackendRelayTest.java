package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.InitialHandshake;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.rules.Endpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay in {@link BackendConnection}: whatever way the backend's bytes are cut into reads, the client gets
 * exactly the response's bytes with sequence ids renumbered from 1, and completion is reported once, at the end.
 */
class BackendRelayTest {
    private EmbeddedChannel channel;
    private BackendConnection conn;

    /** Collects what the relay hands over. */
    static final class Collector implements ResponseSink {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int completions;
        int status;
        int errorCode;

        @Override
        public void onData(ByteBuf chunk) {
            byte[] b = new byte[chunk.readableBytes()];
            chunk.readBytes(b);
            chunk.release();
            bytes.writeBytes(b);
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onComplete(int status, int errorCode) {
            completions++;
            this.status = status;
            this.errorCode = errorCode;
        }

        @Override
        public void onFailure(Throwable cause) {
            throw new AssertionError("unexpected failure", cause);
        }
    }

    @BeforeEach
    void logIn() {
        logIn(null);
    }

    private void logIn(ResponseRewriter rewriter) {
        channel = new EmbeddedChannel();
        Promise<BackendConnection> ready = channel.eventLoop().newPromise();
        conn = new BackendConnection(new Endpoint("127.0.0.1", 3306), new BackendProfile(0), "u", "pw", 45, null, ready,
                rewriter);
        channel.pipeline().addLast(new PacketFrameDecoder(Packets.MAX_PAYLOAD), conn);
        channel.pipeline().fireChannelActive();
        int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
                | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capabilities.MULTI_RESULTS | Capabilities.TRANSACTIONS;
        ByteBuf greeting = Packets.start(channel.alloc(), 80);
        new InitialHandshake("10.11.5-MariaDB", 7, "abcdefghijklmnopqrst".getBytes(StandardCharsets.US_ASCII), caps, 45, 2,
                "mysql_native_password").encode(greeting);
        channel.writeInbound(Packets.finish(greeting, 0));
        ByteBuf response = channel.readOutbound();
        assertThat(Packets.sequence(response)).isEqualTo(1);
        response.release();
        channel.writeInbound(Packets.ok(channel.alloc(), 2, 2));
        assertThat(ready.isSuccess()).isTrue();
        assertThat(channel.pipeline().get(PacketFrameDecoder.class)).as("frame decoder removed after login").isNull();
    }

    private static byte[] packet(int seq, int... payload) {
        byte[] b = new byte[payload.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) payload[i];
        return packet(seq, b);
    }

    private static byte[] packet(int seq, byte[] payload) {
        byte[] out = new byte[4 + payload.length];
        out[0] = (byte) payload.length;
        out[1] = (byte) (payload.length >> 8);
        out[2] = (byte) (payload.length >> 16);
        out[3] = (byte) seq;
        System.arraycopy(payload, 0, out, 4, payload.length);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }

    private static byte[] columnDef(String name) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (String s : new String[]{"def", "db", "t", "t", name, name}) {
            o.write(s.length());
            o.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
        o.writeBytes(new byte[]{0x0c, 0x21, 0, 0x0b, 0, 0, 0, 0x03, 0, 0, 0, 0, 0});
        return o.toByteArray();
    }

    /** A text result set (2 columns, 3 rows, classic EOFs), its packets numbered from {@code firstSeq}. */
    private static byte[] resultSet(int firstSeq) {
        int s = firstSeq;
        return concat(
                packet(s++, 2),
                packet(s++, columnDef("id")),
                packet(s++, columnDef("name")),
                packet(s++, 0xfe, 0, 0, 2, 0),
                packet(s++, 1, '1', 3, 'a', 'b', 'c'),
                packet(s++, 1, '2', 0xfb),
                packet(s++, 1, '3', 0),
                packet(s, 0xfe, 0, 0, 0x22, 0));
    }

    private static byte[] renumbered(byte[] response) {
        byte[] out = response.clone();
        int seq = 1;
        for (int i = 0; i < out.length; ) {
            int len = (out[i] & 0xff) | (out[i + 1] & 0xff) << 8 | (out[i + 2] & 0xff) << 16;
            out[i + 3] = (byte) seq++;
            i += 4 + len;
        }
        return out;
    }

    private Collector run(ResponseKind kind, byte[] response, int... cuts) {
        Collector sink = new Collector();
        conn.execute(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), kind, sink, 1);
        drainOutbound();
        int from = 0;
        for (int cut : cuts) {
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(response, from, cut)));
            from = cut;
        }
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(response, from, response.length)));
        return sink;
    }

    private void drainOutbound() {
        Object o;
        while ((o = channel.readOutbound()) != null) ((ByteBuf) o).release();
    }

    @Test
    void aResultSetCutAtEveryPossiblePlaceArrivesWholeAndRenumbered() {
        byte[] response = resultSet(5);
        byte[] expected = renumbered(response);
        for (int cut = 1; cut < response.length; cut++) {
            Collector sink = run(ResponseKind.RESULT, response, cut);
            assertThat(sink.bytes.toByteArray()).as("cut at %d", cut).isEqualTo(expected);
            assertThat(sink.completions).as("cut at %d", cut).isEqualTo(1);
            assertThat(sink.status).isEqualTo(0x22);
        }
    }

    @Test
    void aResultSetDeliveredOneByteAtATimeArrivesWhole() {
        byte[] response = resultSet(1);
        int[] cuts = new int[response.length - 1];
        for (int i = 0; i < cuts.length; i++) cuts[i] = i + 1;
        Collector sink = run(ResponseKind.RESULT, response, cuts);
        assertThat(sink.bytes.toByteArray()).isEqualTo(response);
        assertThat(sink.completions).isEqualTo(1);
    }

    @Test
    void anErrorCutInsideItsMessageCompletesWithTheServersCodeStateAndMessage() {
        byte[] msg = "Table 'x.y' doesn't exist".getBytes(StandardCharsets.UTF_8);
        byte[] payload = concat(new byte[]{(byte) 0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2'}, msg);
        byte[] response = packet(1, payload);
        for (int cut = 1; cut < response.length; cut++) {
            Future<Void> f = conn.executeInternal(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), ResponseKind.RESULT, "test");
            drainOutbound();
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(response, 0, cut)));
            assertThat(f.isDone()).as("not done before the whole ERR arrived (cut %d)", cut).isFalse();
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(response, cut, response.length)));
            assertThat(f.cause()).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.code).isEqualTo(1146);
                assertThat(e.sqlState).isEqualTo("42S02");
                assertThat(e.getMessage()).isEqualTo("Table 'x.y' doesn't exist");
            });
        }
    }

    /** Upper-cases the names of column definitions and the messages of errors; a marker the test can see. */
    private static final ResponseRewriter UPPER = new ResponseRewriter() {
        @Override
        public ByteBuf error(io.netty.buffer.ByteBufAllocator alloc, ByteBuf buf, int index, int length) {
            return alloc.buffer().writeBytes(buf, index, 9)
                    .writeBytes(buf.toString(index + 9, length - 9, StandardCharsets.US_ASCII).toUpperCase()
                            .concat(" (renamed)").getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public ByteBuf columnDefinition(io.netty.buffer.ByteBufAllocator alloc, ByteBuf buf, int index, int length) {
            String name = io.shardgate.proxy.merge.ColumnDef.decode(buf.slice(index, length)).name();
            return name.equals("name") ? Unpooled.wrappedBuffer(columnDef("NAME_RENAMED")) : null;
        }
    };

    @Test
    void aRewriterReplacesDefinitionsAndErrorsWhereverTheReadsAreCutAndLeavesRowsAlone() {
        logIn(UPPER);
        byte[] rows = resultSet(1);
        byte[] expected = concat(packet(1, 2), packet(2, columnDef("id")), packet(3, columnDef("NAME_RENAMED")),
                packet(4, 0xfe, 0, 0, 2, 0), packet(5, 1, '1', 3, 'a', 'b', 'c'), packet(6, 1, '2', 0xfb),
                packet(7, 1, '3', 0), packet(8, 0xfe, 0, 0, 0x22, 0));
        for (int cut = 1; cut < rows.length; cut++) {
            Collector sink = run(ResponseKind.RESULT, rows, cut);
            assertThat(sink.bytes.toByteArray()).as("cut at %d", cut).isEqualTo(expected);
            assertThat(sink.completions).isEqualTo(1);
        }
        byte[] error = concat(packet(1, 1), packet(2, columnDef("id")), packet(3, 0xfe, 0, 0, 2, 0),
                packet(4, 1, '1'), packet(5, concat(new byte[]{(byte) 0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2'},
                        "gone".getBytes(StandardCharsets.US_ASCII))));
        byte[] expectedError = concat(Arrays.copyOf(error, error.length - 4 - 13),
                packet(5, concat(new byte[]{(byte) 0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2'},
                        "GONE (renamed)".getBytes(StandardCharsets.US_ASCII))));
        for (int cut = 1; cut < error.length; cut++) {
            Collector sink = run(ResponseKind.RESULT, error, cut);
            assertThat(sink.bytes.toByteArray()).as("cut at %d", cut).isEqualTo(expectedError);
            assertThat(sink.errorCode).isEqualTo(1146);
        }
        Future<Void> f = conn.executeInternal(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), ResponseKind.RESULT, "test");
        drainOutbound();
        channel.writeInbound(Unpooled.wrappedBuffer(packet(1, concat(new byte[]{(byte) 0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2'},
                "gone".getBytes(StandardCharsets.US_ASCII)))));
        assertThat(f.cause()).as("the proxy's own statements hear the rewritten error too").hasMessage("GONE (renamed)");
    }

    @Test
    void aRowLargerThan16MiBStreamsThroughBeforeItHasFullyArrived() {
        int total = Packets.MAX_PAYLOAD + 1000; // one row: a full 0xFFFFFF packet, then a 1000-byte continuation
        byte[] row = new byte[total];
        row[0] = (byte) 0xfe; // length-encoded string prefix of 8 bytes, as a >16 MiB column starts
        byte[] response = concat(
                packet(1, 1),
                packet(2, columnDef("blob")),
                packet(3, 0xfe, 0, 0, 2, 0),
                header(Packets.MAX_PAYLOAD, 4), Arrays.copyOfRange(row, 0, Packets.MAX_PAYLOAD),
                header(1000, 5), Arrays.copyOfRange(row, Packets.MAX_PAYLOAD, total),
                packet(6, 0xfe, 0, 0, 2, 0));
        Collector sink = new Collector();
        conn.execute(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), ResponseKind.RESULT, sink, 1);
        drainOutbound();
        int chunk = 1 << 20;
        boolean streamedEarly = false;
        for (int from = 0; from < response.length; from += chunk) {
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(response, from, Math.min(response.length, from + chunk))));
            if (from == 4 * chunk) streamedEarly = sink.bytes.size() > 4 * chunk - 64;
        }
        assertThat(streamedEarly).as("bytes of the big row were passed on before the row was complete").isTrue();
        assertThat(sink.completions).isEqualTo(1);
        assertThat(sink.bytes.toByteArray()).isEqualTo(response);
    }

    private static byte[] header(int length, int seq) {
        return new byte[]{(byte) length, (byte) (length >> 8), (byte) (length >> 16), (byte) seq};
    }

    @Test
    void theReplyToACommandOfSeveralPacketsIsNumberedAfterItsLastPacket() {
        // a 20 MiB statement arrives as packets 0 and 1: the client expects the answer as packet 2
        Collector sink = new Collector();
        conn.execute(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), ResponseKind.RESULT, sink, 2);
        drainOutbound();
        channel.writeInbound(Unpooled.wrappedBuffer(packet(1, 0, 1, 0, 2, 0, 0, 0)));
        byte[] out = sink.bytes.toByteArray();
        assertThat(out[3]).isEqualTo((byte) 2);
        assertThat(sink.completions).isEqualTo(1);
        assertThat(conn.nextRelaySequence()).isEqualTo(3);
    }

    @Test
    void multipleResultsCompleteOnlyAfterTheLast() {
        byte[] firstOk = packet(1, 0, 0, 0, 0x0a, 0, 0, 0); // OK with MORE_RESULTS_EXISTS | AUTOCOMMIT
        byte[] response = concat(firstOk, resultSet(2));
        Collector sink = run(ResponseKind.RESULT, response, firstOk.length);
        assertThat(sink.completions).isEqualTo(1);
        assertThat(sink.bytes.toByteArray()).isEqualTo(renumbered(response));
    }

    @Test
    void bytesAfterTheEndOfAResponseCloseTheConnection() {
        byte[] response = concat(packet(1, 0, 0, 0, 2, 0, 0, 0), packet(2, 0, 0, 0, 2, 0, 0, 0));
        Collector sink = new Collector();
        conn.execute(Unpooled.wrappedBuffer(new byte[]{0x03, 'x'}), ResponseKind.RESULT, sink, 1);
        drainOutbound();
        channel.writeInbound(Unpooled.wrappedBuffer(response));
        assertThat(channel.isOpen()).isFalse();
    }
}
