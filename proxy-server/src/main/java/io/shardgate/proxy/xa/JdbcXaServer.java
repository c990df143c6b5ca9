package io.shardgate.proxy.xa;

import io.shardgate.monitor.JdbcReplicaProber;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@link XaServer} over Connector/J: control plane, on the recovery thread, never on the request path (as the
 * replica probes). The account needs the right to see and end other sessions' prepared branches: on MySQL 8
 * {@code XA_RECOVER_ADMIN}; on MariaDB the proxy's usual rights on the data suffice.
 */
final class JdbcXaServer implements XaServer {
    private final Connection connection;

    private JdbcXaServer(Connection connection) {
        this.connection = connection;
    }

    /** Connects with {@code timeoutMs} for the TCP connect and {@code statementTimeoutMs} for every answer. */
    static Connector connector(String user, String password, int timeoutMs, int statementTimeoutMs) {
        return master -> {
            Properties props = new Properties();
            props.setProperty("user", user);
            props.setProperty("password", password == null ? "" : password);
            return new JdbcXaServer(DriverManager.getConnection(
                    JdbcReplicaProber.url(master, timeoutMs, statementTimeoutMs), props));
        };
    }

    @Override
    public List<Xid> recover() throws SQLException {
        List<Xid> out = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                Xid x = Xid.fromRecoverRow(rs.getLong("formatID"), rs.getInt("gtrid_length"), rs.getInt("bqual_length"),
                        rs.getBytes("data"));
                if (x != null) out.add(x);
            }
        }
        return out;
    }

    @Override
    public void execute(String sql) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException | RuntimeException ignored) {
            // closing after a failure: nothing more to do
        }
    }
}
