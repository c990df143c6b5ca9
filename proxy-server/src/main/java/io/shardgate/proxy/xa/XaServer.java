package io.shardgate.proxy.xa;

import java.sql.SQLException;
import java.util.List;

/**
 * One control-plane session on a group master, as recovery needs it: list our prepared branches, end them. JDBC
 * (SQLException) because recovery runs at start and on its own retry thread, never on the request path: there,
 * backend connections are the proxy's own protocol over Netty.
 */
public interface XaServer extends AutoCloseable {

    /** Opens a session on a master; fails when the master cannot be reached. */
    @FunctionalInterface
    interface Connector {
        XaServer connect(io.shardgate.rules.Endpoint master) throws SQLException;
    }

    /** The prepared branches {@code XA RECOVER} lists that carry shardgate's format id. */
    List<Xid> recover() throws SQLException;

    /** Runs one statement ({@code XA COMMIT}, {@code XA ROLLBACK}); fails with the server's error. */
    void execute(String sql) throws SQLException;

    @Override
    void close();
}
