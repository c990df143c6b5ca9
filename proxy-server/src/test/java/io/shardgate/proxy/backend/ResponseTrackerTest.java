package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.protocol.Hex;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.shardgate.proxy.protocol.Hex.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where a backend response ends. Every case lists whole physical packets (header included) and expects
 * onFrame to return false for all of them but the last, true on the last.
 *
 * <p>Sources: OK, ERR and EOF are the MySQL source documentation examples (OK_Packet, ERR_Packet, EOF_Packet
 * pages); the one-column result set is the "Text Resultset" example of the MySQL Internals Manual
 * (SELECT @@version_comment); the column definitions of the two-column result sets reuse the documented
 * ColumnDefinition41 layout "03 64 65 66 00 00 00 01 &lt;name&gt; 00 0c 3f 00 01 00 00 00 08 81 00 00 00 00"
 * (catalog "def", one-letter name, binary charset, LONGLONG, NOT_NULL|BINARY); the rest is derived by hand
 * from the Text Resultset / COM_FIELD_LIST / multi-resultset descriptions, as noted per case.
 */
class ResponseTrackerTest {

    // ---- documented packets -----------------------------------------------------------------------------------
    /** OK_Packet example: 0 rows, AUTOCOMMIT. */
    static final String OK_AUTOCOMMIT = "07 00 00 01 00 00 00 02 00 00 00";
    /** ERR_Packet example: 1096 HY000 "No tables used". */
    static final String ERR_1096 = "17 00 00 01 ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 20 75 73 65 64";
    /** The @@version_comment text result set of the Internals Manual, without DEPRECATE_EOF. */
    static final String[] VERSION_COMMENT = {
            "01 00 00 01 01",
            "27 00 00 02 03 64 65 66 00 00 00 11 40 40 76 65 72 73 69 6f 6e 5f 63 6f 6d 6d 65 6e 74 00 0c 08 00"
                    + " 1c 00 00 00 fd 00 00 1f 00 00",
            "05 00 00 03 fe 00 00 02 00",
            "1d 00 00 04 1c 4d 79 53 51 4c 20 43 6f 6d 6d 75 6e 69 74 79 20 53 65 72 76 65 72 20 28 47 50 4c 29",
            "05 00 00 05 fe 00 00 02 00",
    };

    // ---- hand-derived packets ---------------------------------------------------------------------------------
    static String col(int seq, char name) {
        return String.format("17 00 00 %02x 03 64 65 66 00 00 00 01 %02x 00 0c 3f 00 01 00 00 00 08 81 00 00 00 00",
                seq, (int) name);
    }

    /** Three rows of two columns; the 2nd row starts with 0x00 (empty string), the 3rd with 0xfb (NULL). */
    static String[] rows(int firstSeq) {
        return new String[]{
                String.format("04 00 00 %02x 01 31 01 61", firstSeq),          // "1", "a"
                String.format("03 00 00 %02x 00 01 62", firstSeq + 1),         // "", "b"
                String.format("03 00 00 %02x fb 01 63", firstSeq + 2),         // NULL, "c"
        };
    }

    static String eof(int seq, int status) {
        return String.format("05 00 00 %02x fe 00 00 %02x %02x", seq, status & 0xff, status >> 8);
    }

    /** OK packet with the 0xFE header that replaces the final EOF under CLIENT_DEPRECATE_EOF. */
    static String okEof(int seq, int status) {
        return String.format("07 00 00 %02x fe 00 00 %02x %02x 00 00", seq, status & 0xff, status >> 8);
    }

    static String ok(int seq, int status) {
        return String.format("07 00 00 %02x 00 00 00 %02x %02x 00 00", seq, status & 0xff, status >> 8);
    }

    /** ERR 1317 (70100) "Query execution was interrupted", as a server sends it while streaming rows. */
    static String errInterrupted(int seq) {
        return String.format("28 00 00 %02x ff 25 05 23 37 30 31 30 30 51 75 65 72 79 20 65 78 65 63 75 74 69 6f 6e"
                + " 20 77 61 73 20 69 6e 74 65 72 72 75 70 74 65 64", seq);
    }

