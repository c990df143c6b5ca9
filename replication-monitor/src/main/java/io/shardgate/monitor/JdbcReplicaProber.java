package io.shardgate.monitor;

import io.shardgate.rules.Endpoint;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Probes replicas with Connector/J: one connection per replica, kept open between probes and reopened after any
 * error. Runs {@code SHOW REPLICA STATUS} (MySQL 8.0.22+, MariaDB 10.5+) and, where the server does not know that
 * syntax, {@code SHOW SLAVE STATUS}; reads {@code Replica_IO_Running / Replica_SQL_Running / Seconds_Behind_Source}
 * (MySQL) or {@code Slave_IO_Running / Slave_SQL_Running / Seconds_Behind_Master} (MariaDB, whatever the statement).
 * Several rows (MySQL channels) are combined: every thread must run, the lag is the largest.
 *
 * <p>JDBC is fine here: probing is control plane, on the monitor's own thread, never on the request path.
 *
 * <p>The account needs, on MariaDB 10.5.9+, {@code SLAVE MONITOR} (alias {@code REPLICA MONITOR}; {@code REPLICATION
 * CLIENT} is not enough there), on MySQL {@code REPLICATION CLIENT}.
 *
 * <p>Each probe is bounded: {@code timeoutMs} for the TCP connect, and as socket timeout for every read (login
 * included). A kept connection found lost is reopened at once, within the same probe (so a server closing idle
 * connections does not take its replica out), so one probe takes at most about twice those timeouts. Meant to be
 * called from one thread; {@link #close} may come from another.
 */
public final class JdbcReplicaProber implements ReplicaProber {
    private static final String SHOW_REPLICA_STATUS = "SHOW REPLICA STATUS";
    private static final String SHOW_SLAVE_STATUS = "SHOW SLAVE STATUS";
    private static final int ER_PARSE_ERROR = 1064;

    private final String user;
    private final String password;
    private final int timeoutMs;
    private final Map<Endpoint, Probed> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A kept connection and the status statement its server accepts (null until known). */
    private static final class Probed {
        final Connection connection;
        String statement;

        Probed(Connection connection) {
            this.connection = connection;
        }
    }

    public JdbcReplicaProber(String user, String password, int timeoutMs) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = password == null ? "" : password;
        if (timeoutMs <= 0) throw new IllegalArgumentException("timeoutMs " + timeoutMs + " is not positive");
        this.timeoutMs = timeoutMs;
    }

    static String url(Endpoint replica, int timeoutMs) {
        return url(replica, timeoutMs, timeoutMs);
    }

    /** The control-plane JDBC URL of a server (also XA recovery's): bounded connect and reads, no TLS. */
    public static String url(Endpoint server, int connectTimeoutMs, int socketTimeoutMs) {
        // allowPublicKeyRetrieval: caching_sha2_password accounts (MySQL 8) without TLS need the server's RSA key
        return "jdbc:mysql://" + server + "/?connectTimeout=" + connectTimeoutMs + "&socketTimeout=" + socketTimeoutMs
                + "&sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }

    @Override
    public ReplicaProbe probe(Endpoint replica) {
        if (closed) return ReplicaProbe.unreachable("prober closed");
        Probed p = connections.get(replica);
        boolean reused = p != null;
        if (!reused) {
            try {
                p = open(replica);
            } catch (SQLException | RuntimeException e) {
                return ReplicaProbe.unreachable(describe(e));
            }
        }
        try {
            return status(p);
        } catch (SQLException e) {
            drop(replica, p);
            boolean connectionLost = e.getSQLState() != null && e.getSQLState().startsWith("08"); // lost, timed out
            // a kept connection may have been closed by the server meanwhile (wait_timeout, KILL): one fresh try
            if (connectionLost && reused && !closed) return probe(replica);
            return connectionLost
                    ? ReplicaProbe.unreachable(describe(e))
                    : ReplicaProbe.failed("cannot read replica status: " + describe(e));
        } catch (RuntimeException e) {
            drop(replica, p);
            return ReplicaProbe.failed("cannot read replica status: " + describe(e));
        }
    }

    private Probed open(Endpoint replica) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        Probed p = new Probed(DriverManager.getConnection(url(replica, timeoutMs), props));
        connections.put(replica, p);
        if (closed) { // close() ran meanwhile: do not leak
            drop(replica, p);
            throw new SQLException("prober closed");
        }
        return p;
    }

    private ReplicaProbe status(Probed p) throws SQLException {
        if (p.statement == null) {
            try {
                ReplicaProbe r = run(p.connection, SHOW_REPLICA_STATUS);
                p.statement = SHOW_REPLICA_STATUS;
                return r;
            } catch (SQLException e) {
                if (e.getErrorCode() != ER_PARSE_ERROR) throw e;
                p.statement = SHOW_SLAVE_STATUS; // MySQL before 8.0.22, MariaDB before 10.5
            }
        }
        return run(p.connection, p.statement);
    }

    private static ReplicaProbe run(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            int io = column(md, "Replica_IO_Running", "Slave_IO_Running");
            int sqlThread = column(md, "Replica_SQL_Running", "Slave_SQL_Running");
            int lag = column(md, "Seconds_Behind_Source", "Seconds_Behind_Master");
            if (io < 0 || sqlThread < 0 || lag < 0) {
                return ReplicaProbe.failed(sql + " has no IO/SQL thread or lag columns");
            }
            boolean any = false;
            boolean ioRunning = true;
            boolean sqlRunning = true;
            Long maxLag = 0L;
            while (rs.next()) {
                any = true;
                ioRunning &= "Yes".equalsIgnoreCase(rs.getString(io));
                sqlRunning &= "Yes".equalsIgnoreCase(rs.getString(sqlThread));
                long l = rs.getLong(lag);
                if (rs.wasNull()) maxLag = null;
                else if (maxLag != null) maxLag = Math.max(maxLag, l);
            }
            return any ? ReplicaProbe.status(ioRunning, sqlRunning, maxLag) : ReplicaProbe.notReplicating();
        }
    }

    private static int column(ResultSetMetaData md, String name, String alternative) throws SQLException {
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String label = md.getColumnLabel(i);
            if (name.equalsIgnoreCase(label) || alternative.equalsIgnoreCase(label)) return i;
        }
        return -1;
    }

    /** First line of the message, and the root cause's when different ({@code Communications link failure (Connection refused)}). */
    public static String describe(Throwable e) {
        String msg = firstLine(e.getMessage());
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String rootMsg = root == e ? null : firstLine(root.getMessage());
        if (msg == null) msg = e.getClass().getSimpleName();
        return rootMsg == null || msg.contains(rootMsg) ? msg : msg + " (" + rootMsg + ")";
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) return null;
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    private void drop(Endpoint replica, Probed p) {
        connections.remove(replica, p);
        closeQuietly(p.connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // closing a broken connection: nothing to do
        }
    }

    /** Number of connections kept open (tests). */
    int openConnections() {
        return connections.size();
    }

    /** The connection kept for {@code replica}, or null (tests). */
    Connection kept(Endpoint replica) {
        Probed p = connections.get(replica);
        return p == null ? null : p.connection;
    }

    @Override
    public void retainOnly(Set<Endpoint> replicas) {
        connections.forEach((e, p) -> {
            if (!replicas.contains(e)) drop(e, p);
        });
    }

    @Override
    public void close() {
        closed = true;
        connections.forEach(this::drop);
    }
}
