package io.shardgate.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What no driver sends: garbage, broken framing, unknown commands. One bad connection never hurts the others. */
@ExtendWith(SharedProxy.class)
class RawProtocolIT {

    private static long malformed() {
        return SharedProxy.get().context().metrics.malformedClients.sum();
    }

    private static void assertOtherClientsStillWork(Connection healthy) throws SQLException {
        try (ResultSet rs = healthy.createStatement().executeQuery("SELECT 6 * 7")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
        try (Connection fresh = SharedProxy.connect(null); ResultSet rs = fresh.createStatement().executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
        }
    }

    @Test
    void httpGarbageInsteadOfALoginClosesThatConnectionAtOnce() throws Exception {
        try (Connection healthy = SharedProxy.connect(null); RawClient raw = new RawClient(SharedProxy.port())) {
            long before = malformed();
            raw.read(); // greeting
            // "GET " read as a packet header claims a 5.5 MB payload: far over the login limit, refused without waiting
            raw.writeRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
            assertThat(malformed()).isGreaterThan(before);
            assertOtherClientsStillWork(healthy);
        }
    }

    @Test
    void aLoginPacketThatIsNotProtocol41IsRefused() throws Exception {
        try (Connection healthy = SharedProxy.connect(null); RawClient raw = new RawClient(SharedProxy.port())) {
            raw.read();
            raw.write(1, new byte[40]); // capability flags 0: no PROTOCOL_41
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
            assertOtherClientsStillWork(healthy);
        }
    }

    @Test
    void aTruncatedPacketFollowedByHangupLeavesTheProxyServing() throws Exception {
        try (Connection healthy = SharedProxy.connect(null)) {
            try (RawClient raw = new RawClient(SharedProxy.port())) {
                assertThat(raw.login(SharedProxy.USER, SharedProxy.PASSWORD).first()).isEqualTo(0x00);
                raw.writeRaw(new byte[]{100, 0, 0, 0, 0x03, 'S', 'E', 'L'}); // claims 100 bytes, sends 4
            }
            assertOtherClientsStillWork(healthy);
        }
    }

    @Test
    void aClientThatNeverLogsInIsClosedAfterTheLoginTimeout() throws Exception {
        try (RawClient raw = new RawClient(SharedProxy.port())) {
            raw.read();
            assertThat(raw.closedByPeer(Duration.ofSeconds(15))).isTrue(); // the test proxy allows 5 s
        }
    }

    @Test
    void aCommandWithAWrongSequenceIdClosesThatConnection() throws Exception {
        try (Connection healthy = SharedProxy.connect(null); RawClient raw = new RawClient(SharedProxy.port())) {
            assertThat(raw.login(SharedProxy.USER, SharedProxy.PASSWORD).first()).isEqualTo(0x00);
            raw.write(3, new byte[]{0x03, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1'});
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
            assertOtherClientsStillWork(healthy);
        }
    }

    @Test
    void unknownAndUnsupportedCommandsGetErrorsAndTheSessionGoesOn() throws Exception {
        try (RawClient raw = new RawClient(SharedProxy.port())) {
            assertThat(raw.login(SharedProxy.USER, SharedProxy.PASSWORD).first()).isEqualTo(0x00);

            raw.write(0, new byte[]{(byte) 0xEE});
            RawClient.RawPacket unknown = raw.read();
            assertThat(unknown.first()).isEqualTo(0xff);
            assertThat(unknown.errorCode()).isEqualTo(1047);

            raw.write(0, new byte[]{0x1c, 1, 0, 0, 0, 1, 0, 0, 0}); // COM_STMT_FETCH: no cursors
            RawClient.RawPacket fetch = raw.read();
            assertThat(fetch.errorCode()).isEqualTo(1235);
            assertThat(fetch.errorMessage()).contains("cursors");

            raw.write(0, new byte[]{0x0e}); // COM_PING
            assertThat(raw.read().first()).isEqualTo(0x00);

            raw.write(0, "\u0017\u0001\u0000\u0000\u0000".getBytes(StandardCharsets.US_ASCII)); // COM_STMT_EXECUTE of nothing
            assertThat(raw.read().errorCode()).isEqualTo(1243);

            raw.write(0, "\u0002mysql".getBytes(StandardCharsets.US_ASCII)); // COM_INIT_DB
            assertThat(raw.read().first()).isEqualTo(0x00);
            raw.write(0, "\u0002no_such_schema_x".getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.read().errorCode()).isEqualTo(1049);

            RawClient.RawPacket first = raw.query("SELECT DATABASE()");
            assertThat(first.first()).isEqualTo(1); // one column: the session still works
        }
    }

    @Test
    void fieldListAndStatisticsResponsesAreRelayedWhole() throws Exception {
        try (RawClient raw = new RawClient(SharedProxy.port())) {
            assertThat(raw.login(SharedProxy.USER, SharedProxy.PASSWORD).first()).isEqualTo(0x00);
            assertThat(raw.query("CREATE DATABASE IF NOT EXISTS it_raw").first()).isEqualTo(0x00);
            assertThat(raw.query("CREATE TABLE IF NOT EXISTS it_raw.fl (alpha INT, beta VARCHAR(3))").first()).isEqualTo(0x00);
            raw.write(0, "\u0002it_raw".getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.read().first()).isEqualTo(0x00);

            raw.write(0, "\u0004fl\u0000".getBytes(StandardCharsets.US_ASCII)); // COM_FIELD_LIST fl
            StringBuilder names = new StringBuilder();
            int expectedSeq = 1;
            while (true) {
                RawClient.RawPacket p = raw.read();
                assertThat(p.seq()).isEqualTo(expectedSeq++);
                if (p.first() == 0xfe && p.payload().length < 9) break; // EOF (this client did not ask for DEPRECATE_EOF)
                String def = new String(p.payload(), StandardCharsets.ISO_8859_1);
                names.append(def.contains("alpha") ? "alpha " : def.contains("beta") ? "beta " : "? ");
            }
            assertThat(names.toString()).isEqualTo("alpha beta ");

            raw.write(0, new byte[]{0x09}); // COM_STATISTICS: one plain-text packet
            RawClient.RawPacket stats = raw.read();
            assertThat(new String(stats.payload(), StandardCharsets.US_ASCII)).startsWith("Uptime:");
            assertThat(raw.query("SELECT 1").first()).as("the session goes on").isEqualTo(1);
        }
    }

    @Test
    void aWrongPasswordGetsOne1045PacketAndTheConnectionCloses() throws Exception {
        try (RawClient raw = new RawClient(SharedProxy.port())) {
            RawClient.RawPacket answer = raw.login(SharedProxy.USER, "not-the-password");
            assertThat(answer.first()).isEqualTo(0xff);
            assertThat(answer.errorCode()).isEqualTo(1045);
            assertThat(answer.errorMessage()).startsWith("Access denied for user 'app'");
            assertThat(raw.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }
}
