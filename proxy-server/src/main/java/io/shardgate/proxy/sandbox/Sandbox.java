package io.shardgate.proxy.sandbox;

import io.shardgate.rules.Endpoint;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

// JDBC here is control plane (replication setup, readiness checks), never the proxy's request path.
/**
 * A local sandbox of real replicated MariaDB groups: per group one master and {@code replicas} replicas, GTID
 * replication with semi-sync, all on 127.0.0.1. Every server runs from its own folder {@code <dir>/<instance>/}
 * ({@code data/}, {@code server.sock}, {@code server.pid}, {@code error.log}, {@code stdout.log}); instance names
 * are {@code g0-m0} (master), {@code g0-r1}, {@code g0-r2}, ...
 *
 * <p>It talks to its servers over JDBC ({@link ControlSql}): setting servers up is control plane, done before
 * and beside the proxy, never on its request path.
 *
 * <p>A dir is reused when its layout file matches the spec (the servers are just started again); otherwise
 * {@link #start} fails and the user must pass {@code --fresh}. A JVM shutdown hook stops the servers if the
 * caller does not {@link #close()}.
 *
 * <p>It talks to its servers over JDBC ({@link ControlSql}): that is control plane (setup, readiness and
 * replication checks, drills), run from the command line and tests, never on the proxy's request path, which
 * speaks the protocol itself over Netty.
 */
public final class Sandbox implements AutoCloseable {

    public static final String ROOT_USER = "root";
    public static final String PROXY_USER = "shardgate";
    public static final String PROXY_PASSWORD = "shardgate";
    static final String REPL_USER = "repl";
    static final String REPL_PASSWORD = "repl";

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REPLICATION_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 200;

