package io.shardgate.proxy.sandbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

// JDBC here is control plane (sandbox setup, readiness and replication checks), never the proxy's request path.
/**
 * Small JDBC helpers for talking to sandbox servers as root over 127.0.0.1. Control plane: the sandbox sets up
 * its servers (users, replication) with them before the proxy starts; no client statement goes through here.
 */
final class ControlSql {

    private static final com.mysql.cj.jdbc.Driver DRIVER = newDriver();

    private ControlSql() {}

    private static com.mysql.cj.jdbc.Driver newDriver() {
        try {
            return new com.mysql.cj.jdbc.Driver();
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static Connection connect(int port, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("connectTimeout", "3000");
        p.setProperty("socketTimeout", "60000");
        p.setProperty("sslMode", "DISABLED");
        p.setProperty("allowPublicKeyRetrieval", "true");
        // Driver directly, not DriverManager: no dependence on which class loader registered the driver.
        Connection c = DRIVER.connect("jdbc:mysql://127.0.0.1:" + port + "/", p);
        if (c == null) throw new SQLException("driver refused URL");
        return c;
    }

    static Connection root(int port) throws SQLException {
        return connect(port, Sandbox.ROOT_USER, null);
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** All rows, column label -> string value (null stays null). */
    static List<Map<String, String>> query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnLabel(i), rs.getString(i));
                rows.add(row);
            }
            return rows;
        }
    }

    /** Value of a {@code SHOW GLOBAL STATUS} variable, or null. */
    static String status(Connection c, String name) throws SQLException {
        List<Map<String, String>> rows = query(c, "SHOW GLOBAL STATUS LIKE '" + name + "'");
        return rows.isEmpty() ? null : rows.get(0).get("Value");
    }
}