    static List<String> concat(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof String s) out.add(s);
            else for (String s : (String[]) p) out.add(s);
        }
        return out;
    }

    record Case(boolean deprecateEof, ResponseKind kind, Supplier<List<ByteBuf>> frames, int status, int errorCode) {}

    static Case hexCase(boolean deprecateEof, ResponseKind kind, List<String> frames, int status, int errorCode) {
        return new Case(deprecateEof, kind, () -> frames.stream().map(Hex::hex).toList(), status, errorCode);
    }

    static Stream<Arguments> responses() {
        int more = 0x000a;   // AUTOCOMMIT | SERVER_MORE_RESULTS_EXISTS
        return Stream.of(
                // ---- OK / ERR only, either mode
                Arguments.of("OK only", hexCase(false, ResponseKind.RESULT, List.of(OK_AUTOCOMMIT), 0x0002, 0)),
                Arguments.of("OK only, DEPRECATE_EOF", hexCase(true, ResponseKind.RESULT, List.of(OK_AUTOCOMMIT), 0x0002, 0)),
                Arguments.of("ERR only", hexCase(false, ResponseKind.RESULT, List.of(ERR_1096), 0, 1096)),
                Arguments.of("ERR only, DEPRECATE_EOF", hexCase(true, ResponseKind.RESULT, List.of(ERR_1096), 0, 1096)),
                Arguments.of("OK with lenenc counters (1000 rows, id 7, status 0x0022)",
                        hexCase(false, ResponseKind.RESULT, List.of("09 00 00 01 00 fc e8 03 07 22 00 01 00"), 0x0022, 0)),

                // ---- text result sets
                Arguments.of("documented @@version_comment result set",
                        hexCase(false, ResponseKind.RESULT, List.of(VERSION_COMMENT), 0x0002, 0)),
                Arguments.of("2 columns, 3 rows, EOF terminators",
                        hexCase(false, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), eof(4, 0x0002), rows(5), eof(8, 0x0022)),
                                0x0022, 0)),
                Arguments.of("2 columns, 3 rows, DEPRECATE_EOF (no EOF after columns, OK-0xFE terminator)",
                        hexCase(true, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), rows(4), okEof(7, 0x0022)),
                                0x0022, 0)),
                Arguments.of("2 columns, no rows",
                        hexCase(false, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), eof(4, 0x0002), eof(5, 0x0002)),
                                0x0002, 0)),
                Arguments.of("2 columns, no rows, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), okEof(4, 0x0002)), 0x0002, 0)),
                Arguments.of("OK-0xFE terminator carrying affected rows and info, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.RESULT,
                                concat("01 00 00 01 01", col(2, 'a'), "02 00 00 03 01 31",
                                        "0a 00 00 04 fe 03 00 22 00 00 00 61 62 63"),
                                0x0022, 0)),

                // ---- multiple results: only the packet without SERVER_MORE_RESULTS_EXISTS ends the response
                Arguments.of("OK with MORE_RESULTS, then a result set",
                        hexCase(false, ResponseKind.RESULT,
                                concat(ok(1, more), "01 00 00 02 02", col(3, 'a'), col(4, 'b'), eof(5, 0x0002),
                                        rows(6), eof(9, 0x0002)),
                                0x0002, 0)),
                Arguments.of("OK with MORE_RESULTS, then a result set, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.RESULT,
                                concat(ok(1, more), "01 00 00 02 02", col(3, 'a'), col(4, 'b'), rows(5), okEof(8, 0x0002)),
                                0x0002, 0)),
                Arguments.of("CALL: two result sets with MORE_RESULTS on their EOFs, then the closing OK "
                                + "(layout of the Internals Manual multi-resultset example)",
                        hexCase(false, ResponseKind.RESULT, List.of(
                                "01 00 00 01 01", col(2, '1'), eof(3, more), "02 00 00 04 01 31", eof(5, more),
                                "01 00 00 06 01", col(7, '2'), eof(8, more), "02 00 00 09 01 32", eof(10, more),
                                "07 00 00 0b 00 01 00 02 00 00 00"), 0x0002, 0)),
                // ERR carries no status: status() stays that of the last OK/EOF seen (ResponseSink ignores it on ERR)
                Arguments.of("OK with MORE_RESULTS, then ERR",
                        hexCase(false, ResponseKind.RESULT, List.of(ok(1, more), ERR_1096.replace("17 00 00 01", "17 00 00 02")),
                                more, 1096)),

                // ---- ERR while streaming rows
                Arguments.of("ERR in the middle of rows",
                        hexCase(false, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), eof(4, 0x0002),
                                        rows(5)[0], rows(5)[1], errInterrupted(7)), 0, 1317)),
                Arguments.of("ERR in the middle of rows, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.RESULT,
                                concat("01 00 00 01 02", col(2, 'a'), col(3, 'b'), rows(4)[0], errInterrupted(5)), 0, 1317)),

                // ---- rows of 16 MiB and more: continuations are never classified
                Arguments.of("a row of exactly 0xFFFFFF bytes whose continuation looks like an EOF",
                        new Case(false, ResponseKind.RESULT, () -> bigRowResultSet(false, "fe 00 00 02 00"), 0x0002, 0)),
                Arguments.of("a row of exactly 0xFFFFFF bytes whose continuation looks like an OK-0xFE, DEPRECATE_EOF",
                        new Case(true, ResponseKind.RESULT, () -> bigRowResultSet(true, "fe 00 00 02 00 00 00"), 0x0002, 0)),
                Arguments.of("a row whose first physical packet starts with 0xFE (a column of 2^24 bytes)",
                        new Case(false, ResponseKind.RESULT, () -> hugeColumnResultSet(false), 0x0002, 0)),
                Arguments.of("a row whose first physical packet starts with 0xFE (a column of 2^24 bytes), DEPRECATE_EOF",
                        new Case(true, ResponseKind.RESULT, () -> hugeColumnResultSet(true), 0x0002, 0)),

                // ---- COM_FIELD_LIST: column definitions then EOF (or OK-0xFE), or ERR
                Arguments.of("FIELD_LIST",
                        hexCase(false, ResponseKind.FIELD_LIST, List.of(col(1, 'a'), col(2, 'b'), eof(3, 0x0002)), 0x0002, 0)),
                Arguments.of("FIELD_LIST, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.FIELD_LIST, List.of(col(1, 'a'), col(2, 'b'), okEof(3, 0x0002)), 0x0002, 0)),
                Arguments.of("FIELD_LIST of an empty table",
                        hexCase(false, ResponseKind.FIELD_LIST, List.of(eof(1, 0x0002)), 0x0002, 0)),
                Arguments.of("FIELD_LIST on a missing table: ERR 1146 (42S02)",
                        hexCase(false, ResponseKind.FIELD_LIST, List.of(
                                "22 00 00 01 ff 7a 04 23 34 32 53 30 32 54 61 62 6c 65 20 27 74 2e 78 27 20 64 6f 65 73"
                                        + " 6e 27 74 20 65 78 69 73 74"), 0, 1146)),

                // ---- COM_STMT_PREPARE: PREPARE_OK (stmt id 1, columns, params, filler, warnings), param defs, column defs
                Arguments.of("PREPARE: 2 columns, 1 parameter",
                        hexCase(false, ResponseKind.PREPARE, List.of("0c 00 00 01 00 01 00 00 00 02 00 01 00 00 00 00",
                                col(2, '?'), eof(3, 0x0002), col(4, 'a'), col(5, 'b'), eof(6, 0x0002)), 0, 0)),
                Arguments.of("PREPARE: 2 columns, 1 parameter, DEPRECATE_EOF",
                        hexCase(true, ResponseKind.PREPARE, List.of("0c 00 00 01 00 01 00 00 00 02 00 01 00 00 00 00",
                                col(2, '?'), col(3, 'a'), col(4, 'b')), 0, 0)),
                Arguments.of("PREPARE: no columns (an INSERT), 2 parameters",
                        hexCase(false, ResponseKind.PREPARE, List.of("0c 00 00 01 00 07 00 00 00 00 00 02 00 00 00 00",
                                col(2, '?'), col(3, '?'), eof(4, 0x0002)), 0, 0)),
                Arguments.of("PREPARE: neither (SET ...)",
                        hexCase(false, ResponseKind.PREPARE, List.of("0c 00 00 01 00 07 00 00 00 00 00 00 00 00 00 00"), 0, 0)),
                Arguments.of("PREPARE: ERR", hexCase(false, ResponseKind.PREPARE, List.of(ERR_1096), 0, 1096)),

                // ---- commands answered by one packet
                Arguments.of("SINGLE: OK (COM_PING)", hexCase(false, ResponseKind.SINGLE, List.of(OK_AUTOCOMMIT), 0x0002, 0)),
                Arguments.of("SINGLE: ERR", hexCase(true, ResponseKind.SINGLE, List.of(ERR_1096), 0, 1096)),
                Arguments.of("SINGLE: EOF (COM_SET_OPTION), documented EOF example",
                        hexCase(false, ResponseKind.SINGLE, List.of("05 00 00 05 fe 00 00 02 00"), 0x0002, 0)),
                Arguments.of("SINGLE: a plain string (COM_STATISTICS, \"Uptime: 42\")",
                        hexCase(false, ResponseKind.SINGLE, List.of("0a 00 00 01 55 70 74 69 6d 65 3a 20 34 32"), 0, 0))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void onFrameIsTrueExactlyOnTheLastFrame(String name, Case c) {
        ResponseTracker tracker = new ResponseTracker(c.deprecateEof());
        tracker.start(c.kind());
        List<ByteBuf> frames = c.frames().get();
        List<Integer> completedAt = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            ByteBuf f = frames.get(i);
            int reader = f.readerIndex();
            if (tracker.onFrame(f)) completedAt.add(i);
            assertThat(f.readerIndex()).as("onFrame must not consume the frame it relays").isEqualTo(reader);
            if (!completedAt.isEmpty()) break;
        }
        assertThat(completedAt).as("index of the frame that completed the response").containsExactly(frames.size() - 1);
        assertThat(tracker.idle()).isTrue();
        assertThat(tracker.status()).as("status flags").isEqualTo(c.status());
        assertThat(tracker.errorCode()).as("error code").isEqualTo(c.errorCode());
    }

    /**
     * Result set whose single row is exactly 0xFFFFFF + tail.length bytes, so that it travels as a 0xFFFFFF packet
     * plus a continuation holding exactly {@code tail}: row = lenenc string of (tail - 5) 'x' + "fd ff ff ff" +
     * 0xFFFFFF bytes of data ending with {@code tail}. Hand-derived from "Sending more than 16Mb".
     */
    static List<ByteBuf> bigRowResultSet(boolean deprecateEof, String tailHex) {
        byte[] tail = Hex.bytes(tailHex);
        int c = tail.length - 5;
        byte[] row = new byte[Packets.MAX_PAYLOAD + tail.length];
        int i = 0;
        row[i++] = (byte) c;
        for (int k = 0; k < c; k++) row[i++] = 'x';
        row[i++] = (byte) 0xfd;
        row[i++] = (byte) 0xff;
        row[i++] = (byte) 0xff;
        row[i++] = (byte) 0xff;
        assertThat(i).isEqualTo(tail.length);
        System.arraycopy(tail, 0, row, row.length - tail.length, tail.length);
        List<ByteBuf> frames = new ArrayList<>();
        frames.add(hex("01 00 00 01 02"));
        frames.add(hex(col(2, 'a')));
        frames.add(hex(col(3, 'b')));
        int seq = 4;
        if (!deprecateEof) frames.add(hex(eof(seq++, 0x0002)));
        frames.add(Hex.frame(seq++, row, 0, Packets.MAX_PAYLOAD));
        ByteBuf continuation = Hex.frame(seq++, row, Packets.MAX_PAYLOAD, tail.length);
        assertThat(Hex.dump(continuation.slice(4, tail.length))).isEqualTo(Hex.norm(tailHex));
        frames.add(continuation);
        frames.add(hex(deprecateEof ? okEof(seq, 0x0002) : eof(seq, 0x0002)));
        return frames;
    }

    /**
     * One column, one row holding a string of 2^24 bytes: its length is "fe 00 00 00 01 00 00 00 00", so the row
     * (16 777 225 bytes) goes as a 0xFFFFFF packet starting with 0xFE and a 10-byte continuation.
     */
    static List<ByteBuf> hugeColumnResultSet(boolean deprecateEof) {
        byte[] row = new byte[9 + (1 << 24)];
        System.arraycopy(Hex.bytes("fe 00 00 00 01 00 00 00 00"), 0, row, 0, 9);
        row[row.length - 10] = (byte) 0xfe;                     // the continuation starts with 0xfe too
        List<ByteBuf> frames = new ArrayList<>();
        frames.add(hex("01 00 00 01 01"));
        frames.add(hex(col(2, 'a')));
        int seq = 3;
        if (!deprecateEof) frames.add(hex(eof(seq++, 0x0002)));
        frames.add(Hex.frame(seq++, row, 0, Packets.MAX_PAYLOAD));
        frames.add(Hex.frame(seq++, row, Packets.MAX_PAYLOAD, row.length - Packets.MAX_PAYLOAD));
        assertThat(row.length - Packets.MAX_PAYLOAD).isEqualTo(10);
        frames.add(hex(deprecateEof ? okEof(seq, 0x0002) : eof(seq, 0x0002)));
        return frames;
    }

    // ---- state handling ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theTrackerIsReusableAfterAResponse(boolean deprecateEof) {
        ResponseTracker t = new ResponseTracker(deprecateEof);
        t.start(ResponseKind.RESULT);
        assertThat(t.onFrame(hex(ERR_1096))).isTrue();
        assertThat(t.errorCode()).isEqualTo(1096);
        t.start(ResponseKind.RESULT);
        assertThat(t.errorCode()).as("reset by start").isZero();
        assertThat(t.onFrame(hex(ok(1, 0x0003)))).isTrue();
        assertThat(t.status()).isEqualTo(0x0003);
        assertThat(t.errorCode()).isZero();
    }

    @Test
    void startWhileBusyIsRefused() {
        ResponseTracker t = new ResponseTracker(false);
        assertThat(t.idle()).isTrue();
        t.start(ResponseKind.RESULT);
        assertThat(t.idle()).isFalse();
        assertThatThrownBy(() -> t.start(ResponseKind.RESULT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPacketWithNoCommandInFlightIsMalformed() {
        ResponseTracker t = new ResponseTracker(false);
        assertThatThrownBy(() -> t.onFrame(hex(OK_AUTOCOMMIT))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void aLocalInfileRequestIsRefused() {
        // LOCAL INFILE request: 0xfb + file name "/etc/passwd" (hand-derived)
        ResponseTracker t = new ResponseTracker(false);
        t.start(ResponseKind.RESULT);
        assertThatThrownBy(() -> t.onFrame(hex("0c 00 00 01 fb 2f 65 74 63 2f 70 61 73 73 77 64")))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("LOAD DATA LOCAL");
    }

    @Test
    void anEmptyFirstPacketIsMalformed() {
        ResponseTracker t = new ResponseTracker(false);
        t.start(ResponseKind.RESULT);
        assertThatThrownBy(() -> t.onFrame(hex("00 00 00 01"))).isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void aMissingEofAfterTheColumnsIsMalformedWithoutDeprecateEof() {
        ResponseTracker t = new ResponseTracker(false);
        t.start(ResponseKind.RESULT);
        assertThat(t.onFrame(hex("01 00 00 01 01"))).isFalse();
        assertThat(t.onFrame(hex(col(2, 'a')))).isFalse();
        assertThatThrownBy(() -> t.onFrame(hex("02 00 00 03 01 31")))
                .isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("EOF");
    }

    @Test
    void statusIsThatOfTheLastPacketNotTheFirst() {
        ResponseTracker t = new ResponseTracker(true);
        t.start(ResponseKind.RESULT);
        assertThat(t.onFrame(hex(ok(1, 0x000b)))).isFalse();   // IN_TRANS | AUTOCOMMIT | MORE_RESULTS
        assertThat(t.status()).isEqualTo(0x000b);
        assertThat(t.onFrame(hex(ok(2, 0x0003)))).isTrue();
        assertThat(t.status()).isEqualTo(0x0003);
    }

    @Test
    void anOkPacketsLastInsertIdAndWarningsAreKept() {
        ResponseTracker t = new ResponseTracker(true);
        t.start(ResponseKind.RESULT);
        // OK: 1 row, last insert id 300 (0xfc 2c 01), status AUTOCOMMIT, 2 warnings
        assertThat(t.onFrame(hex("09 00 00 01 00 01 fc 2c 01 02 00 02 00"))).isTrue();
        assertThat(t.lastInsertId()).isEqualTo(300);
        assertThat(t.warnings()).isEqualTo(2);
        assertThat(t.status()).isEqualTo(0x0002);
        t.start(ResponseKind.RESULT);
        assertThat(t.lastInsertId()).as("each response starts afresh").isZero();
        assertThat(t.onFrame(hex(ok(1, 0x0002)))).isTrue();
        assertThat(t.lastInsertId()).isZero();
        assertThat(t.warnings()).isZero();
    }

    @Test
    void theWarningsOfAResultSetAreThoseOfItsFinalEof() {
        ResponseTracker t = new ResponseTracker(false);
        t.start(ResponseKind.RESULT);
        assertThat(t.onFrame(hex("01 00 00 01 01"))).isFalse();
        assertThat(t.onFrame(hex(col(2, 'a')))).isFalse();
        assertThat(t.onFrame(hex(eof(3, 0x0002)))).isFalse();
        assertThat(t.onFrame(hex("05 00 00 04 fe 03 00 02 00"))).isTrue(); // EOF: 3 warnings, AUTOCOMMIT
        assertThat(t.warnings()).isEqualTo(3);
    }
}
