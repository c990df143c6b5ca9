package io.shardgate.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardgate.proxy.backend.BackendPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's shape: a HikariCP pool of 50 connections shared by 200 threads running a mixed load on the
 * sharded proxy (keyed reads and increments, merged counts, single-group transactions) for a bounded number of
 * operations. Nothing fails, every acknowledged increment is in the data, and the backend connections stay
 * bounded by the pool (each session holds at most one per shard of a statement).
 */
@ExtendWith(SharedShardedProxy.class)
class PooledLoadIT {
    static final int THREADS = 200, POOL = 50, OPS_PER_THREAD = 40, KEYS = 4000;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void twoHundredThreadsOnFiftyPooledConnectionsRunWithoutAnErrorAndLoseNothing() throws Exception {
        ShardSql.createOnEveryShard("user", ShardingIT.USER_DDL);
        try (Connection c = SharedShardedProxy.connect(); Statement s = c.createStatement()) {
            StringBuilder rows = new StringBuilder("INSERT INTO user (uid, name, score) VALUES ");
            for (int k = 0; k < KEYS; k++) rows.append(k == 0 ? "" : ",").append("(").append(k).append(", 'u").append(k).append("', 0)");
            assertThat(s.executeUpdate(rows.toString())).isEqualTo(KEYS);
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(SharedShardedProxy.url(""));
        hc.setUsername(SharedShardedProxy.USER);
        hc.setPassword(SharedShardedProxy.PASSWORD);
        hc.setMaximumPoolSize(POOL);
        hc.setMinimumIdle(POOL);
        hc.setConnectionTimeout(30_000);
        AtomicLong increments = new AtomicLong();
        AtomicInteger ops = new AtomicInteger();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < OPS_PER_THREAD; i++) {
                        try (Connection c = ds.getConnection()) {
                            increments.addAndGet(oneOperation(c));
                            ops.incrementAndGet();
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            for (Future<?> f : done) f.get(150, TimeUnit.SECONDS);
            pool.shutdown();
        }
        assertThat(errors).as("errors (first: %s)", errors.isEmpty() ? "" : errors.get(0)).isEmpty();
        assertThat(ops.get()).isEqualTo(THREADS * OPS_PER_THREAD);
        try (Connection c = SharedShardedProxy.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT SUM(score), COUNT(*) FROM user")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("every acknowledged increment, once").isEqualTo(increments.get());
            assertThat(rs.getLong(2)).isEqualTo(KEYS);
        }
        // sessions are gone: what the pools keep open is bounded by what 50 sessions could hold at once
        int open = 0;
        for (BackendPool p : SharedShardedProxy.get().context().pools.all().values()) open += p.openConnections();
        System.out.println("PooledLoadIT: " + ops.get() + " operations, " + increments.get() + " increments, "
                + open + " backend connections open afterwards");
        assertThat(open).as("backend connections open").isLessThanOrEqualTo(POOL * 4 + 8);
    }

    /**
     * Transfers between accounts on both groups from 24 threads over a pool of 12: each a transaction across
     * groups (XA) with its updates in key order (so no deadlock spans two servers); a deadlock on one server is
     * retried, as an application does. The total never changes, seen through the proxy and on the shards.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void concurrentTransfersAcrossGroupsKeepTheTotal() throws Exception {
        final int accounts = 40, threads = 24, transfers = 25, start = 1000;
        ShardSql.createOnEveryShard("user_ex", ShardingIT.USER_EX_DDL);
        try (Connection c = SharedShardedProxy.connect(); Statement s = c.createStatement()) {
            StringBuilder rows = new StringBuilder("INSERT INTO user_ex (uid, name, score) VALUES ");
            for (int k = 0; k < accounts; k++) rows.append(k == 0 ? "" : ",").append("(").append(k).append(", 'a', ").append(start).append(")");
            assertThat(s.executeUpdate(rows.toString())).isEqualTo(accounts);
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(SharedShardedProxy.url(""));
        hc.setUsername(SharedShardedProxy.USER);
        hc.setPassword(SharedShardedProxy.PASSWORD);
        hc.setMaximumPoolSize(12);
        hc.setConnectionTimeout(30_000);
        AtomicInteger committed = new AtomicInteger(), retried = new AtomicInteger();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < transfers; i++) {
                        int a = r.nextInt(accounts), b = r.nextInt(accounts - 1);
                        if (b >= a) b++;
                        int amount = 1 + r.nextInt(50);
                        for (int attempt = 1; ; attempt++) {
                            try (Connection c = ds.getConnection()) {
                                transfer(c, a, b, amount);
                                committed.incrementAndGet();
                                break;
                            } catch (SQLException e) {
                                boolean again = e.getErrorCode() == 1213 || e.getErrorCode() == 1205 || e.getErrorCode() == 1614;
                                if (!again || attempt == 20) {
                                    errors.add(e);
                                    break;
                                }
                                retried.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : done) f.get(150, TimeUnit.SECONDS);
            pool.shutdown();
        }
        System.out.println("PooledLoadIT: " + committed.get() + " transfers across groups committed, " + retried.get() + " retried");
        assertThat(errors).as("errors (first: %s)", errors.isEmpty() ? "" : errors.get(0)).isEmpty();
        assertThat(committed.get()).isEqualTo(threads * transfers);
        try (Connection c = SharedShardedProxy.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT SUM(score), COUNT(*) FROM user_ex")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("money is neither made nor lost").isEqualTo((long) accounts * start);
            assertThat(rs.getLong(2)).isEqualTo(accounts);
        }
        long onShards = 0;
        for (String shard : SharedShardedProxy.shards()) {
            try (Connection c = SharedShardedProxy.direct(shard); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(score), 0) FROM user_ex")) {
                rs.next();
                onShards += rs.getLong(1);
            }
        }
        assertThat(onShards).as("the total on the shards themselves").isEqualTo((long) accounts * start);
    }

    private static void transfer(Connection c, int from, int to, int amount) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // in key order: two transfers never wait for each other's locks on two servers at once
            int first = Math.min(from, to), second = Math.max(from, to);
            s.executeUpdate("UPDATE user_ex SET score = score " + (first == from ? "- " : "+ ") + amount + " WHERE uid = " + first);
            s.executeUpdate("UPDATE user_ex SET score = score " + (second == from ? "- " : "+ ") + amount + " WHERE uid = " + second);
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the transaction is gone with the error (a deadlock rolls it back); the retry starts afresh
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** One random operation; returns the increments it committed. */
    static long oneOperation(Connection c) throws SQLException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long uid = r.nextInt(KEYS);
        int kind = r.nextInt(10);
        if (kind < 4) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE user SET score = score + 1 WHERE uid = ?")) {
                ps.setLong(1, uid);
                return ps.executeUpdate();
            }
        }
        if (kind < 8) {
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM user WHERE uid = ?")) {
                ps.setLong(1, uid);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("u" + uid);
                }
                return 0;
            }
        }
        if (kind < 9) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM user WHERE uid < 2000")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(2000);
                return 0;
            }
        }
        // a transaction on the key's group: two increments, committed together
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("UPDATE user SET score = score + 1 WHERE uid = ?")) {
            ps.setLong(1, uid);
            int n = ps.executeUpdate();
            ps.setLong(1, uid);
            n += ps.executeUpdate();
            c.commit();
            return n;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
