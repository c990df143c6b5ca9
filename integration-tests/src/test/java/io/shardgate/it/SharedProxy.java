package io.shardgate.it;

import io.shardgate.monitor.StaticTopologySource;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.ProxyServer;
import io.shardgate.proxy.auth.AuthPlugin;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxGroup;
import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardMap;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONE proxy per integration-test run, in this JVM, in front of {@link SharedSandbox}. Use
 * {@code @ExtendWith(SharedProxy.class)} and {@link #get()}; it is closed at the end of the run through the
 * root extension store.
 */
public final class SharedProxy implements BeforeAllCallback {
    public static final String USER = "app";
    public static final String PASSWORD = "app-secret";
    public static final String SHA2_USER = "sha2user";
    public static final String SHA2_PASSWORD = "sha2-secret";
    /** A second caching_sha2_password user, so one test can see the RSA path with nothing cached for it. */
    public static final String SHA2_RSA_USER = "sha2rsa";
    /** A second mysql_native_password user, to check what one user may do to another's sessions. */
    public static final String OTHER_USER = "other";
    public static final String OTHER_PASSWORD = "other-secret";
    /** The largest statement the test proxy accepts (smaller than the default, to test the limit cheaply). */
    public static final int MAX_PACKET = 48 << 20;

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedProxy.class);
    private static ProxyServer proxy;

    public static synchronized ProxyServer get() {
        if (proxy == null) {
            Sandbox sb = SharedSandbox.get();
            Map<String, GroupDef> groups = new LinkedHashMap<>();
            for (SandboxGroup g : sb.groups()) {
                groups.put(g.name(), new GroupDef(g.name(), g.master(), g.replicas()));
            }
            ShardMap map = new ShardMap(1, "userdb", groups);
            Map<String, ProxyConfig.User> users = Map.of(
                    USER, new ProxyConfig.User(USER, PASSWORD, AuthPlugin.MYSQL_NATIVE_PASSWORD),
                    SHA2_USER, new ProxyConfig.User(SHA2_USER, SHA2_PASSWORD, AuthPlugin.CACHING_SHA2_PASSWORD),
                    SHA2_RSA_USER, new ProxyConfig.User(SHA2_RSA_USER, SHA2_PASSWORD, AuthPlugin.CACHING_SHA2_PASSWORD),
                    OTHER_USER, new ProxyConfig.User(OTHER_USER, OTHER_PASSWORD, AuthPlugin.MYSQL_NATIVE_PASSWORD));
            Path dataDir = Path.of(System.getProperty("basedir", "."), "target", "proxy-data");
            ProxyConfig config = new ProxyConfig(new Endpoint("127.0.0.1", freePort()), null, map, users,
                    new ProxyConfig.Frontend("auto", AuthPlugin.MYSQL_NATIVE_PASSWORD, MAX_PACKET, 5_000, 0, 45, 4096),
                    new ProxyConfig.Backend(Sandbox.PROXY_USER, Sandbox.PROXY_PASSWORD, 5_000, 1_000, 64, 600_000),
                    new ProxyConfig.Tls(true, null, null, dataDir),
                    // reads to masters: these tests read what other connections (or the backends directly) just
                    // wrote; replica reads have their own proxy in ReadWriteSplitIT
                    ProxyConfig.Reads.MASTER_ONLY);
            try {
                proxy = ProxyServer.start(config, new StaticTopologySource(Topology.of(map)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return proxy;
    }

    public static int port() {
        return get().port();
    }

    /** {@code jdbc:mysql://127.0.0.1:<proxy>/<db>?<params>} with sslMode=DISABLED unless params say otherwise. */
    public static String url(String db, String params) {
        String p = params == null || params.isEmpty() ? "" : "&" + params;
        String ssl = p.contains("sslMode=") ? "" : "&sslMode=DISABLED";
        return "jdbc:mysql://127.0.0.1:" + port() + "/" + (db == null ? "" : db) + "?connectTimeout=10000" + ssl + p;
    }

    public static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(url(db, null), USER, PASSWORD);
    }

    /** A connection straight to a server of the sandbox, bypassing the proxy (root, no password). */
    public static Connection direct(Endpoint server, String db) throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + server + "/" + (db == null ? "" : db)
                + "?sslMode=DISABLED&connectTimeout=10000", Sandbox.ROOT_USER, "");
    }

    /** A loopback port nothing listens on now (for a test's own proxy). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // the sandbox must outlive the proxy: the store closes in reverse order of insertion, so it goes in first
        new SharedSandbox().beforeAll(context);
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Closer.class, k -> new Closer(get()), Closer.class);
    }

    private record Closer(ProxyServer server) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (SharedProxy.class) {
                server.close();
                if (proxy == server) proxy = null;
            }
        }
    }
}
