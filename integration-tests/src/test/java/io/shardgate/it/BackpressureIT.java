package io.shardgate.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that reads slowly makes the proxy stop reading from the backend instead of buffering the result. */
@ExtendWith(SharedProxy.class)
class BackpressureIT {

    @Test
    void aSlowReaderPausesTheBackendAndStillGetsEveryRow() throws Exception {
        int rows = 100_000, width = 500; // about 50 MB of result, far more than socket buffers plus the 1 MiB high-water mark
        long pausesBefore = SharedProxy.get().context().metrics.backpressurePauses.sum();
        // seq_1_to_N (MariaDB's sequence engine) resolves in whatever database is current: choose one
        try (Connection c = SharedProxy.connect("mysql"); Statement s = c.createStatement()) {
            s.setFetchSize(Integer.MIN_VALUE); // Connector/J streams rows instead of reading them all first
            try (ResultSet rs = s.executeQuery("SELECT seq, REPEAT(CHAR(65 + seq % 26), " + width + ") FROM seq_1_to_" + rows)) {
                assertThat(rs.next()).isTrue();
                // stop reading: the proxy's outbound buffer fills and it must pause the backend
                assertThat(Poll.until(Duration.ofSeconds(30),
                        () -> SharedProxy.get().context().metrics.backpressurePauses.sum() > pausesBefore))
                        .as("the proxy paused the backend while the client was not reading").isTrue();
                long count = 1, lengthSum = rs.getString(2).length(), seqSum = rs.getLong(1);
                while (rs.next()) {
                    count++;
                    seqSum += rs.getLong(1);
                    lengthSum += rs.getString(2).length();
                }
                assertThat(count).isEqualTo(rows);
                assertThat(seqSum).isEqualTo((long) rows * (rows + 1) / 2);
                assertThat(lengthSum).isEqualTo((long) rows * width);
            }
        }
    }
}