    private final SandboxSpec spec;
    private final Path dir;
    private final MariaDbBinaries bin;
    private final Consumer<String> progress;
    private final List<Instance> instances = new ArrayList<>();
    private final List<SandboxGroup> groups = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::close, "sandbox-shutdown");
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean hookRegistered;

    /** One server of the sandbox. */
    private static final class Instance {
        final String name;
        final int group;
        final int member;
        final int port;
        final Path home;
        final Path data;
        final Path socket;
        final Path pidFile;
        final Path errorLog;
        volatile Process process;

        Instance(SandboxSpec spec, Path dir, int group, int member) {
            this.name = SandboxSpec.instanceName(group, member);
            this.group = group;
            this.member = member;
            this.port = spec.port(group, member);
            this.home = dir.resolve(name);
            this.data = home.resolve("data");
            this.pidFile = home.resolve("server.pid");
            this.errorLog = home.resolve("error.log");
            Path sock = home.resolve("server.sock");
            // unix socket paths are limited to 108 bytes; fall back to tmp for deep sandbox dirs
            this.socket = sock.toString().length() < 100 ? sock
                    : Path.of(System.getProperty("java.io.tmpdir"), "shardgate-" + Integer.toHexString(data.toString().hashCode()) + ".sock");
        }

        boolean master() { return member == 0; }
        boolean running() { Process p = process; return p != null && p.isAlive(); }
        Endpoint hostPort() { return new Endpoint(LOOPBACK, port); }
    }

    private Sandbox(SandboxSpec spec, MariaDbBinaries bin, Consumer<String> progress) {
        this.spec = spec;
        this.dir = spec.dir().toAbsolutePath().normalize();
        this.bin = bin;
        this.progress = progress;
        for (int g = 0; g < spec.groups(); g++) {
            List<Endpoint> replicas = new ArrayList<>();
            for (int m = 0; m <= spec.replicas(); m++) {
                Instance i = new Instance(spec, dir, g, m);
                instances.add(i);
                if (m > 0) replicas.add(i.hostPort());
            }
            groups.add(new SandboxGroup(SandboxSpec.groupName(g), new Endpoint(LOOPBACK, spec.port(g, 0)), replicas));
        }
    }

    /**
     * Starts (creating or reusing {@code spec.dir()}) every server, sets up replication and waits until it runs.
     *
     * @throws IllegalStateException if the dir holds a sandbox with another layout (message says to pass --fresh)
     * @throws IOException           on a taken port, a server that does not come up (message has its error log tail), ...
     */
    public static Sandbox start(SandboxSpec spec, Consumer<String> progress) throws IOException, InterruptedException {
        return start(spec, MariaDbBinaries.locate(MariaDbBinaries.defaultCacheDir(), progress), progress);
    }

    public static Sandbox start(SandboxSpec spec, MariaDbBinaries binaries, Consumer<String> progress)
            throws IOException, InterruptedException {
        Sandbox sb = new Sandbox(spec, binaries, progress);
        try {
            sb.boot();
            return sb;
        } catch (Throwable t) {
            sb.close();
            throw t;
        }
    }

    public List<SandboxGroup> groups() { return List.copyOf(groups); }
    public Path dir() { return dir; }
    public String flavor() { return bin.flavor(); }

    // ---- start-up -----------------------------------------------------------------------------------------------

    private void boot() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        prepareDir();
        for (Instance i : instances) checkPortFree(i);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        hookRegistered = true;
        createMissingDataDirs();

        long t1 = System.nanoTime();
        for (Instance i : instances) launch(i);   // all at once, then wait: startup overlaps
        for (Instance i : instances) awaitReady(i);
        for (Instance i : instances) checkProxyAccount(i);
        progress.accept(instances.size() + " servers accept connections after " + secondsSince(t1));

        long t2 = System.nanoTime();
        setUpReplication();
        progress.accept("replication running after " + secondsSince(t2) + "; sandbox ready in " + secondsSince(t0));
    }

    private void prepareDir() throws IOException {
        Path layoutFile = dir.resolve(SandboxLayout.FILE_NAME);
        SandboxLayout wanted = SandboxLayout.of(spec, bin.flavor());
        if (Files.isDirectory(dir)) {
            boolean ours = Files.exists(layoutFile);
            if (!ours && !isEmptyDir(dir)) {
                throw new IOException(dir + " is not empty and is not a sandbox dir (no " + SandboxLayout.FILE_NAME
                        + "); refusing to use or wipe it, choose another dir");
            }
            if (ours) {
                stopLeftovers();
                if (spec.fresh()) {
                    progress.accept("wiping " + dir);
                    deleteRecursively(dir);
                } else {
                    SandboxLayout have = SandboxLayout.parse(Files.readString(layoutFile));
                    Optional<String> mismatch = have.mismatch(wanted, dir.toString());
                    if (mismatch.isPresent()) throw new IllegalStateException(mismatch.get());
                    progress.accept("reusing sandbox in " + dir);
                }
            }
        }
        Files.createDirectories(dir);
        if (!Files.exists(layoutFile)) Files.writeString(layoutFile, wanted.format());
    }

    /** Stops servers a previous (crashed or killed) run left behind in this dir: by PID, and only if they are ours. */
    private void stopLeftovers() throws IOException {
        List<ProcessHandle> leftovers = new ArrayList<>();
        try (Stream<Path> subdirs = Files.list(dir)) {
            for (Path home : (Iterable<Path>) subdirs::iterator) {
                Path pidFile = home.resolve("server.pid");
                if (!Files.isRegularFile(pidFile)) continue;
                long pid;
                try {
                    pid = Long.parseLong(Files.readString(pidFile).trim());
                } catch (NumberFormatException e) {
                    continue;
                }
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                if (ph.isEmpty() || !ph.get().isAlive() || !cmdlineHasArg(pid, "--datadir=" + home.resolve("data"))) continue;
                progress.accept("stopping leftover server pid " + pid + " of " + home.getFileName());
                ph.get().destroy();
                leftovers.add(ph.get());
            }
        }
        for (ProcessHandle ph : leftovers) {
            try {
                ph.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception timeoutOrInterrupt) {
                ph.destroyForcibly();
            }
        }
    }

    private static boolean cmdlineHasArg(long pid, String arg) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0")).contains(arg);
        } catch (IOException e) {
            return false; // gone meanwhile, or no /proc
        }
    }

    private void checkPortFree(Instance i) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // a port in TIME_WAIT is fine, mariadbd sets SO_REUSEADDR too
            s.bind(new InetSocketAddress(LOOPBACK, i.port));
        } catch (IOException e) {
            throw new IOException("port " + i.port + " needed by " + i.name + " is already in use by another process;"
                    + " stop that process or choose another base port", e);
        }
    }

    private void createMissingDataDirs() throws IOException, InterruptedException {
        List<Instance> missing = instances.stream().filter(i -> !Files.isDirectory(i.data)).toList();
        if (missing.isEmpty()) return;
        Path template = ensureTemplate();
        for (Instance i : missing) {
            progress.accept("creating " + i.name + " data directory from template");
            Path tmp = i.home.resolve("data.tmp");
            deleteRecursively(tmp);
            copyTree(template, tmp);
            Files.move(tmp, i.data); // only complete copies get the final name
        }
    }

    /** {@code <dir>/template/data}: initialised once, with the accounts, and no binary log of its own. */
    private Path ensureTemplate() throws IOException, InterruptedException {
        Path template = dir.resolve("template");
        if (Files.isDirectory(template.resolve("data"))) return template.resolve("data");
        long t0 = System.nanoTime();
        progress.accept("initialising template data directory");
        Path work = dir.resolve("template.tmp");
        deleteRecursively(work);
        Files.createDirectories(work);
        if (bin.isMySql()) initMySqlTemplate(work);
        else initMariaDbTemplate(work);
        Files.move(work, template);
        progress.accept("template ready after " + secondsSince(t0));
        return template.resolve("data");
    }

    private void initMariaDbTemplate(Path work) throws IOException, InterruptedException {
        Path data = work.resolve("data");
        List<String> install = new ArrayList<>(List.of(bin.installDb().orElseThrow().toString(), "--no-defaults",
                "--basedir=" + bin.basedir(), "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"));
        if (runningAsRoot()) install.add("--user=root");
        run(install, null, work.resolve("install-db.log"), "mariadb-install-db");

        // Accounts via --bootstrap (SQL on stdin, one statement per line; no network, no binary log), so every copy
        // starts with an empty GTID state. The DELETEs drop root@<hostname>, useless under --skip-name-resolve.
        String sql = String.join("\n",
                "FLUSH PRIVILEGES;",
                "DELETE FROM mysql.global_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');",
                "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1');",
                "FLUSH PRIVILEGES;",
                accounts("IDENTIFIED VIA mysql_native_password USING PASSWORD('" + PROXY_PASSWORD + "')"),
                "FLUSH PRIVILEGES;", "");
        Path sqlFile = work.resolve("accounts.sql");
        Files.writeString(sqlFile, sql);
        List<String> boot = new ArrayList<>(List.of(bin.mariadbd().toString(), "--no-defaults"));
        if (runningAsRoot()) boot.add("--user=root");
        boot.addAll(List.of("--bootstrap", "--basedir=" + bin.basedir(), "--datadir=" + data, "--skip-log-bin",
                "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M")); // resize the redo log once, here
        bin.langDir().ifPresent(d -> boot.add("--lc-messages-dir=" + d));
        run(boot, sqlFile, work.resolve("bootstrap.log"), "creating accounts (mariadbd --bootstrap)");
    }

    /**
     * MySQL 8.0.26+ path, written for completeness but NOT tested here (no MySQL on the dev machine): accounts come
     * from --init-file during --initialize-insecure, which does not write a binary log.
     */
    private void initMySqlTemplate(Path work) throws IOException, InterruptedException {
        // 9.x dropped mysql_native_password: there the account uses the default plugin (caching_sha2_password)
        String proxyAuth = mySqlAtLeast(9, 0) ? "IDENTIFIED BY '" + PROXY_PASSWORD + "'"
                : "IDENTIFIED WITH mysql_native_password BY '" + PROXY_PASSWORD + "'";
        String sql = String.join("\n", accounts(proxyAuth), "");
        Path sqlFile = work.resolve("accounts.sql");
        Files.writeString(sqlFile, sql);
        List<String> init = new ArrayList<>(List.of(bin.mariadbd().toString(), "--no-defaults"));
        if (runningAsRoot()) init.add("--user=root");
        init.addAll(List.of("--initialize-insecure", "--basedir=" + bin.basedir(), "--datadir=" + work.resolve("data"),
                "--init-file=" + sqlFile, "--innodb-log-file-size=48M"));
        if (mySqlAtLeast(8, 4) && !mySqlAtLeast(9, 0)) init.add("--mysql-native-password=ON");
        run(init, null, work.resolve("initialize.log"), "mysqld --initialize-insecure");
    }

    /**
     * The sandbox's accounts, one statement per line: root with no password on loopback, the proxy's account
     * ({@code proxyAuth} is its flavour's IDENTIFIED clause), and the replication account.
     */
    private static String accounts(String proxyAuth) {
        List<String> sql = new ArrayList<>();
        for (String host : List.of("127.0.0.1", "::1")) {
            sql.add("CREATE USER IF NOT EXISTS 'root'@'" + host + "';");
            sql.add("GRANT ALL PRIVILEGES ON *.* TO 'root'@'" + host + "' WITH GRANT OPTION;");
        }
        for (String host : List.of("127.0.0.1", "localhost")) {
            sql.add("CREATE USER IF NOT EXISTS '" + PROXY_USER + "'@'" + host + "' " + proxyAuth + ";");
            sql.add("GRANT ALL PRIVILEGES ON *.* TO '" + PROXY_USER + "'@'" + host + "' WITH GRANT OPTION;");
        }
        sql.add("CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';");
        sql.add("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'127.0.0.1';");
        return String.join("\n", sql);
    }

    private List<String> command(Instance i) {
        List<String> a = new ArrayList<>(List.of(
                // own session: a Ctrl-C in the terminal reaches only the JVM, whose shutdown hook stops us cleanly
                "setsid", bin.mariadbd().toString(), "--no-defaults"));
        if (runningAsRoot()) a.add("--user=root");
        a.add("--basedir=" + bin.basedir());
        bin.langDir().ifPresent(d -> a.add("--lc-messages-dir=" + d));
        bin.pluginDir().ifPresent(d -> a.add("--plugin-dir=" + d));
        a.addAll(List.of(
                "--datadir=" + i.data, "--port=" + i.port, "--bind-address=" + LOOPBACK, "--socket=" + i.socket,
                "--pid-file=" + i.pidFile, "--log-error=" + i.errorLog,
                "--server-id=" + i.port, // ports are unique on this host, so are these
                // explicit names: the defaults derive from the host name, which would break reuse if it changed
                "--log-bin=binlog", "--relay-log=relay-bin", "--binlog-format=ROW",
                "--skip-name-resolve", "--max-connections=2000", "--max-allowed-packet=256M",
                "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M",
                // sandbox speed over durability: no fsync per commit; an OS crash may lose the last second of writes
                "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
                "--read-only=" + (i.master() ? "OFF" : "ON")));
        boolean semiSyncMaster = i.master() && spec.replicas() > 0;
        if (bin.isMySql()) { // untested, see initMySqlTemplate
            a.addAll(List.of("--gtid-mode=ON", "--enforce-gtid-consistency=ON", "--mysqlx=OFF",
                    "--plugin-load-add=semisync_source.so;semisync_replica.so",
                    "--rpl-semi-sync-replica-enabled=ON", "--rpl-semi-sync-source-wait-point=AFTER_SYNC"));
            if (semiSyncMaster) a.add("--rpl-semi-sync-source-enabled=ON");
            if (mySqlAtLeast(8, 4) && !mySqlAtLeast(9, 0)) a.add("--mysql-native-password=ON");
        } else {
            a.addAll(List.of("--log-slave-updates", "--gtid-strict-mode=ON",
                    "--rpl-semi-sync-slave-enabled=ON", "--rpl-semi-sync-master-wait-point=AFTER_SYNC"));
            if (semiSyncMaster) a.add("--rpl-semi-sync-master-enabled=ON");
        }
        return a;
    }

    private void launch(Instance i) throws IOException {
        progress.accept("starting " + i.name + " on " + i.hostPort());
        Files.deleteIfExists(i.pidFile);
        i.process = new ProcessBuilder(command(i))
                .directory(i.home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(i.home.resolve("stdout.log").toFile()))
                .start();
    }

    private void awaitReady(Instance i) throws IOException, InterruptedException {
        SQLException[] last = {null};
        boolean up;
        try {
            up = poll(READY_TIMEOUT, () -> acceptsConnections(i, last));
        } catch (SQLException e) {
            throw new IOException(i.name + ": " + e.getMessage(), e); // not thrown: the probe keeps its SQL errors
        }
        if (up) return;
        if (closed.get()) throw new IOException("sandbox closed while waiting for " + i.name);
        throw new IOException(i.name + " did not accept connections on " + i.hostPort() + " within "
                + READY_TIMEOUT.toSeconds() + " s (" + (last[0] == null ? "" : last[0].getMessage()) + ")" + errorLogTail(i));
    }

    /** One readiness check: the process is alive and answers SELECT 1; the SQL error, if any, goes to {@code last[0]}. */
    private boolean acceptsConnections(Instance i, SQLException[] last) throws IOException {
        Process p = i.process;
        if (p == null || !p.isAlive()) {
            throw new IOException(i.name + " exited" + (p == null ? "" : " with code " + p.exitValue())
                    + " during startup" + errorLogTail(i));
        }
        try (Connection c = ControlSql.root(i.port)) {
            ControlSql.query(c, "SELECT 1");
            return true;
        } catch (SQLException e) {
            last[0] = e;
            return false;
        }
    }

    /** A condition {@link #poll} checks each round: true when met; an exception ends the wait with it. */
    @FunctionalInterface
    private interface Probe {
        boolean met() throws IOException, SQLException;
    }

    /**
     * Checks {@code probe} every {@value #POLL_MILLIS} ms until it is met (true), the timeout passes or the
     * sandbox is closed (false). The sleep is the polling interval; the condition itself is what is waited on.
     */
    private boolean poll(Duration timeout, Probe probe) throws IOException, SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closed.get()) {
            if (probe.met()) return true;
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(POLL_MILLIS);
        }
        return false;
    }

    /** Verifies the template's accounts where it matters: the proxy's login works. */
    private void checkProxyAccount(Instance i) throws IOException {
        try (Connection c = ControlSql.connect(i.port, PROXY_USER, PROXY_PASSWORD)) {
            ControlSql.query(c, "SELECT 1");
        } catch (SQLException e) {
            throw new IOException("cannot log in to " + i.name + " as " + PROXY_USER + ": " + e.getMessage(), e);
        }
    }

    // ---- replication --------------------------------------------------------------------------------------------

    private void setUpReplication() throws IOException, InterruptedException {
        try {
            for (Instance r : instances) {
                if (r.master()) continue;
                Instance m = masterOf(r);
                try (Connection c = ControlSql.root(r.port)) {
                    if (ControlSql.query(c, bin.isMySql() ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS").isEmpty()) {
                        // CONNECT_RETRY=1: after a master restart (failover drills) replicas reconnect within a second
                        ControlSql.exec(c, bin.isMySql()
                                ? "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + LOOPBACK + "', SOURCE_PORT=" + m.port
                                        + ", SOURCE_USER='" + REPL_USER + "', SOURCE_PASSWORD='" + REPL_PASSWORD
                                        + "', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1"
                                : "CHANGE MASTER TO MASTER_HOST='" + LOOPBACK + "', MASTER_PORT=" + m.port
                                        + ", MASTER_USER='" + REPL_USER + "', MASTER_PASSWORD='" + REPL_PASSWORD
                                        + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1");
                    }
                    ControlSql.exec(c, bin.isMySql() ? "START REPLICA" : "START SLAVE"); // no-op if already running
                }
                progress.accept(r.name + " replicating from " + m.name);
            }
            for (Instance r : instances) if (!r.master()) awaitReplicaRunning(r);
            if (spec.replicas() > 0) for (Instance m : instances) if (m.master()) awaitSemiSyncClients(m);
        } catch (SQLException e) {
            throw new IOException("replication setup failed: " + e.getMessage(), e);
        }
    }

    private Instance masterOf(Instance r) {
        return instances.stream().filter(i -> i.group == r.group && i.master()).findFirst().orElseThrow();
    }

    private void awaitReplicaRunning(Instance r) throws IOException, InterruptedException, SQLException {
        String io = bin.isMySql() ? "Replica_IO_Running" : "Slave_IO_Running";
        String sqlThread = bin.isMySql() ? "Replica_SQL_Running" : "Slave_SQL_Running";
        String[] lastState = {""};
        boolean[] running = {false};
        try (Connection c = ControlSql.root(r.port)) {
            poll(REPLICATION_TIMEOUT, () -> {
                List<Map<String, String>> rows = ControlSql.query(c, bin.isMySql() ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS");
                if (rows.isEmpty()) return false;
                Map<String, String> st = rows.get(0);
                running[0] = "Yes".equals(st.get(io)) && "Yes".equals(st.get(sqlThread));
                lastState[0] = io + "=" + st.get(io) + ", " + sqlThread + "=" + st.get(sqlThread)
                        + ", Last_IO_Error=" + st.get("Last_IO_Error") + ", Last_SQL_Error=" + st.get("Last_SQL_Error");
                // a stopped SQL thread with an error does not heal by waiting: stop polling
                return running[0] || "No".equals(st.get(sqlThread)) && !isBlank(st.get("Last_SQL_Error"));
            });
        }
        if (!running[0]) throw new IOException(r.name + ": replication not running (" + lastState[0] + ")" + errorLogTail(r));
    }

    private void awaitSemiSyncClients(Instance m) throws IOException, InterruptedException, SQLException {
        String var = bin.isMySql() ? "Rpl_semi_sync_source_clients" : "Rpl_semi_sync_master_clients";
        String want = Integer.toString(spec.replicas());
        String[] have = {null};
        try (Connection c = ControlSql.root(m.port)) {
            if (poll(REPLICATION_TIMEOUT, () -> want.equals(have[0] = ControlSql.status(c, var)))) return;
        }
        throw new IOException(m.name + ": " + var + " is " + have[0] + ", expected " + want + errorLogTail(m));
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /** Charset and collation of the databases {@link #createDatabase} creates: the same on every shard. */
    public static final String DATABASE_CHARSET = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci";

    /**
     * Creates {@code database} on {@code group}'s master unless it exists ({@code CREATE DATABASE IF NOT EXISTS}, so
     * reruns keep its data); the group's replicas get it by replication.
     *
     * @throws IllegalArgumentException for an unknown group or a name that is not a plain identifier
     * @throws IOException              when the statement fails
     */
    public void createDatabase(String group, String database) throws IOException {
        if (!database.matches("[A-Za-z0-9_$]+")) throw new IllegalArgumentException("not a plain database name: " + database);
        Instance m = instances.stream()
                .filter(i -> i.master() && SandboxSpec.groupName(i.group).equals(group))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(group + " is not a group of this sandbox"));
        try (Connection c = ControlSql.root(m.port)) {
            ControlSql.exec(c, "CREATE DATABASE IF NOT EXISTS `" + database + "` " + DATABASE_CHARSET);
        } catch (SQLException e) {
            throw new IOException("cannot create database " + database + " on " + m.name + ": " + e.getMessage(), e);
        }
        progress.accept("database " + database + " ready on " + m.name + " (" + group + ")");
    }

    // ---- drills and shutdown ------------------------------------------------------------------------------------

    /** Clean stop (SIGTERM, wait up to 60 s, then SIGKILL). No-op if it is not running. */
    public void stopInstance(Endpoint hp) {
        Instance i = find(hp);
        progress.accept("stopping " + i.name);
        Process p = i.process;
        if (p != null) {
            p.destroy();
            awaitExit(i, p);
        }
        i.process = null;
    }

    /** Starts a stopped instance with its original options and waits until it accepts connections. */
    public void startInstance(Endpoint hp) {
        Instance i = find(hp);
        if (closed.get()) throw new IllegalStateException("sandbox is closed");
        if (i.running()) return;
        try {
            checkPortFree(i);
            launch(i);
            awaitReady(i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + i.name, e);
        }
    }

    /** Stops every server this object started (in parallel), and nothing else. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<Instance> running = instances.stream().filter(Instance::running).toList();
        if (!running.isEmpty()) progress.accept("stopping " + running.size() + " sandbox server(s)");
        for (Instance i : running) i.process.destroy();
        for (Instance i : running) {
            awaitExit(i, i.process);
            i.process = null;
        }
        if (hookRegistered) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // we are (or run alongside) the hook
            }
        }
    }

    private void awaitExit(Instance i, Process p) {
        try {
            if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                progress.accept(i.name + " did not stop within " + STOP_TIMEOUT.toSeconds() + " s, killing it");
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private Instance find(Endpoint hp) {
        return instances.stream()
                .filter(i -> i.port == hp.port() && (hp.host().equals(LOOPBACK) || hp.host().equals("localhost")))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(hp + " is not a server of this sandbox"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private boolean mySqlAtLeast(int major, int minor) {
        if (!bin.isMySql()) return false;
        String[] v = bin.flavor().substring("MySQL ".length()).split("\\.");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name")); // mariadbd refuses to run as root without --user=root
    }

    private static void run(List<String> cmd, Path stdin, Path log, String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.redirectInput(stdin != null ? stdin.toFile() : new File("/dev/null"));
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(what + " did not finish within 5 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException(what + " failed with exit code " + p.exitValue() + "; tail of " + log + ":\n" + tail(log, 25));
        }
    }

    private static String errorLogTail(Instance i) {
        return "\n--- tail of " + i.errorLog + " ---\n" + tail(i.errorLog, 25);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Arrays.asList(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static String secondsSince(long t0) {
        return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean isEmptyDir(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    private void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = from.relativize(p);
                if (bin.isMySql() && rel.toString().equals("auto.cnf")) continue; // MySQL: each copy needs its own server_uuid
                Path dst = to.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(dst);
                else Files.copy(p, dst);
            }
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> all = Files.walk(p)) { // does not follow symlinks
            for (Path x : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) Files.delete(x);
        }
    }
}
