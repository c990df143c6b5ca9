package io.shardgate.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Many clients at once, bounded in count and time. */
@ExtendWith(SharedProxy.class)
class ConcurrencyIT {

    @BeforeAll
    static void schema() throws SQLException {
        try (Connection c = SharedProxy.connect(null); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS it_conc");
            s.execute("DROP TABLE IF EXISTS it_conc.hits");
            s.execute("CREATE TABLE it_conc.hits (client INT, n INT, PRIMARY KEY (client, n))");
            s.execute("DROP TABLE IF EXISTS it_conc.pool");
            s.execute("CREATE TABLE it_conc.pool (worker INT, n INT, PRIMARY KEY (worker, n))");
        }
    }

    @Test
    void twoHundredConcurrentClientConnectionsEachRunningQueriesFinishWithoutError() throws Exception {
        int clients = 200, rounds = 10;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch allConnected = new CountDownLatch(clients);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int client = i;
                results.add(pool.submit(() -> {
                    try (Connection c = SharedProxy.connect("it_conc")) {
                        allConnected.countDown();
                        // every client holds its connection until all 200 are open: they really are concurrent
                        assertThat(allConnected.await(60, TimeUnit.SECONDS)).isTrue();
                        int ok = 0;
                        try (PreparedStatement ins = c.prepareStatement("INSERT INTO hits VALUES (?, ?)");
                             PreparedStatement sel = c.prepareStatement("SELECT COUNT(*) FROM hits WHERE client = ?")) {
                            for (int n = 0; n < rounds; n++) {
                                ins.setInt(1, client);
                                ins.setInt(2, n);
                                ins.executeUpdate();
                                sel.setInt(1, client);
                                try (ResultSet rs = sel.executeQuery()) {
                                    rs.next();
                                    if (rs.getInt(1) == n + 1) ok++;
                                }
                            }
                        }
                        return ok;
                    }
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(rounds);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = SharedProxy.connect("it_conc"); ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM hits")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(clients * rounds);
        }
    }

    @Test
    void aHikariPoolOnTheApplicationSideRunsAMixedLoadWithoutError() throws Exception {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(SharedProxy.url("it_conc", null));
        cfg.setUsername(SharedProxy.USER);
        cfg.setPassword(SharedProxy.PASSWORD);
        cfg.setMaximumPoolSize(20);
        cfg.setConnectionTimeout(10_000);
        int workers = 32, opsPerWorker = 100;
        try (HikariDataSource ds = new HikariDataSource(cfg)) {
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    futures.add(pool.submit(() -> {
                        for (int n = 0; n < opsPerWorker; n++) {
                            try (Connection c = ds.getConnection()) {
                                if (n % 2 == 0) {
                                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO pool VALUES (?, ?)")) {
                                        ps.setInt(1, worker);
                                        ps.setInt(2, n);
                                        ps.executeUpdate();
                                    }
                                } else {
                                    c.setAutoCommit(false);
                                    try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pool WHERE worker = " + worker)) {
                                        rs.next();
                                        assertThat(rs.getInt(1)).isEqualTo(n / 2 + 1);
                                    }
                                    c.commit();
                                    c.setAutoCommit(true);
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pool")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(workers * opsPerWorker / 2);
            }
        }
    }
}
