package io.shardgate.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendPool;
import io.shardgate.proxy.backend.BackendProfile;
import io.shardgate.proxy.backend.BackendException;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.backend.ResponseSink;
import io.shardgate.proxy.protocol.Capabilities;
import io.shardgate.proxy.protocol.Collations;
import io.shardgate.proxy.protocol.Command;
import io.shardgate.proxy.protocol.ErrorCode;
import io.shardgate.proxy.protocol.HandshakeResponse;
import io.shardgate.proxy.protocol.LogicalPacketDecoder;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packet;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ResultSetWriter;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.exec.FanoutWrite;
import io.shardgate.proxy.exec.ScatterRead;
import io.shardgate.proxy.exec.ShardCall;
import io.shardgate.router.RoutePlan;
import io.shardgate.router.RouteTarget;
import io.shardgate.router.Role;
import io.shardgate.monitor.Topology;
import io.shardgate.proxy.backend.ReplicaBalancer;
import io.shardgate.rules.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The command phase of one client connection. Each command is planned by the router and carried out on the
 * session's backend connection; the response is relayed to the client as it arrives, without decoding rows.
 * A slow client stops reads from the backend (autoRead off until the client's socket drains), so a large
 * result never piles up in the proxy; a client that sends commands before reading answers stops being read
 * once one is queued.
 *
 * <p>Until multiplexing arrives, a session keeps its backend connections from first use to close: the one to
 * its default group's master from login (every unsharded statement runs there, so session settings simply
 * hold), and one more per shard a statement needs at once, taken when first needed. Those replay the
 * session's SET statements ({@link SessionSets}) before their first statement. Statements for one shard
 * are relayed as they come back; statements for several are answered by {@link FanoutWrite} (writes) or
 * {@link ScatterRead} (merged reads).
 *
 * <p>With a sharded map the logical schema is the proxy's: {@code USE} / COM_INIT_DB naming it selects the
 * default shard's database on the default connection, and the current database decides how unqualified
 * table names are planned.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements ResponseSink {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** Commands (and their bytes) a client may send before the previous one is answered; MySQL clients do not pipeline. */
    private static final int MAX_QUEUED = 64;
    private static final long MAX_QUEUED_BYTES = 16 << 20;

    private final ProxyContext proxy;
    private final long connectionId;
    private final String user;
    private final int charset;
    private final Charset textCharset;
    /** The character set the statement in hand was decoded with (see {@link #decode}); rewritten text is encoded in it. */
    private Charset stmtCharset;
    private final boolean deprecateEof;
    /**
     * The session's connection to the default group's master: the one its unrouted statements, USE and the
     * like run on. Null between statements while the session is multiplexed ({@link #detach}).
     */
    private BackendConnection backend;
    /** Backend connections are given back between statements when the session holds no state on them. */
    private final boolean multiplexing;
    /** A statement left state only its connection has ({@link SessionStatements#keepsConnection}): no multiplexing. */
    private boolean keepsConnection;
    /** The last statement ended with warnings: its connection is kept for a SHOW WARNINGS until the next command. */
    private boolean warningsPending;
    /** The statement {@link #runsDetached} decoded and found free of connection state, for {@link #query}. */
    private ByteBuf checkedPayload;
    private String checkedSql;
    /** The previous command left warnings or an error on the default connection, which this one runs on. */
    private boolean diagnosticsHere;
    /** Other sessions' KILLs of this one's running statement, each holding its connection until it has run. */
    private int killHolds;
    /** A {@code SET TRANSACTION ...} for the next transaction only waits on the default connection. */
    private boolean oneShotSet;
    /** A statement failed: what it left open on its connections is unknown, so they are reset when given back. */
    private boolean dirty;
    /** The last value the session's statements generated (OK packets), what LAST_INSERT_ID() stands for. */
    private long lastInsertId;
    private final BackendProfile profile;
    /** Backend connections the session holds, the default one first. */
    private final List<Held> held = new ArrayList<>();
    private final SessionSets sets = new SessionSets();
    /** The database the client made current (as it named it), or null. */
    private String currentDb;
    /** The backend connection whose response is being relayed to the client, if any. */
    private BackendConnection relaying;
    /** The merged read in progress, if any. */
    private ScatterRead scatter;
    /**
     * The client is in a transaction (BEGIN, or autocommit off). Without sharding, as the default connection's
     * server status says; with sharding, as the session's own transaction handling says (below).
     */
    private boolean inTransaction;
    /**
     * Sharding: the connection holding the client's transaction, pinned to the group of its first statement
     * (BEGIN is sent there just before that statement), and that group; null until then.
     */
    private Held txnConn;
    private String txnGroup;
    /** The XA transaction id of the client's transaction, when it runs as XA (across groups); else null. */
    private String gtrid;
    /** XA: the branch of each group the transaction has touched (the first one's is {@link #txnConn}). */
    private final java.util.LinkedHashMap<String, Held> branches = new java.util.LinkedHashMap<>(4);
    /** The transaction set a savepoint: it cannot take in another group (the savepoint would not cover it). */
    private boolean savepointSet;
    /** The response being relayed answers a statement (COM_QUERY), so its server status is the session's. */
    private boolean relayingStatement;
    /** Sharding: autocommit is off for the client; each transaction begins with its first statement. */
    private boolean autocommitOff;
    /** How the client began its transaction (BEGIN, START TRANSACTION READ ONLY ...), sent when it is pinned. */
    private String txnBegin = "BEGIN";
    private final PreparedStatements prepared = new PreparedStatements();
    /** A COM_STMT_EXECUTE's answer is being written through {@link BinaryResultEncoder}. */
    private boolean binaryAnswer;
    /** Runs when the statement in flight ends, however it ended. */
    private Runnable onDone;
    /** Statements that leave state only their connection has: after one, the session's reads stay on masters. */
    private static final java.util.regex.Pattern LEAVES_STATE = java.util.regex.Pattern.compile(
            "(?is)\\s*(?:CREATE\\s+(?:OR\\s+REPLACE\\s+)?TEMPORARY\\b.*|SELECT\\b.*(?::=|\\bINTO\\s+@).*)");
    /** Set by {@link #LEAVES_STATE}; cleared by COM_RESET_CONNECTION. */
    private boolean readsOnMaster;
    /** Groups the statement in flight writes to: their reads go to masters for a while after it. */
    private List<String> writeGroups;
    /** Read-your-writes by GTID: the connection of the session's last write to each group, not yet asked. */
    private final java.util.Map<String, Held> lastWriter = new java.util.HashMap<>(4);
    /** Read-your-writes by GTID: the GTID a group's reads wait for on a replica. */
    private final java.util.Map<String, String> awaitedGtid = new java.util.HashMap<>(4);
    /** Read-your-writes by GTID: what each replica is known to have applied of it. */
    private final java.util.Map<Endpoint, String> replicaReached = new java.util.HashMap<>(4);
    /** When the session last wrote to each group (System.nanoTime), for read-your-writes. */
    private final java.util.Map<String, Long> writtenAt = new java.util.HashMap<>(4);
    /** Runs when the relayed response ends without an error (it records what the statement changed). */
    private Runnable onSuccess;
    private final ArrayDeque<Packet> queue = new ArrayDeque<>();
    private long queuedBytes;
    private ChannelHandlerContext ctx;
    private Channel client;
    private boolean busy;
    private boolean closing;
    /** The client toggled an option (COM_SET_OPTION) a reset does not undo: the connection must not be pooled. */
    private boolean backendOptionsChanged;

    ClientSession(ProxyContext proxy, long connectionId, HandshakeResponse login, BackendConnection backend) {
        this.proxy = proxy;
        this.connectionId = connectionId;
        this.user = login.user();
        this.charset = login.charset();
        this.textCharset = Collations.javaCharset(login.charset());
        this.stmtCharset = textCharset;
        this.deprecateEof = Capabilities.has(login.capabilities(), Capabilities.DEPRECATE_EOF);
        this.backend = backend;
        this.profile = BackendProfile.of(login.capabilities());
        this.currentDb = login.database();
        this.multiplexing = proxy.config.backend().multiplex();
        Held primary = new Held(backend);
        primary.applied = sets.latest();
        primary.db = proxy.backendDatabase(login.database());
        held.add(primary);
    }

    /** A backend connection of this session, and how much of the session's SET history it has applied. */
    private static final class Held {
        final BackendConnection connection;
        long applied;
        boolean taken;
        /** The database selected on it, when known. */
        String db;
        /** Forgets it when it closes; removed when the session lets go of it (the pool keeps the connection). */
        io.netty.util.concurrent.GenericFutureListener<io.netty.util.concurrent.Future<? super Void>> onClose;

        /** Gives the connection back to its pool (reads on: the pool's reset must be read), forgetting it here. */
        void release(ProxyContext proxy) {
            if (onClose != null) connection.channel().closeFuture().removeListener(onClose);
            connection.channel().config().setAutoRead(true);
            proxy.pools.pool(connection.endpoint()).release(connection);
        }

        Held(BackendConnection connection) {
            this.connection = connection;
        }
    }

    public long connectionId() {
        return connectionId;
    }

    public String user() {
        return user;
    }

    /** The default connection, or null while the session holds none (multiplexed, between statements). */
    BackendConnection backend() {
        return backend;
    }

    /** KILL of an idle multiplexed session: it ends as one whose backend thread was killed. */
    void closeByKill() {
        client.eventLoop().execute(() -> {
            if (closing) return;
            closing = true;
            client.close();
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = ctx.channel();
        proxy.register(this);
        // a backend that goes away between statements (killed, restarted, timed out) takes its session with it;
        // during a statement, onFailure says so to the client first
        backend.channel().closeFuture().addListener(primaryClosed);
        detachWhenIdle();
    }

    /** Closes the client when its default connection goes away between statements (removed when it is released). */
    private final io.netty.util.concurrent.GenericFutureListener<io.netty.util.concurrent.Future<? super Void>> primaryClosed = f -> {
        if (!busy && !closing) {
            log.info("session {}: backend connection to {} closed; closing the client connection",
                    ClientSession.this.connectionId, ClientSession.this.backend.endpoint());
            closing = true;
            client.close();
        }
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Packet p = (Packet) msg;
        if (closing) {
            p.release();
            return;
        }
        if (busy) {
            queue.add(p);
            queuedBytes += p.payload().readableBytes();
            if (queue.size() > MAX_QUEUED || queuedBytes > MAX_QUEUED_BYTES) {
                throw new MalformedPacketException("client sent more than " + MAX_QUEUED
                        + " commands or 16 MiB without reading the answers");
            }
            client.config().setAutoRead(false); // resumed when the queue drains
            return;
        }
        dispatch(p);
        if (!busy) detachWhenIdle();
    }

    private void dispatch(Packet p) {
        try {
            ByteBuf payload = p.payload();
            if (!payload.isReadable()) {
                throw new MalformedPacketException("empty command packet");
            }
            if (p.sequenceId() != 0) {
                throw new MalformedPacketException("command packet with sequence id " + p.sequenceId() + ", expected 0");
            }
            int replySeq = (p.lastSequenceId() + 1) & 0xff;
            int command = payload.getUnsignedByte(payload.readerIndex());
            if (backend == null && needsBackend(command) && !(command == Command.QUERY && runsDetached(payload))) {
                attach(p, replySeq);
                return;
            }
            diagnosticsHere = warningsPending;
            warningsPending = false; // this command runs where the last one did; after it, the connection may go
            switch (command) {
                case Command.QUIT -> {
                    closing = true;
                    ctx.close();
                }
                case Command.QUERY -> query(payload, replySeq);
                case Command.PING, Command.STATISTICS -> forward(payload, ResponseKind.SINGLE, replySeq);
                case Command.INIT_DB -> initDb(payload, replySeq);
                case Command.SET_OPTION -> {
                    backendOptionsChanged = true;
                    forward(payload, ResponseKind.SINGLE, replySeq);
                }
                case Command.RESET_CONNECTION -> resetConnection(replySeq);
                case Command.FIELD_LIST -> forward(payload, ResponseKind.FIELD_LIST, replySeq);
                case Command.PROCESS_KILL -> {
                    if (payload.readableBytes() < 5) throw new MalformedPacketException("COM_PROCESS_KILL without a thread id");
                    kill(new KillStatement(payload.getUnsignedIntLE(payload.readerIndex() + 1), false), replySeq);
                }
                // these two have no response at all: answering them would desynchronise the client
                case Command.STMT_CLOSE -> prepared.remove(payload.getUnsignedIntLE(payload.readerIndex() + 1));
                case Command.STMT_SEND_LONG_DATA -> longData(payload);
                case Command.STMT_PREPARE -> prepare(payload, replySeq);
                case Command.STMT_EXECUTE -> executePrepared(payload, replySeq);
                case Command.STMT_RESET -> {
                    PreparedStatements.Statement ps = prepared.get(payload.getUnsignedIntLE(payload.readerIndex() + 1));
                    if (ps == null) {
                        error(ErrorCode.ER_UNKNOWN_STMT_HANDLER, replySeq, "Unknown prepared statement handler given to COM_STMT_RESET");
                    } else {
                        ps.clearLongData();
                        ctx.writeAndFlush(Packets.ok(ctx.alloc(), replySeq, ServerStatus.AUTOCOMMIT));
                    }
                }
                case Command.STMT_FETCH -> error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: cursors (COM_STMT_FETCH,"
                        + " Connector/J useCursorFetch=true) are not supported; stream results instead (fetch size Integer.MIN_VALUE)");
                case Command.CHANGE_USER -> {
                    closing = true;
                    ctx.writeAndFlush(Packets.err(ctx.alloc(), replySeq, ErrorCode.ER_NOT_SUPPORTED_YET,
                                    "shardgate: COM_CHANGE_USER is not supported; open a new connection as the other user"))
                       .addListener(ChannelFutureListener.CLOSE);
                }
                default -> error(ErrorCode.ER_UNKNOWN_COM_ERROR, replySeq, "Unknown command: shardgate does not support "
                        + Command.name(command));
            }
        } finally {
            p.release();
        }
    }

    private void query(ByteBuf payload, int replySeq) {
        int first = firstLetter(payload);
        boolean mayBeProxys = first == 'k' || first == 's'; // KILL, SHARDGATE ...: the proxy's to answer
        boolean mayBeUse = first == 'u' && startsWithUse(payload);
        String sql;
        if (payload == checkedPayload) {
            sql = checkedSql; // decoded and checked by runsDetached just before
        } else {
            sql = proxy.router.needsStatementText() || mayBeProxys || mayBeUse || multiplexing ? decode(payload) : "";
        }
        boolean checked = payload == checkedPayload;
        checkedPayload = null;
        checkedSql = null;
        if (mayBeProxys) {
            KillStatement kill = KillStatement.parse(sql);
            if (kill != null) {
                kill(kill, replySeq);
                return;
            }
            AdminStatement admin = AdminStatement.parse(sql);
            if (admin != null) {
                admin(admin, replySeq);
                return;
            }
        }
        if (mayBeUse) {
            String db = SessionStatements.useDatabase(sql);
            if (db != null) {
                useDatabase(db, replySeq, true);
                return;
            }
        }
        if (multiplexing && !checked && SessionStatements.callsLastInsertId(sql) && lastInsertIdHere(sql, replySeq)) return;
        if (!proxy.router.needsStatementText()) {
            if (!multiplexing) {
                forward(payload, ResponseKind.RESULT, replySeq); // one group, its master, statements unchanged
                return;
            }
            String word = SessionStatements.firstWord(sql);
            noteConnectionState(sql, word);
            passthrough(payload, sql, word, replySeq); // SETs are remembered, to be replayed on the next connection
            return;
        }
        // the first word decides which of the session's own checks a statement needs (most need none)
        String word = SessionStatements.firstWord(sql);
        if (multiplexing && !diagnosticsHere && word.equals("SHOW") && noDiagnostics(sql, replySeq)) return;
        if (proxy.sharding()) {
            switch (word) {
                case "SELECT", "SHOW" -> {
                    if (logicalMetadata(sql, word, replySeq)) return;
                }
                case "BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET" -> {
                    // comments around BEGIN or COMMIT must not hide them: they decide where the transaction is
                    String bare = SessionStatements.withoutComments(sql);
                    SessionStatements.Txn txn = SessionStatements.transaction(bare);
                    if (txn != null) {
                        transaction(txn, bare, replySeq);
                        return;
                    }
                }
                default -> { }
            }
        }
        RoutePlan plan = proxy.router.plan(sql, currentDb);
        if (multiplexing && !checked) noteConnectionState(sql, word);
        if (!readsOnMaster && proxy.replicas != null && (word.equals("CREATE") || word.equals("SELECT") && sql.indexOf('@') >= 0)
                && LEAVES_STATE.matcher(sql).matches()) {
            // a temporary table, or a variable set by a query: only this session's master connection has it
            readsOnMaster = true;
            log.debug("session {}: reads stay on masters from now on (connection-local state)", connectionId);
        }
        if (plan.writes()) {
            writeGroups = new ArrayList<>(plan.targets().size());
            for (RouteTarget t : plan.targets()) writeGroups.add(t.group());
        }
        // in a transaction every statement belongs to it (a statement on another database's tables too: it is
        // the default group's), except those about the session itself: SET and SHOW run beside it
        if (proxy.sharding() && inTransaction && !plan.refused() && !(plan.kind() == RoutePlan.Kind.PASSTHROUGH
                && (word.equals("SET") || word.equals("SHOW")))) {
            String group = oneGroup(plan);
            boolean oneConnection = plan.kind() != RoutePlan.Kind.SCATTER_READ;
            if (group != null && oneConnection && (txnGroup == null || txnGroup.equals(group) || branches.containsKey(group))) {
                inTransaction(plan, group, payload, replySeq);
                return;
            }
            // the router's verdict: a plain read is the one it lets replicas answer
            if (plan.targets().get(0).role() != Role.REPLICA) {
                if (oneConnection && !savepointSet && (gtrid != null || txnConn == null && xaBegins())) {
                    acrossGroups(plan, payload, replySeq); // XA: each group the statement needs gets a branch
                    return;
                }
                writeGroups = null;
                RouteTarget t = plan.targets().stream().filter(x -> txnGroup != null && !x.group().equals(txnGroup))
                        .findFirst().orElse(plan.targets().get(0));
                error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: the session is in a transaction"
                        + (txnGroup != null ? " on group " + txnGroup : "") + " (BEGIN, or autocommit off), and this write needs "
                        + (plan.targets().size() > 1 ? plan.targets().size() + " shards, among them " : "")
                        + (t.shard() != null ? "shard " + t.shard() + " on " : "") + "group " + t.group() + "; "
                        + whyOneGroup() + ": COMMIT or ROLLBACK first, or keep a transaction's statements on one group");
                return;
            }
            // a plain read the transaction's connection cannot serve: it runs outside the transaction
        }
        switch (plan.kind()) {
            case REFUSED -> {
                RoutePlan.Refusal r = plan.refusal();
                writeGroups = null;
                ctx.writeAndFlush(Packets.err(ctx.alloc(), replySeq, r.code(), r.sqlState(), r.message()));
            }
            case PASSTHROUGH, SINGLE -> {
                RouteTarget t = plan.targets().get(0);
                Endpoint at = endpointFor(t, true);
                if (backend != null && at.equals(backend.endpoint())) {
                    // the default connection: inside the session's transaction, if there is one
                    if (plan.kind() == RoutePlan.Kind.PASSTHROUGH) passthrough(payload, sql, word, replySeq);
                    else if (t.unchanged()) forward(payload, ResponseKind.RESULT, replySeq);
                    else relay(backend, statement(t.sql()), replySeq);
                    return;
                }
                busy = true;
                ByteBuf out = t.unchanged() ? payload.retainedDuplicate() : statement(t.sql());
                String db = t.unchanged() ? backendDb() : null;
                boolean toReplica = !at.equals(masterOf(t.group()));
                take(List.of(at), replySeq, List.of(out), db, conns -> {
                    if (toReplica && (lastWriter.containsKey(t.group()) || awaitedGtid.containsKey(t.group()))) {
                        awaitGtid(t.group(), conns.get(0), out, db, replySeq);
                    } else {
                        relay(conns.get(0), out, replySeq);
                    }
                });
            }
            case FANOUT_WRITE, BROADCAST_WRITE, SCATTER_READ -> {
                busy = true;
                List<Endpoint> masters = new ArrayList<>();
                List<ByteBuf> payloads = new ArrayList<>();
                boolean unchanged = false;
                for (RouteTarget t : plan.targets()) {
                    masters.add(endpointFor(t));
                    payloads.add(statement(t.unchanged() ? sql : t.sql()));
                    unchanged |= t.unchanged();
                }
                take(masters, replySeq, payloads, unchanged ? backendDb() : null, conns -> {
                    List<ShardCall> calls = new ArrayList<>();
                    for (int i = 0; i < conns.size(); i++) {
                        calls.add(new ShardCall(label(plan.targets().get(i)), conns.get(i), payloads.get(i)));
                    }
                    if (plan.kind() != RoutePlan.Kind.SCATTER_READ) {
                        new FanoutWrite(client, replySeq, calls, plan.kind() == RoutePlan.Kind.BROADCAST_WRITE,
                                this::onComplete).start();
                    } else {
                        scatter = new ScatterRead(client, replySeq, deprecateEof, plan.merge(), calls, this::onComplete);
                        scatter.start();
                    }
                });
            }
        }
    }

    // ---------------------------------------------------------------- multiplexing

    /** Commands that run on a backend connection (the others the session answers, or needs no answer). */
    private static boolean needsBackend(int command) {
        return switch (command) {
            case Command.QUIT, Command.STMT_CLOSE, Command.STMT_SEND_LONG_DATA, Command.STMT_RESET, Command.STMT_FETCH,
                 Command.CHANGE_USER -> false;
            default -> Command.name(command) != null;
        };
    }

    /**
     * SHOW WARNINGS / ERRORS / COUNT(*) ... when the session's last statement left none: answered here, empty,
     * since the connection this one got may have been another client's (returns false for any other SHOW).
     */
    private boolean noDiagnostics(String sql, int replySeq) {
        SessionStatements.Diagnostics d = SessionStatements.diagnostics(sql);
        if (d == null) return false;
        List<String> columns = d.count() ? List.of(d.countColumn()) : List.of("Level", "Code", "Message");
        List<List<String>> rows = d.count() ? List.of(List.of("0")) : List.of();
        ResultSetWriter.write(client, replySeq, deprecateEof, statusHere(), columns, rows);
        client.flush();
        return true;
    }

    /**
     * Whether a statement of a session holding no connection can run without the default connection: a plain
     * SELECT / INSERT / UPDATE / DELETE / REPLACE that leaves no state behind, which then takes only the
     * connections its targets need (a replica, a shard's master, the default group's master for one of its
     * tables: the pool's, with the session's settings). Anything else (USE, SET, SHOW, transaction statements,
     * the proxy's own, information_schema) first takes the default connection.
     */
    private boolean runsDetached(ByteBuf payload) {
        if (!proxy.router.needsStatementText() || !held.isEmpty()) return false;
        int first = firstLetter(payload);
        if (first != 's' && first != 'i' && first != 'u' && first != 'd' && first != 'r') return false;
        String sql = decode(payload);
        String word = SessionStatements.firstWord(sql);
        switch (word) {
            case "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE" -> { }
            default -> {
                return false;
            }
        }
        // state it leaves must be on the default connection, and information_schema is answered there
        if (SessionStatements.keepsConnection(sql, word) || SessionStatements.callsLastInsertId(sql)
                || SessionStatements.mentionsInformationSchema(sql)) {
            return false;
        }
        proxy.router.plan(sql, currentDb); // the plan is cached for query(), which then takes what it needs
        checkedPayload = payload;
        checkedSql = sql;
        return true;
    }

    /** A statement that leaves state on its connection ends multiplexing for this session. */
    private void noteConnectionState(String sql, String word) {
        if (!keepsConnection && SessionStatements.keepsConnection(sql, word)) {
            keepsConnection = true;
            log.debug("session {}: keeps its backend connections from now on (connection-local state)", connectionId);
        }
    }

    /** Whether the session must keep the connections it holds (their state is not in what it can replay). */
    private boolean pinned() {
        return inTransaction || txnConn != null || keepsConnection || readsOnMaster || warningsPending || oneShotSet
                || killHolds > 0 || backendOptionsChanged || binaryAnswer;
    }

    /**
     * LAST_INSERT_ID() is the session's, not its current connection's: {@code SELECT LAST_INSERT_ID()} is
     * answered here, and other statements get the value written in. Returns true when it answered.
     */
    private boolean lastInsertIdHere(String sql, int replySeq) {
        String column = SessionStatements.selectLastInsertId(sql);
        if (column != null) {
            ResultSetWriter.write(client, replySeq, deprecateEof, statusHere(), List.of(column),
                    List.of(List.of(Long.toUnsignedString(lastInsertId))));
            client.flush();
            return true;
        }
        ByteBuf rewritten = statement(SessionStatements.withLastInsertId(sql, lastInsertId));
        try {
            query(rewritten, replySeq);
        } finally {
            rewritten.release();
        }
        return true;
    }

    /**
     * Takes the default group master connection for a command, when the session gave its connections back:
     * one with the session's settings if the pool has one, else one brought up to date (SET statements
     * replayed, the current database selected). Then the command runs as if the session had kept it.
     */
    private void attach(Packet p, int replySeq) {
        busy = true;
        p.retain();
        Endpoint master = masterOf(proxy.config.shardMap().defaultGroup());
        String db = backendDb();
        // a connection the session kept to that master (a statement that ran without the default connection
        // left warnings or state there) becomes the default one: what the next command may look for is there
        Held kept = idleHeld(master, null, db);
        if (kept != null) {
            held.remove(kept);
            held.add(0, kept);
            backend = kept.connection;
            backend.channel().closeFuture().addListener(primaryClosed);
            // USE would clear the warnings a SHOW WARNINGS comes for
            attached(p, replySeq, kept, isDiagnostics(p.payload()) ? null : db);
            return;
        }
        String state = sets.signature();
        proxy.pools.pool(master).acquire(client.eventLoop(), profile, charset, db, state).addListener(f -> {
            if (closing) {
                if (f.isSuccess()) proxy.pools.pool(master).release((BackendConnection) f.getNow());
                p.release();
                return;
            }
            if (!f.isSuccess()) {
                p.release();
                String msg = f.cause() instanceof BackendException b ? b.getMessage() : String.valueOf(f.cause().getMessage());
                failStatement(replySeq, "shardgate: cannot run the statement (nothing was run): " + msg);
                return;
            }
            BackendConnection c = (BackendConnection) f.getNow();
            backend = c;
            Held primary = new Held(c);
            primary.db = db;
            primary.applied = state.isEmpty() || state.equals(c.sessionState()) ? sets.latest() : 0;
            held.add(0, primary);
            c.channel().closeFuture().addListener(primaryClosed);
            attached(p, replySeq, primary, null);
        });
    }

    private boolean isDiagnostics(ByteBuf payload) {
        return payload.getUnsignedByte(payload.readerIndex()) == Command.QUERY && firstLetter(payload) == 's'
                && SessionStatements.diagnostics(decode(payload)) != null;
    }

    /** The default connection is {@code primary}: brought up to date (SETs, and {@code db} when given), then {@code p} runs. */
    private void attached(Packet p, int replySeq, Held primary, String db) {
        Throwable[] failure = {null};
        syncSets(primary, db, () -> {
            busy = false;
            if (closing) {
                p.release();
                return;
            }
            if (failure[0] != null) {
                p.release();
                failStatement(replySeq, "shardgate: cannot run the statement (nothing was run): " + failure[0].getMessage());
                return;
            }
            try {
                dispatch(p); // releases p
            } catch (RuntimeException e) {
                exceptionCaught(ctx, e);
                return;
            }
            if (!busy) drainQueue();
        }, failure);
    }

    /**
     * Between statements, a multiplexed session that holds no connection-local state gives its connections
     * back to their pools without a reset, each described by the settings and database it has, for the next
     * session with the same settings to use as it is.
     */
    private void detachWhenIdle() {
        if (!multiplexing || held.isEmpty() || busy || closing || !queue.isEmpty() || pinned()) return;
        if (!lastWriter.isEmpty()) {
            // the GTID of a write is asked on the connection that made it: before that connection goes
            String group = lastWriter.keySet().iterator().next();
            Held writer = lastWriter.remove(group);
            if (!writer.connection.usable()) {
                writtenAt.put(group, System.nanoTime());
                detachWhenIdle();
                return;
            }
            busy = true;
            internalValue(writer.connection, GtidWait.of(writer.connection.serverVersion()).lastGtidQuery(), v -> {
                awaitedGtid.put(group, v == null ? "" : v.strip());
                busy = false;
                drainQueue();
            }, e -> {
                writtenAt.put(group, System.nanoTime());
                busy = false;
                drainQueue();
            });
            return;
        }
        String state = sets.signature();
        if (backend != null) backend.channel().closeFuture().removeListener(primaryClosed);
        boolean reset = dirty;
        dirty = false;
        for (Held h : held) {
            if (h.onClose != null) h.connection.channel().closeFuture().removeListener(h.onClose);
            h.connection.channel().config().setAutoRead(true);
            if (h.applied == sets.latest() && !reset) {
                h.connection.describeState(state, h.db);
                proxy.pools.pool(h.connection.endpoint()).park(h.connection);
            } else {
                proxy.pools.pool(h.connection.endpoint()).release(h.connection); // its state is unknown: reset
            }
        }
        held.clear();
        backend = null;
    }

    // ---------------------------------------------------------------- the logical schema's metadata

    /**
     * Answers what would name physical databases in terms of the logical schema: {@code SELECT DATABASE()} (the
     * database the client made current, not the default shard's), and {@code SHOW DATABASES} (the servers' own
     * databases without the shards', plus the logical schema). Returns false for anything else.
     */
    private boolean logicalMetadata(String sql, String word, int replySeq) {
        if (word.equals("SELECT") && informationSchema(sql, replySeq)) return true;
        if (word.equals("SHOW")) {
            String shown = SessionStatements.logicalShow(sql, proxy.config.shardMap().schema(),
                    proxy.backendDatabase(proxy.config.shardMap().schema()));
            if (shown != null) {
                ByteBuf rewritten = statement(shown);
                try {
                    query(rewritten, replySeq);
                } finally {
                    rewritten.release();
                }
                return true;
            }
        }
        if (word.equals("SELECT") && sql.length() < 64 && SessionStatements.selectDatabase(sql)) {
            java.util.List<String> row = new ArrayList<>();
            row.add(currentDb);
            ResultSetWriter.write(client, replySeq, deprecateEof, statusHere(), List.of("DATABASE()"), List.of(row));
            client.flush();
            return true;
        }
        if (!word.equals("SHOW") || !SessionStatements.showDatabases(sql)) return false;
        busy = true;
        internalRows(backend, "SHOW DATABASES", rows -> {
            java.util.Set<String> shardDbs = new java.util.HashSet<>();
            for (var sh : proxy.config.shardMap().shards().values()) shardDbs.add(sh.database().toLowerCase(java.util.Locale.ROOT));
            java.util.TreeSet<String> names = new java.util.TreeSet<>();
            for (var r : rows) {
                String name = new String(r.value(0), java.nio.charset.StandardCharsets.UTF_8);
                if (!shardDbs.contains(name.toLowerCase(java.util.Locale.ROOT))) names.add(name);
            }
            if (proxy.config.shardMap().schema() != null) names.add(proxy.config.shardMap().schema());
            List<List<String>> out = new ArrayList<>();
            for (String n : names) out.add(List.of(n));
            ResultSetWriter.write(client, replySeq, deprecateEof, statusHere(), List.of("Database"), out);
            onComplete(statusHere(), 0);
        }, e -> {
            if (e instanceof BackendException b && b.code != 0) {
                client.write(Packets.err(client.alloc(), replySeq, b.code, b.sqlState, b.getMessage()));
                onComplete(ServerStatus.AUTOCOMMIT, b.code);
            } else {
                failStatement(replySeq, "shardgate: " + e.getMessage());
            }
        });
        return true;
    }

    /**
     * A query on information_schema about the logical schema (or on SCHEMATA): runs on the default connection
     * with the default shard's database in place of the logical schema, its answer renamed back on the way.
     */
    private boolean informationSchema(String sql, int replySeq) {
        var q = proxy.shardDatabases == null ? null : io.shardgate.proxy.logical.InformationSchemaQuery.of(sql, proxy.shardDatabases);
        if (q == null || proxy.router.plan(sql, currentDb).kind() != RoutePlan.Kind.PASSTHROUGH) return false;
        busy = true;
        relaying = backend;
        relayingStatement = true;
        backend.execute(statement(q.sql()), ResponseKind.RESULT,
                new io.shardgate.proxy.logical.SchemaValueRewriter(this, client.alloc(), deprecateEof, proxy.shardDatabases, q.schemata()), replySeq);
        return true;
    }

    // ---------------------------------------------------------------- prepared statements

    /**
     * COM_STMT_PREPARE. The statement is the proxy's (its id is the session's own); a backend prepares it once,
     * only to say what parameters and columns it has, and forgets it: each execution runs as text with the
     * parameters as literals, so it is routed, merged and kept in its transaction like any statement.
     */
    private void prepare(ByteBuf payload, int replySeq) {
        String sql = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset);
        if (prepared.full()) {
            error(ErrorCode.ER_MAX_PREPARED_STMT_COUNT_REACHED, replySeq, "Can't create more than max_prepared_stmt_count"
                    + " statements (current value: " + PreparedStatements.MAX + " per session in shardgate); close some");
            return;
        }
        int params = io.shardgate.proxy.prepared.ParameterMarkers.count(sql);
        String metaSql = sql;
        String group = proxy.config.shardMap().defaultGroup();
        boolean unchanged = true;
        if (proxy.router.needsStatementText()) {
            // planned with 0 for each ?, or, when 0 is in no shard (a range map starting elsewhere), with the
            // start of a range; each marker is written with leading zeros so that it can be told from the text
            RoutePlan plan = null;
            String marker = null;
            for (long v : markerValues()) {
                marker = String.format("%024d", v);
                String marked = io.shardgate.proxy.prepared.ParameterMarkers.substitute(sql, java.util.Collections.nCopies(params, marker));
                plan = proxy.router.plan(marked, currentDb);
                if (!plan.refused() || params == 0) break;
            }
            if (plan.refused()) {
                RoutePlan.Refusal r = plan.refusal();
                ctx.writeAndFlush(Packets.err(ctx.alloc(), replySeq, r.code(), r.sqlState(), r.message()));
                return;
            }
            RouteTarget t = plan.targets().get(0);
            group = t.group();
            if (!t.unchanged()) {
                metaSql = t.sql().replace(marker, "?");
                unchanged = false;
                if (io.shardgate.proxy.prepared.ParameterMarkers.count(metaSql) != params) {
                    error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: cannot prepare this statement (its"
                            + " parameters do not survive rewriting for the shards); use client-side prepared statements");
                    return;
                }
            }
        }
        busy = true;
        byte[] text = metaSql.getBytes(textCharset);
        ByteBuf out = client.alloc().buffer(1 + text.length).writeByte(Command.STMT_PREPARE).writeBytes(text);
        Endpoint master = masterOf(group);
        if (master.equals(backend.endpoint())) {
            prepareOn(backend, sql, params, out, replySeq);
        } else {
            take(List.of(master), replySeq, List.of(out), unchanged ? backendDb() : null,
                    conns -> prepareOn(conns.get(0), sql, params, out, replySeq));
        }
    }

    /** Values a placeholder may stand for while a statement is planned for its metadata: 0, then range starts. */
    private List<Long> markerValues() {
        java.util.LinkedHashSet<Long> values = new java.util.LinkedHashSet<>();
        values.add(0L);
        for (io.shardgate.rules.TableRule r : proxy.config.shardMap().tables()) {
            if (r instanceof io.shardgate.rules.ShardedTable st && st.algorithm() instanceof io.shardgate.rules.RangeAlgorithm ra) {
                for (io.shardgate.rules.RangeAlgorithm.Range range : ra.ranges()) {
                    if (range.from() >= 0) values.add(range.from());
                }
            }
        }
        return new ArrayList<>(values).subList(0, Math.min(values.size(), 8)); // a bounded number of attempts
    }

    private void prepareOn(BackendConnection c, String sql, int params, ByteBuf out, int replySeq) {
        relaying = c;
        List<byte[]> packets = new ArrayList<>();
        c.execute(out, ResponseKind.PREPARE, new io.shardgate.proxy.exec.PacketSink(client.alloc()) {
            @Override
            protected void onPacket(ByteBuf p) {
                packets.add(io.netty.buffer.ByteBufUtil.getBytes(p));
            }

            @Override
            public void onReadComplete() {}

            @Override
            public void onComplete(int status, int errorCode) {
                releaseBuffers();
                relaying = null;
                if (closing) return;
                byte[] first = packets.isEmpty() ? new byte[0] : packets.get(0);
                if (first.length < 12 || first[0] != 0) {
                    if (first.length > 0) Packets.write(client, client.alloc().buffer(first.length).writeBytes(first), replySeq);
                    ClientSession.this.onComplete(ServerStatus.AUTOCOMMIT, errorCode == 0 ? 1105 : errorCode);
                    return;
                }
                // the backend's statement told what it needed to; it is not kept there
                long backendId = (first[1] & 0xffL) | (first[2] & 0xffL) << 8 | (first[3] & 0xffL) << 16 | (first[4] & 0xffL) << 24;
                c.sendWithoutResponse(client.alloc().buffer(5).writeByte(Command.STMT_CLOSE).writeIntLE((int) backendId));
                long id = prepared.add(sql, params);
                int seq = replySeq;
                for (int i = 0; i < packets.size(); i++) {
                    byte[] pk = packets.get(i);
                    ByteBuf b = client.alloc().buffer(pk.length).writeBytes(pk);
                    if (i == 0) b.setIntLE(1, (int) id);
                    seq = Packets.write(client, b, seq);
                }
                ClientSession.this.onComplete(ServerStatus.AUTOCOMMIT, 0);
            }

            @Override
            public void onFailure(Throwable cause) {
                releaseBuffers();
                relaying = null;
                if (closing) return;
                if (c == backend) {
                    ClientSession.this.onFailure(cause); // the session's own connection: the session ends with it
                    return;
                }
                // nothing reached the client yet: an ERR in the reply's place, and the session goes on
                failStatement(replySeq, "shardgate: cannot prepare the statement: " + cause.getMessage());
            }
        }, replySeq);
    }

    /** COM_STMT_SEND_LONG_DATA: kept until the statement's next execution (no answer). */
    private void longData(ByteBuf payload) {
        if (payload.readableBytes() < 7) throw new MalformedPacketException("COM_STMT_SEND_LONG_DATA shorter than 7 bytes");
        int r = payload.readerIndex();
        PreparedStatements.Statement ps = prepared.get(payload.getUnsignedIntLE(r + 1));
        if (ps == null) return; // MySQL ignores it too; the execution will say the statement is unknown
        ps.appendLongData(payload.getUnsignedShortLE(r + 5), payload.slice(r + 7, payload.readableBytes() - 7),
                proxy.config.frontend().maxPacketSize());
    }

    /**
     * COM_STMT_EXECUTE: the parameters become literals in the statement's text, which runs as a query; its text
     * answer is turned into the binary answer on the way out ({@link BinaryResultEncoder}).
     */
    private void executePrepared(ByteBuf payload, int replySeq) {
        if (payload.readableBytes() < 5) throw new MalformedPacketException("COM_STMT_EXECUTE without a statement id");
        long id = payload.getUnsignedIntLE(payload.readerIndex() + 1);
        PreparedStatements.Statement ps = prepared.get(id);
        if (ps == null) {
            error(ErrorCode.ER_UNKNOWN_STMT_HANDLER, replySeq, "Unknown prepared statement handler (" + id + ") given to mysqld_stmt_execute");
            return;
        }
        if (payload.readableBytes() < 10) throw new MalformedPacketException("COM_STMT_EXECUTE shorter than 10 bytes");
        int flags = payload.getUnsignedByte(payload.readerIndex() + 5);
        if ((flags & 0x07) != 0) {
            error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: cursors (Connector/J useCursorFetch=true) are not"
                    + " supported; stream results instead (fetch size Integer.MIN_VALUE)");
            return;
        }
        String text;
        try {
            if (ps.longDataError() != null) throw new IllegalArgumentException(ps.longDataError());
            io.shardgate.proxy.prepared.BinaryParameters.Execute ex = io.shardgate.proxy.prepared.BinaryParameters.decode(
                    payload, ps.params, ps.types, ps.longData(), textCharset, Collations.mysqlCharsetName(charset));
            ps.types = ex.types();
            text = io.shardgate.proxy.prepared.ParameterMarkers.substitute(ps.sql, ex.literals());
        } catch (IllegalArgumentException e) {
            error(ErrorCode.ER_WRONG_ARGUMENTS, replySeq, "Incorrect arguments to mysqld_stmt_execute: " + e.getMessage());
            return;
        } finally {
            ps.clearLongData();
        }
        byte[] bytes = text.getBytes(textCharset);
        ByteBuf query = client.alloc().buffer(1 + bytes.length).writeByte(Command.QUERY).writeBytes(bytes);
        client.pipeline().addBefore("session", BinaryResultEncoder.NAME, new BinaryResultEncoder(deprecateEof));
        binaryAnswer = true;
        try {
            query(query, replySeq);
        } finally {
            query.release();
        }
        if (!busy) endBinaryAnswer(); // answered at once (an error, a refusal, a transaction statement)
    }

    /** The execution's answer has gone through the encoder: take it out of the pipeline. */
    private void endBinaryAnswer() {
        if (!binaryAnswer) return;
        binaryAnswer = false;
        if (client.pipeline().get(BinaryResultEncoder.NAME) != null) client.pipeline().remove(BinaryResultEncoder.NAME);
    }

    // ---------------------------------------------------------------- transactions (sharding)

    /** ER_LOCK_DEADLOCK: the server rolled the transaction back. */
    private static final int ER_LOCK_DEADLOCK = 1213;
    /** ER_XA_RBDEADLOCK: an XA branch chosen as a deadlock victim, rollback-only since. */
    private static final int ER_XA_RBDEADLOCK = 1614;
    /** The statement just ended left the XA transaction rollback-only: it is rolled back before the next command. */
    private boolean xaAborted;

    /**
     * BEGIN, COMMIT, ROLLBACK, savepoints and SET autocommit, when sharding. A transaction belongs to the group
     * of its first statement: BEGIN is answered here and sent to that group's master connection just before
     * that statement; COMMIT and ROLLBACK go where it was sent (or are answered here when nothing ran). With
     * autocommit off every statement is in a transaction, so each one begins with its first statement the same
     * way; backend connections themselves always keep autocommit on.
     */
    private void transaction(SessionStatements.Txn txn, String sql, int replySeq) {
        switch (txn.kind()) {
            case BEGIN -> {
                if (txnConn != null && gtrid != null) {
                    // MySQL commits the open transaction and begins another
                    String begin = sql.strip();
                    finishXa(true, replySeq, () -> {
                        inTransaction = true;
                        txnBegin = begin;
                    });
                    return;
                }
                if (txnConn != null) {
                    // MySQL commits the open transaction and begins another: on the same connection
                    relayInternal(txnConn.connection, sql, replySeq, null);
                    return;
                }
                inTransaction = true;
                txnBegin = sql.strip();
                okHere(replySeq);
            }
            case COMMIT, ROLLBACK -> {
                if (txnConn == null) {
                    endTransaction();
                    okHere(replySeq);
                    return;
                }
                if (gtrid != null) {
                    finishXa(txn.kind() == SessionStatements.TxnKind.COMMIT, replySeq, null);
                    return;
                }
                relayInternal(txnConn.connection, sql, replySeq, this::endTransaction);
            }
            case SAVEPOINT -> {
                if (branches.size() > 1) {
                    error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: savepoints are not supported in a transaction"
                            + " across groups (this one is on " + String.join(", ", branches.keySet()) + "); COMMIT or"
                            + " ROLLBACK the whole transaction instead");
                    return;
                }
                if (inTransaction) savepointSet = true;
                if (txnConn != null) {
                    relayInternal(txnConn.connection, sql, replySeq, null);
                } else if (!inTransaction) {
                    relayInternal(backend, sql, replySeq, null); // no transaction: the server answers as it would
                } else {
                    // nothing ran yet: the transaction begins on the default group, where the savepoint is set
                    busy = true;
                    ByteBuf out = statement(sql);
                    begin(held.get(0), proxy.config.shardMap().defaultGroup(), replySeq, List.of(out),
                            c -> relay(c, out, replySeq));
                }
            }
            case AUTOCOMMIT -> {
                if (!txn.autocommit()) {
                    autocommitOff = true;
                    inTransaction = true;
                    okHere(replySeq);
                } else if (txnConn != null) {
                    // as MySQL: turning autocommit on commits the open transaction
                    autocommitOff = false;
                    if (gtrid != null) finishXa(true, replySeq, null);
                    else relayInternal(txnConn.connection, "COMMIT", replySeq, this::endTransaction);
                } else {
                    autocommitOff = false;
                    endTransaction();
                    okHere(replySeq);
                }
            }
            case UNSUPPORTED -> error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: COMMIT/ROLLBACK AND CHAIN or"
                    + " RELEASE, and SET autocommit together with other variables, are not supported with sharding; use"
                    + " plain COMMIT/ROLLBACK, and SET autocommit = 0|1 on its own");
        }
    }

    /** Runs {@code plan}, all of whose targets are in {@code group}, inside the client's transaction. */
    private void inTransaction(RoutePlan plan, String group, ByteBuf payload, int replySeq) {
        busy = true;
        List<ByteBuf> payloads = new ArrayList<>();
        for (RouteTarget t : plan.targets()) payloads.add(t.unchanged() ? payload.retainedDuplicate() : statement(t.sql()));
        Consumer<BackendConnection> run = c -> {
            if (plan.singleTarget()) {
                relay(c, payloads.get(0), replySeq);
                return;
            }
            // several shards of the group: one after another on the transaction's connection
            List<ShardCall> calls = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) calls.add(new ShardCall(label(plan.targets().get(i)), c, payloads.get(i)));
            relaying = c;
            relayingStatement = true; // so that a deadlock or an implicit commit ends the session's transaction too
            new FanoutWrite(client, replySeq, calls, plan.kind() == RoutePlan.Kind.BROADCAST_WRITE, this::onComplete).start();
        };
        Held inTxn = group.equals(txnGroup) ? txnConn : branches.get(group);
        if (inTxn != null) {
            Held h = inTxn;
            if (sets.after(h.applied).isEmpty()) {
                run.accept(h.connection);
                return;
            }
            // a SET ran beside the transaction since its last statement: it applies here too
            Throwable[] failure = {null};
            syncSets(h, null, () -> {
                if (failure[0] == null) {
                    run.accept(h.connection);
                } else {
                    payloads.forEach(ReferenceCountUtil::release);
                    if (closing) return;
                    failStatement(replySeq, "shardgate: cannot run the statement (nothing was run): " + failure[0].getMessage());
                }
            }, failure);
            return;
        }
        Endpoint master = masterOf(group);
        if (master.equals(backend.endpoint())) {
            begin(held.get(0), group, replySeq, payloads, run);
            return;
        }
        take(List.of(master), replySeq, payloads, null, conns -> {
            Held h = null;
            for (Held x : held) if (x.connection == conns.get(0)) h = x;
            begin(h, group, replySeq, payloads, run);
        });
    }

    /** Pins the client's transaction to {@code h} (of {@code group}): sends its BEGIN there, then {@code run}s. */
    private void begin(Held h, String group, int replySeq, List<ByteBuf> payloads, Consumer<BackendConnection> run) {
        txnConn = h;
        txnGroup = group;
        String sql = txnBegin;
        if (xaBegins()) {
            // XA from the first statement: a later statement may take the transaction to other groups
            gtrid = proxy.xa.xids().nextGtrid();
            branches.put(group, h);
            sql = io.shardgate.proxy.xa.Xid.of(gtrid, group).startSql();
        }
        h.connection.executeInternal(sql, textCharset).addListener(f -> {
            if (f.isSuccess()) {
                log.debug("session {}: transaction on group {} (backend connection {})", connectionId, group,
                        h.connection.serverConnectionId());
                run.accept(h.connection);
                return;
            }
            txnConn = null;
            txnGroup = null;
            gtrid = null;
            branches.clear();
            payloads.forEach(ReferenceCountUtil::release);
            if (closing) return;
            String msg = f.cause() instanceof BackendException b && b.code != 0 ? b.getMessage() : String.valueOf(f.cause().getMessage());
            failStatement(replySeq, "shardgate: cannot begin the transaction on group " + group + " (nothing was run): " + msg);
        });
    }

    /** The client's transaction is over; with autocommit off the next statement begins another. */
    private void endTransaction() {
        txnConn = null;
        txnGroup = null;
        gtrid = null;
        branches.clear();
        savepointSet = false;
        oneShotSet = false;
        txnBegin = "BEGIN"; // START TRANSACTION READ ONLY ... was that transaction's; autocommit-off ones are plain
        inTransaction = autocommitOff;
    }

    /**
     * Whether the transaction about to begin runs as XA: transactions across groups are on (a data directory,
     * {@code transactions.cross_group: xa}, several groups) and it began plainly (START TRANSACTION READ ONLY,
     * WITH CONSISTENT SNAPSHOT... have no XA form: such a transaction stays in one group).
     */
    private boolean xaBegins() {
        return proxy.xa != null && SessionStatements.plainBegin(txnBegin);
    }

    /** Why the session's transaction cannot take in another group, for the refusal. */
    private String whyOneGroup() {
        if (savepointSet) return "the transaction set a savepoint, which would not cover another group";
        if (proxy.xa == null) {
            return "transactions across groups are off (transactions.cross_group: refuse, no data_dir, or one group):"
                    + " a transaction stays on the group of its first statement";
        }
        return "a transaction begun with options (" + txnBegin + ") has no XA form and stays on the group of its first statement";
    }

    /**
     * A write in an XA transaction that needs groups it has no branch on yet: each gets one (its master's
     * connection, XA START), then the statement runs on the branches, shards of one group one after another.
     */
    private void acrossGroups(RoutePlan plan, ByteBuf payload, int replySeq) {
        busy = true;
        List<ByteBuf> payloads = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (RouteTarget t : plan.targets()) {
            payloads.add(t.unchanged() ? payload.retainedDuplicate() : statement(t.sql()));
            if (!groups.contains(t.group())) groups.add(t.group());
        }
        ensureBranches(groups, 0, replySeq, payloads, () -> {
            List<ShardCall> calls = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) {
                RouteTarget t = plan.targets().get(i);
                Held h = t.group().equals(txnGroup) ? txnConn : branches.get(t.group());
                calls.add(new ShardCall(label(t), h.connection, payloads.get(i)));
            }
            relaying = null;
            new FanoutWrite(client, replySeq, calls, plan.kind() == RoutePlan.Kind.BROADCAST_WRITE, this::onComplete).start();
        });
    }

    /** Begins the transaction's branch on each of {@code groups} that has none, in order; then {@code done}. */
    private void ensureBranches(List<String> groups, int i, int replySeq, List<ByteBuf> payloads, Runnable done) {
        if (i == groups.size()) {
            done.run();
            return;
        }
        String group = groups.get(i);
        Runnable next = () -> ensureBranches(groups, i + 1, replySeq, payloads, done);
        if (group.equals(txnGroup) || branches.containsKey(group)) {
            next.run();
            return;
        }
        Endpoint master = masterOf(group);
        if (txnConn == null && master.equals(backend.endpoint())) {
            begin(held.get(0), group, replySeq, payloads, c -> next.run());
            return;
        }
        take(List.of(master), replySeq, payloads, null, conns -> {
            Held h = heldOf(conns.get(0));
            if (txnConn == null) {
                begin(h, group, replySeq, payloads, c -> next.run());
                return;
            }
            h.connection.executeInternal(io.shardgate.proxy.xa.Xid.of(gtrid, group).startSql()).addListener(f -> {
                if (closing) return;
                if (f.isSuccess()) {
                    branches.put(group, h);
                    log.debug("session {}: transaction {} takes in group {}", connectionId, gtrid, group);
                    next.run();
                    return;
                }
                payloads.forEach(ReferenceCountUtil::release);
                String msg = f.cause() instanceof BackendException b && b.code != 0 ? b.getMessage() : String.valueOf(f.cause().getMessage());
                failStatement(replySeq, "shardgate: cannot begin the transaction's branch on group " + group
                        + " (nothing was run; the transaction goes on): " + msg);
            });
        });
    }

    /**
     * COMMIT (two-phase across groups, with the decision logged first; one phase on one group) or ROLLBACK of
     * the client's XA transaction; {@code then} runs after it succeeded, before the client hears OK.
     */
    private void finishXa(boolean commit, int replySeq, Runnable then) {
        busy = true;
        List<io.shardgate.proxy.xa.XaCommit.Participant> ps = participants();
        String id = gtrid;
        Future<Void> f = commit ? proxy.xa.commit().commit(client.eventLoop(), ps) : proxy.xa.commit().rollback(client.eventLoop(), ps);
        f.addListener(r -> {
            endTransaction();
            if (closing) return;
            if (r.isSuccess()) {
                log.debug("session {}: transaction {} {} on {} group(s)", connectionId, id, commit ? "committed" : "rolled back", ps.size());
                if (then != null) then.run();
                client.write(Packets.ok(client.alloc(), replySeq, statusHere()));
                onComplete(statusHere(), 0);
                return;
            }
            BackendException b = r.cause() instanceof BackendException x ? x : new BackendException("shardgate: " + r.cause(), r.cause());
            int code = b.code != 0 ? b.code : ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE.code;
            String state = b.sqlState != null ? b.sqlState : ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE.sqlState;
            client.write(Packets.err(client.alloc(), replySeq, code, state, b.getMessage()));
            onComplete(statusHere(), code);
        });
    }

    /** Sends {@code sql} on {@code c} and relays the answer; {@code done} runs when it ends, however it ended. */
    private void relayInternal(BackendConnection c, String sql, int replySeq, Runnable done) {
        onDone = done;
        relay(c, statement(sql), replySeq);
    }

    /**
     * Ends the statement in hand with ERR 1429 (a backend could not be reached or used), and the session goes
     * on with the next command.
     */
    private void failStatement(int seq, String message) {
        client.write(Packets.err(client.alloc(), seq, ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE, message));
        onComplete(ServerStatus.AUTOCOMMIT, ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE.code);
    }

    /** OK with the session's own transaction status (for what the proxy answers itself). */
    private void okHere(int replySeq) {
        ctx.writeAndFlush(Packets.ok(ctx.alloc(), replySeq, statusHere()));
    }

    /** The server status the proxy reports in what it answers itself. */
    private int statusHere() {
        return (inTransaction ? ServerStatus.IN_TRANS : 0) | (autocommitOff ? 0 : ServerStatus.AUTOCOMMIT);
    }

    /** The one group every target of {@code plan} is in, or null when they are in several. */
    private static String oneGroup(RoutePlan plan) {
        String g = plan.targets().get(0).group();
        for (RouteTarget t : plan.targets()) if (!t.group().equals(g)) return null;
        return g;
    }

    private static String label(RouteTarget t) {
        return (t.shard() != null ? t.shard() : "group") + " (" + t.group() + ")";
    }

    /**
     * A statement of the default group, unchanged. SET statements are remembered (once they succeed) so other
     * connections of the session can replay them; SET PASSWORD would change the proxy's own backend account.
     */
    private void passthrough(ByteBuf payload, String sql, String word, int replySeq) {
        if (word.equals("SET")) {
            SessionStatements.SetKind kind = SessionStatements.classifySet(sql);
            switch (kind) {
                case PASSWORD -> {
                    error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: SET PASSWORD is not supported: it would "
                            + "change the proxy's own backend account; client accounts are the users in shardgate.yaml");
                    return;
                }
                case TRANSACTION_ONCE -> onSuccess = () -> oneShotSet = true; // not replayed: it pins until used
                case SYSTEM_ONLY, WITH_USER_VARIABLES -> {
                    if (sets.full(sql, kind)) {
                        error(ErrorCode.ER_NOT_SUPPORTED_YET, replySeq, "shardgate: this session has run "
                                + SessionSets.MAX_ENTRIES + " SET statements with user variables, the most it replays "
                                + "on shard connections; reconnect (or COM_RESET_CONNECTION) to start afresh");
                        return;
                    }
                    Charset cs = stmtCharset;
                    // a value computed by the server (NOW(), RAND(), a subquery) would differ when replayed
                    boolean replayable = SessionStatements.replayableSet(sql);
                    onSuccess = () -> {
                        sets.add(sql, kind, cs);
                        held.get(0).applied = sets.latest();
                        if (!replayable) keepsConnection = true;
                    };
                }
                default -> { }
            }
        }
        forward(payload, ResponseKind.RESULT, replySeq);
    }

    /** COM_INIT_DB: the logical schema is the proxy's; any other database is the default group's. */
    private void initDb(ByteBuf payload, int replySeq) {
        useDatabase(payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset), replySeq, false);
    }

    /**
     * Makes {@code db} current: the logical schema selects the default shard's database on the default
     * connection (so statements without tables, SHOW TABLES and the like, see the default shard), anything
     * else is selected as named. The client hears the server's answer; the session remembers the name once
     * it succeeded.
     */
    private void useDatabase(String db, int replySeq, boolean asQuery) {
        String physical = proxy.backendDatabase(db);
        byte[] name = physical.getBytes(textCharset);
        ByteBuf out;
        if (asQuery) {
            String quoted = "USE `" + physical.replace("`", "``") + "`";
            out = statement(quoted);
        } else {
            out = client.alloc().buffer(1 + name.length).writeByte(Command.INIT_DB).writeBytes(name);
        }
        onSuccess = () -> {
            currentDb = db;
            held.get(0).db = physical;
        };
        busy = true;
        relaying = backend;
        backend.execute(out, asQuery ? ResponseKind.RESULT : ResponseKind.SINGLE, this, replySeq);
    }

    /**
     * The statement's text, decoded so that encoding it again gives the same bytes: in the session's character
     * set, or, when the bytes are not valid in it (binary data inside a string literal), byte for byte
     * (ISO-8859-1), which keeps every byte and every ASCII keyword and name. {@link #stmtCharset} says which.
     */
    private String decode(ByteBuf payload) {
        String sql = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, textCharset);
        stmtCharset = textCharset;
        if (sql.indexOf('\uFFFD') >= 0 && textCharset != java.nio.charset.StandardCharsets.ISO_8859_1) {
            stmtCharset = java.nio.charset.StandardCharsets.ISO_8859_1;
            sql = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, stmtCharset);
        }
        return sql;
    }

    private ByteBuf statement(String sql) {
        byte[] text = sql.getBytes(stmtCharset);
        return client.alloc().buffer(1 + text.length).writeByte(Command.QUERY).writeBytes(text);
    }

    /**
     * Which server answers {@code t}: a replica for a read that may go to one (see {@link ReplicaBalancer}),
     * unless the session is in a transaction or wrote to that group within {@code reads.read_your_writes_ms};
     * else the group's master.
     */
    private Endpoint endpointFor(RouteTarget t) {
        return endpointFor(t, false);
    }

    /** @param canWait the read can wait on its replica for the session's last GTID there (a single target) */
    private Endpoint endpointFor(RouteTarget t, boolean canWait) {
        Topology.Member g = proxy.topology.current().group(t.group());
        boolean gtidPending = lastWriter.containsKey(t.group()) || awaitedGtid.containsKey(t.group());
        if (t.role() == Role.REPLICA && proxy.replicas != null && !inTransaction && !readsOnMaster && !wroteRecently(t.group())
                && (canWait || !gtidPending)) {
            Endpoint r = proxy.replicas.pick(g);
            if (r != null) {
                proxy.metrics.replicaReads.increment();
                return r;
            }
        }
        return g.master();
    }

    /**
     * Read-your-writes by GTID: asks the connection of the session's last write to {@code group} for its
     * GTID (once), waits on {@code replica} until it has applied it (at most read_your_writes_ms; {@link GtidWait}
     * says how, on MariaDB and on MySQL), then reads there; a replica that does not get there in time, or any failure on the
     * way, sends the read to the master instead.
     */
    private void awaitGtid(String group, BackendConnection replica, ByteBuf out, String db, int replySeq) {
        Runnable toMaster = () -> {
            log.debug("session {}: replica {} has not applied the session's last write to {} yet; reading from the master",
                    connectionId, replica.endpoint(), group);
            Endpoint m = masterOf(group);
            if (backend != null && m.equals(backend.endpoint())) relay(backend, out, replySeq);
            else take(List.of(m), replySeq, List.of(out), db, conns -> relay(conns.get(0), out, replySeq));
        };
        Runnable onReplica = () -> {
            String gtid = awaitedGtid.get(group);
            if (gtid == null || gtid.isEmpty() || gtid.equals(replicaReached.get(replica.endpoint()))) {
                relay(replica, out, replySeq);
                return;
            }
            GtidWait dialect = GtidWait.of(replica.serverVersion());
            String set = dialect.normalize(gtid);
            if (set == null) {
                toMaster.run(); // not a GTID (set) this server's wait takes: never written into a statement
                return;
            }
            double seconds = Math.max(0.001, proxy.config.reads().readYourWritesMs() / 1000.0);
            internalValue(replica, dialect.waitQuery(set, seconds), v -> {
                if (GtidWait.reached(v)) {
                    replicaReached.put(replica.endpoint(), gtid);
                    relay(replica, out, replySeq);
                } else {
                    toMaster.run();
                }
            }, e -> toMaster.run());
        };
        Held writer = lastWriter.remove(group);
        if (writer == null || !writer.connection.usable()) {
            if (writer != null) awaitedGtid.remove(group);
            if (writer != null) {
                toMaster.run(); // the connection that wrote is gone: its GTID cannot be asked
                return;
            }
            onReplica.run();
            return;
        }
        internalValue(writer.connection, GtidWait.of(writer.connection.serverVersion()).lastGtidQuery(), v -> {
            awaitedGtid.put(group, v == null ? "" : v.strip());
            onReplica.run();
        }, e -> toMaster.run());
    }

    /** Runs a one-value query the proxy needs for itself; {@code ok} gets the first column of the first row. */
    private void internalValue(BackendConnection c, String sql, Consumer<String> ok, Consumer<Throwable> failed) {
        internalRows(c, sql, rows -> {
            byte[] v = rows.isEmpty() || rows.get(0).values().length == 0 ? null : rows.get(0).value(0);
            ok.accept(v == null ? null : new String(v, java.nio.charset.StandardCharsets.US_ASCII));
        }, failed);
    }

    /** Runs a small query the proxy needs for itself on {@code c}, nothing reaching the client; {@code ok} gets its rows. */
    private void internalRows(BackendConnection c, String sql, Consumer<List<io.shardgate.proxy.merge.TextRow>> ok,
                              Consumer<Throwable> failed) {
        io.netty.util.concurrent.Promise<List<io.shardgate.proxy.merge.TextRow>> rows = client.eventLoop().newPromise();
        byte[] text = sql.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        c.execute(client.alloc().buffer(1 + text.length).writeByte(Command.QUERY).writeBytes(text), ResponseKind.RESULT,
                new io.shardgate.proxy.exec.RowCollector(client.alloc(), c.profile().deprecateEof(), rows), 1);
        rows.addListener(f -> {
            if (closing) return;
            if (f.isSuccess()) ok.accept(rows.getNow());
            else failed.accept(f.cause());
        });
    }

    private boolean isBranch(BackendConnection c) {
        for (Held h : branches.values()) if (h.connection == c) return true;
        return false;
    }

    private Held heldOf(BackendConnection c) {
        for (Held h : held) if (h.connection == c) return h;
        return null;
    }

    private boolean wroteRecently(String group) {
        Long at = writtenAt.get(group);
        if (at == null) return false;
        if (System.nanoTime() - at < proxy.config.reads().readYourWritesMs() * 1_000_000) return true;
        writtenAt.remove(group);
        return false;
    }

    /** The database the session's unchanged statements need selected on a backend connection. */
    private String backendDb() {
        return proxy.backendDatabase(currentDb);
    }

    /** Whether the statement's first word is USE (checked on the bytes, before decoding anything). */
    private static boolean startsWithUse(ByteBuf payload) {
        int end = payload.writerIndex();
        int i = payload.readerIndex() + 1;
        while (i < end && Character.isWhitespace(payload.getByte(i))) i++;
        if (end - i < 4) return false;
        return (payload.getByte(i) | 0x20) == 'u' && (payload.getByte(i + 1) | 0x20) == 's'
                && (payload.getByte(i + 2) | 0x20) == 'e' && Character.isWhitespace(payload.getByte(i + 3));
    }

    private Endpoint masterOf(String group) {
        return proxy.topology.current().group(group).master();
    }

    /** Runs one statement on {@code c}, relaying its response to the client as it arrives. */
    private void relay(BackendConnection c, ByteBuf out, int replySeq) {
        busy = true;
        relaying = c;
        relayingStatement = true;
        c.channel().config().setAutoRead(true);
        c.execute(out, ResponseKind.RESULT, this, replySeq);
    }

    // ---------------------------------------------------------------- connections for shards

    /**
     * One distinct connection per entry of {@code masters} (several for a server that holds several of the
     * shards), reusing the session's idle ones first, then brought up to date with the session's SET
     * statements and, when {@code db} is given (the statement is the client's, unchanged), with its current
     * database; then {@code then} runs. When one cannot be had the client gets an error naming the server,
     * {@code payloads} are released, and the session goes on.
     */
    private void take(List<Endpoint> masters, int replySeq, List<ByteBuf> payloads, String db,
                      Consumer<List<BackendConnection>> then) {
        // in a transaction only reads get here, and they run outside it: not on the transaction's connection, so
        // that every shard of a statement is read the same way (committed data), none of them inside it
        Held avoid = txnConn;
        Held[] chosen = new Held[masters.size()];
        int[] pending = {masters.size()};
        Throwable[] failure = {null};
        Runnable oneReady = () -> {
            if (--pending[0] > 0) return;
            for (Held h : chosen) if (h != null) h.taken = false;
            if (failure[0] != null || closing) {
                payloads.forEach(ReferenceCountUtil::release);
                if (closing) return;
                String msg = failure[0] instanceof BackendException b ? b.getMessage() : String.valueOf(failure[0].getMessage());
                failStatement(replySeq, "shardgate: cannot run the statement (nothing was run): " + msg);
                return;
            }
            List<BackendConnection> conns = new ArrayList<>(chosen.length);
            for (Held h : chosen) {
                h.connection.channel().config().setAutoRead(true);
                conns.add(h.connection);
            }
            then.accept(conns);
        };
        for (int i = 0; i < masters.size(); i++) {
            Endpoint ep = masters.get(i);
            Held h = idleHeld(ep, avoid, db);
            if (h != null) {
                h.taken = true;
                chosen[i] = h;
                syncSets(h, db, oneReady, failure);
                continue;
            }
            acquireInto(chosen, i, ep, db, oneReady, failure);
        }
    }

    /**
     * Opens (or takes from the pool) a connection to {@code ep} for slot {@code slot}. A replica that cannot
     * be reached is not an error: the group's master answers instead (the health monitor takes the replica
     * out of rotation shortly).
     */
    private void acquireInto(Held[] chosen, int slot, Endpoint ep, String db, Runnable oneReady, Throwable[] failure) {
        String state = sets.signature();
        // a rewritten statement names its databases: whatever the connection has selected will do
        proxy.pools.pool(ep).acquire(client.eventLoop(), profile, charset, db == null ? BackendPool.ANY_SCHEMA : db, state)
                .addListener(f -> {
            if (!f.isSuccess()) {
                Endpoint master = masterOfReplica(ep);
                if (master != null && !closing) {
                    log.info("session {}: replica {} unavailable ({}); reading from master {}", connectionId, ep,
                            f.cause().getMessage(), master);
                    Held h = idleHeld(master, txnConn, db);
                    if (h != null && java.util.Arrays.stream(chosen).noneMatch(x -> x == h)) {
                        h.taken = true;
                        chosen[slot] = h;
                        syncSets(h, db, oneReady, failure);
                    } else {
                        acquireInto(chosen, slot, master, db, oneReady, failure);
                    }
                    return;
                }
                if (failure[0] == null) failure[0] = f.cause();
                oneReady.run();
                return;
            }
            BackendConnection c = (BackendConnection) f.getNow();
            if (closing) {
                proxy.pools.pool(ep).release(c);
                oneReady.run();
                return;
            }
            Held fresh = new Held(c);
            fresh.db = db;
            fresh.taken = true;
            // the pool hands out a connection with exactly the session's settings, or with none
            fresh.applied = state.isEmpty() || state.equals(c.sessionState()) ? sets.latest() : 0;
            held.add(fresh);
            fresh.onClose = cf -> held.remove(fresh);
            c.channel().closeFuture().addListener(fresh.onClose);
            chosen[slot] = fresh;
            log.debug("session {}: took backend connection {} on {} ({} held)", connectionId, c.serverConnectionId(), ep, held.size());
            syncSets(fresh, db, oneReady, failure);
        });
    }

    /** The master of the group {@code ep} is a replica of, or null when it is no replica. */
    private Endpoint masterOfReplica(Endpoint ep) {
        for (Topology.Member g : proxy.topology.current().groups().values()) {
            if (g.replicas().contains(ep)) return g.master();
        }
        return null;
    }

    /** An idle held connection to {@code ep}, one with {@code db} selected when there is one. */
    private Held idleHeld(Endpoint ep, Held avoid, String db) {
        Held any = null;
        for (Held h : held) {
            if (h == avoid || branches.containsValue(h)) continue; // a transaction's branch serves only it
            if (!h.taken && h.connection.endpoint().equals(ep) && h.connection.usable()) {
                if (db == null || db.equals(h.db)) return h;
                if (any == null) any = h;
            }
        }
        return any;
    }

    /** Replays the SET statements {@code h} has not applied yet, in order; then {@code done}. */
    private void syncSets(Held h, String db, Runnable done, Throwable[] failure) {
        List<SessionSets.Entry> todo = sets.after(h.applied);
        Runnable then = db == null || db.equals(h.db) ? done : () -> {
            if (failure[0] != null) {
                done.run();
                return;
            }
            h.connection.executeInternal("USE `" + db.replace("`", "``") + "`").addListener(f -> {
                if (f.isSuccess()) h.db = db;
                else if (failure[0] == null) failure[0] = f.cause();
                done.run();
            });
        };
        replay(h, todo, 0, then, failure);
    }

    private void replay(Held h, List<SessionSets.Entry> todo, int i, Runnable done, Throwable[] failure) {
        if (i == todo.size()) {
            done.run();
            return;
        }
        SessionSets.Entry e = todo.get(i);
        h.connection.executeInternal(e.sql(), e.charset()).addListener(f -> {
            if (!f.isSuccess()) {
                if (failure[0] == null) {
                    failure[0] = new BackendException("replaying the session's \"" + e.sql() + "\" on "
                            + h.connection.endpoint() + " failed: " + f.cause().getMessage(), f.cause());
                }
                done.run();
                return;
            }
            h.applied = e.number();
            replay(h, todo, i + 1, done, failure);
        });
    }

    /** The statement's first non-blank byte, lower-cased (a cheap filter before decoding); -1 when blank. */
    private static int firstLetter(ByteBuf payload) {
        int end = payload.writerIndex();
        for (int i = payload.readerIndex() + 1; i < end; i++) {
            byte b = payload.getByte(i);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
            return Character.toLowerCase(b & 0xff);
        }
        return -1;
    }

    private void admin(AdminStatement admin, int replySeq) {
        if (admin instanceof AdminStatement.Explain e) {
            RoutePlan plan = proxy.router.plan(e.statement(), currentDb);
            List<List<String>> rows = new ArrayList<>();
            for (String line : plan.explain().split("\n")) rows.add(List.of(line));
            ResultSetWriter.write(client, replySeq, deprecateEof, ServerStatus.AUTOCOMMIT, List.of("plan"), rows);
            client.flush();
        } else if (admin instanceof AdminStatement.Pools) {
            List<List<String>> rows = new ArrayList<>();
            Topology topology = proxy.topology.current();
            proxy.pools.all().entrySet().stream()
                    .sorted(java.util.Map.Entry.comparingByKey(java.util.Comparator.comparing(Endpoint::toString)))
                    .forEach(e -> {
                        BackendPool pool = e.getValue();
                        rows.add(List.of(e.getKey().toString(), roleOf(topology, e.getKey()),
                                Integer.toString(pool.openConnections()), Integer.toString(pool.idleConnections()),
                                Integer.toString(pool.waiting()), Long.toString(pool.connectionsOpened())));
                    });
            ResultSetWriter.write(client, replySeq, deprecateEof, statusHere(),
                    List.of("server", "role", "open", "idle", "waiting", "logins"), rows);
            client.flush();
        } else if (admin instanceof AdminStatement.Unknown u) {
            error(ErrorCode.ER_PARSE_ERROR, replySeq, AdminStatement.usage(u));
        }
    }

    /** "g0 master", "g0 replica", or "-" for a server no group of the topology names (any more). */
    private static String roleOf(Topology topology, Endpoint e) {
        for (Topology.Member g : topology.groups().values()) {
            if (g.master().equals(e)) return g.group() + " master";
            if (g.replicas().contains(e)) return g.group() + " replica";
        }
        return "-";
    }

    /**
     * KILL names the proxy's connection id; the backend knows its own thread ids. As in MySQL, a user may kill
     * only its own sessions.
     */
    private void kill(KillStatement kill, int replySeq) {
        ClientSession target = proxy.session(kill.connectionId());
        if (target == null) {
            error(ErrorCode.ER_NO_SUCH_THREAD, replySeq, "Unknown thread id: " + kill.connectionId());
            return;
        }
        if (!target.user().equals(user)) {
            error(ErrorCode.ER_KILL_DENIED_ERROR, replySeq, "You are not owner of thread " + kill.connectionId());
            return;
        }
        if (target == this) {
            // one's own connection: nothing else runs in it now; KILL CONNECTION ends it, as the server would
            if (kill.queryOnly()) okHere(replySeq);
            else closeByKill();
            return;
        }
        busy = true;
        // the target's statement is looked at on the target's own event loop, and its connection held there (not
        // given back to the pool) until the KILL has run, so that it cannot reach another client's statement
        target.client.eventLoop().execute(() -> {
            BackendConnection victim = target.holdForKill();
            client.eventLoop().execute(() -> killOn(victim, target, kill, replySeq));
        });
    }

    /** Sends the KILL for {@code victim} (the target's busy connection, held for it; null: the target is idle). */
    private void killOn(BackendConnection victim, ClientSession target, KillStatement kill, int replySeq) {
        if (closing) {
            if (victim != null) target.releaseKillHold();
            return;
        }
        if (victim == null) {
            log.info("session {} ({}): KILL {}{} (idle)", connectionId, user, kill.queryOnly() ? "QUERY " : "", kill.connectionId());
            if (!kill.queryOnly()) target.closeByKill();
            client.write(Packets.ok(client.alloc(), replySeq, statusHere()));
            onComplete(statusHere(), 0);
            return;
        }
        log.info("session {} ({}): KILL {}{} -> backend thread {} on {}", connectionId, user,
                kill.queryOnly() ? "QUERY " : "", kill.connectionId(), victim.serverConnectionId(), victim.endpoint());
        ByteBuf out = statement(kill.forBackend(victim.serverConnectionId()));
        Runnable done = () -> {
            target.releaseKillHold();
            if (!kill.queryOnly()) target.closeByKill();
        };
        if (victim.endpoint().equals(backend.endpoint())) {
            onDone = done;
            relay(backend, out, replySeq);
            return;
        }
        onDone = done; // also when no connection can be had: the statement then fails, and the hold ends
        take(List.of(victim.endpoint()), replySeq, List.of(out), null, conns -> relay(conns.get(0), out, replySeq));
    }

    /**
     * On this session's event loop, for another session's KILL: the connection running this session's
     * statement, kept (not given back) until {@link #releaseKillHold}; null when no statement runs.
     */
    private BackendConnection holdForKill() {
        if (!busy || closing) return null;
        BackendConnection c = relaying != null ? relaying : backend;
        if (c == null) return null;
        killHolds++;
        return c;
    }

    private void releaseKillHold() {
        client.eventLoop().execute(() -> {
            killHolds--;
            if (!busy && queue.isEmpty()) detachWhenIdle();
        });
    }

    /**
     * The backend's reset returns its collation to the one its own handshake carried, which was some earlier
     * client's: the session's is applied again before the client hears OK.
     */
    private void resetConnection(int replySeq) {
        busy = true;
        ByteBuf reset = client.alloc().buffer(1).writeByte(Command.RESET_CONNECTION);
        backend.executeInternal(reset, ResponseKind.SINGLE, "COM_RESET_CONNECTION").addListener(f1 -> {
            String setNames = Collations.setNames(charset);
            Future<Void> f2 = f1.isSuccess() && backend.handshakeCharset() != charset && setNames != null
                    ? backend.executeInternal(setNames) : null;
            if (f2 == null) {
                afterReset(f1, replySeq);
            } else {
                f2.addListener(f -> afterReset(f, replySeq));
            }
        });
    }

    private void afterReset(Future<?> f, int replySeq) {
        if (closing) return;
        if (f.isSuccess()) {
            // the other connections are given back (their pool resets them too) and the SET history forgotten
            sets.clear();
            prepared.clear();
            lastWriter.clear();
            awaitedGtid.clear();
            readsOnMaster = false;
            keepsConnection = false;
            warningsPending = false;
            oneShotSet = false;
            lastInsertId = 0;
            autocommitOff = false;
            held.get(0).applied = sets.latest();
            for (Held h : new ArrayList<>(held.subList(1, held.size()))) {
                held.remove(h);
                if (h.onClose != null) h.connection.channel().closeFuture().removeListener(h.onClose);
                // an XA branch is rolled back by its server when its connection closes; a reset would not end it
                if (branches.containsValue(h) || killHolds > 0) h.connection.close();
                else h.release(proxy);
            }
            endTransaction(); // after autocommitOff: no transaction is left open
            txnBegin = "BEGIN";
            client.writeAndFlush(Packets.ok(client.alloc(), replySeq, ServerStatus.AUTOCOMMIT));
            onComplete(ServerStatus.AUTOCOMMIT, 0);
        } else {
            // the session's state on its connections is unknown now: it cannot go on as if reset
            log.warn("session {}: COM_RESET_CONNECTION failed: {}", connectionId, f.cause().getMessage());
            closing = true;
            busy = false;
            client.writeAndFlush(Packets.err(client.alloc(), replySeq, ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                            "shardgate: resetting the session failed (" + f.cause().getMessage() + "). Reconnect."))
                  .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void error(ErrorCode code, int seq, String message) {
        ctx.writeAndFlush(Packets.err(ctx.alloc(), seq, code, message));
    }

    private void forward(ByteBuf payload, ResponseKind kind, int replySeq) {
        busy = true;
        relaying = backend;
        relayingStatement = kind == ResponseKind.RESULT && payload.getUnsignedByte(payload.readerIndex()) == Command.QUERY;
        backend.execute(payload.retain(), kind, this, replySeq);
    }

    // ---------------------------------------------------------------- relay (ResponseSink), on the shared event loop

    @Override
    public void onData(ByteBuf chunk) {
        if (!client.isActive()) {
            chunk.release(); // the client left mid-result; the backend connection is closed when it notices
            return;
        }
        client.write(chunk, client.voidPromise());
        BackendConnection from = relaying;
        if (!client.isWritable() && from != null && from.channel().config().isAutoRead()) {
            from.channel().config().setAutoRead(false);
            proxy.metrics.backpressurePauses.increment();
        }
    }

    @Override
    public void onReadComplete() {
        client.flush();
    }

    @Override
    public void onComplete(int status, int errorCode) {
        client.flush();
        endBinaryAnswer();
        if (writeGroups != null) {
            long now = System.nanoTime();
            // by GTID: the connection that wrote is asked for its last GTID when a read of the group comes
            Held writer = proxy.config.reads().gtidWait() && relaying != null && writeGroups.size() == 1 ? heldOf(relaying) : null;
            for (String g : writeGroups) {
                if (writer != null) {
                    lastWriter.put(g, writer);
                    awaitedGtid.remove(g);
                } else {
                    writtenAt.put(g, now);
                }
            }
            writeGroups = null;
        }
        if (!proxy.sharding()) {
            if (relaying == backend && errorCode == 0) {
                inTransaction = (status & ServerStatus.IN_TRANS) != 0 || (status & ServerStatus.AUTOCOMMIT) == 0;
                if (inTransaction) oneShotSet = false; // the transaction it was for has begun (and pins the session)
            }
        } else if (gtrid != null) {
            // an XA branch cannot commit implicitly (DDL is refused in it); a deadlock leaves it rollback-only
            if (errorCode == ER_LOCK_DEADLOCK || errorCode == ER_XA_RBDEADLOCK) xaAborted = true;
        } else if (relayingStatement && txnConn != null && relaying == txnConn.connection
                && (errorCode == 0 ? (status & ServerStatus.IN_TRANS) == 0 : errorCode == ER_LOCK_DEADLOCK)) {
            // the server ended the transaction itself: an implicit commit (DDL ...) or a deadlock's rollback
            endTransaction();
        } else if (relayingStatement && txnConn == null && relaying == backend && errorCode == 0
                && ((status & ServerStatus.IN_TRANS) != 0 || (status & ServerStatus.AUTOCOMMIT) == 0)) {
            // a transaction the proxy did not see begin (a statement it could not recognise): it is the default
            // connection's, and the session follows it there rather than answer a COMMIT itself
            inTransaction = true;
            autocommitOff |= (status & ServerStatus.AUTOCOMMIT) == 0;
            txnConn = held.get(0);
            txnGroup = proxy.config.shardMap().defaultGroup();
        }
        if (relayingStatement && relaying != null && errorCode == 0) {
            if (relaying != backend && gtrid == null && (txnConn == null || relaying != txnConn.connection)
                    && ((status & ServerStatus.IN_TRANS) != 0 || (status & ServerStatus.AUTOCOMMIT) == 0)) {
                dirty = true; // a transaction the session does not know of was left open there: reset it when given back
            }
            long id = relaying.lastInsertId();
            if (id != 0) lastInsertId = id;
            warningsPending = relaying.warnings() > 0;
        } else if (errorCode != 0) {
            warningsPending = relayingStatement; // SHOW WARNINGS / SHOW ERRORS must find it where it happened
            dirty = true;
        }
        relayingStatement = false;
        Runnable done = onDone;
        onDone = null;
        if (done != null) done.run();
        busy = false;
        relaying = null;
        scatter = null;
        Runnable r = onSuccess;
        onSuccess = null;
        if (r != null && errorCode == 0) r.run();
        if (xaAborted) {
            // as the server does for a deadlock: the whole transaction is rolled back, on every group
            xaAborted = false;
            busy = true;
            rollbackXa().addListener(f -> {
                busy = false;
                drainQueue();
            });
            return;
        }
        drainQueue();
    }

    /** The XA transaction's branches, as {@code XaCommit} takes them. */
    private List<io.shardgate.proxy.xa.XaCommit.Participant> participants() {
        List<io.shardgate.proxy.xa.XaCommit.Participant> ps = new ArrayList<>(branches.size());
        for (java.util.Map.Entry<String, Held> e : branches.entrySet()) {
            ps.add(io.shardgate.proxy.xa.XaCommit.Participant.of(e.getKey(),
                    io.shardgate.proxy.xa.Xid.of(gtrid, e.getKey()), e.getValue().connection));
        }
        return ps;
    }

    /** Rolls the XA transaction back on all its branches (never fails), and ends it. */
    private Future<Void> rollbackXa() {
        List<io.shardgate.proxy.xa.XaCommit.Participant> ps = participants();
        log.debug("session {}: transaction {} rolled back after a deadlock", connectionId, gtrid);
        endTransaction();
        return proxy.xa.commit().rollback(client.eventLoop(), ps);
    }

    /** Runs the commands the client sent while the last one ran; when none is left, the session may detach. */
    private void drainQueue() {
        Packet next;
        while (!busy && !closing && (next = queue.poll()) != null) {
            queuedBytes -= next.payload().readableBytes();
            try {
                dispatch(next);
            } catch (RuntimeException e) {
                exceptionCaught(ctx, e); // not the backend's fault: don't let it reach the backend's pipeline
                return;
            }
        }
        if (queue.isEmpty() && !closing && !client.config().isAutoRead()) {
            client.config().setAutoRead(true);
        }
        if (!busy) detachWhenIdle();
    }

    @Override
    public void onFailure(Throwable cause) {
        BackendConnection from = relaying != null ? relaying : backend;
        busy = false;
        relaying = null;
        onSuccess = null;
        // a transaction whose connection is lost was rolled back by the server: the client must hear of it
        // (its connection closes) rather than have its COMMIT answered later as if nothing happened
        boolean transactionLost = txnConn != null && (from == txnConn.connection || isBranch(from));
        // the session's state on the lost connection: kept (not replayable) unless the session is multiplexed
        boolean stateLost = transactionLost || (from == backend && (!multiplexing || pinned()));
        if (transactionLost) {
            // the other branches are rolled back by their servers as their connections close (none was prepared)
            for (Held h : branches.values()) if (h.connection != from) h.connection.close();
            endTransaction();
        }
        Runnable done = onDone;
        onDone = null;
        if (done != null) done.run();
        if (closing || !client.isActive()) {
            endBinaryAnswer();
            return;
        }
        log.warn("session {}: {}", connectionId, cause.getMessage());
        if (from.stoppedMidPacket()) {
            closing = true;
            client.close(); // an ERR cannot be spliced into a half-sent packet; the client sees the connection drop
            return;
        }
        String msg = cause instanceof BackendException ? cause.getMessage() : "shardgate: " + cause;
        if (!stateLost) {
            // a shard's connection, or one the session only borrowed: the session goes on without it
            if (from == backend) {
                backend.channel().closeFuture().removeListener(primaryClosed);
                held.removeIf(h -> h.connection == from);
                backend = null;
            }
            failStatement(from.nextRelaySequence(), msg);
            return;
        }
        if (transactionLost) msg += "; the transaction was rolled back";
        endBinaryAnswer();
        closing = true;
        client.writeAndFlush(Packets.err(client.alloc(), from.nextRelaySequence(), ErrorCode.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                        msg + ". Reconnect."))
              .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (scatter != null) {
                scatter.onClientWritable(); // it resumes the shards it paused itself
            } else {
                for (Held h : held) {
                    if (!h.connection.channel().config().isAutoRead()) h.connection.channel().config().setAutoRead(true);
                }
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        proxy.unregister(this);
        queue.forEach(ReferenceCountUtil::release);
        queue.clear();
        if (backend != null) backend.channel().closeFuture().removeListener(primaryClosed);
        for (Held h : new ArrayList<>(held)) {
            // an XA branch left open is rolled back by its server when its connection closes (never prepared here)
            // a connection another session's KILL is about to reach must not serve anyone else: closed too
            if (busy || backendOptionsChanged || branches.containsValue(h) || killHolds > 0) {
                h.connection.close(); // a response may still be streaming, or options a reset would not undo: not reusable
            } else {
                h.release(proxy);
            }
        }
        held.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause.getCause() != null && !(cause instanceof MalformedPacketException) ? cause.getCause() : cause;
        if (c instanceof LogicalPacketDecoder.PacketTooLargeException tooLarge) {
            closing = true;
            ctx.writeAndFlush(Packets.err(ctx.alloc(), tooLarge.nextSequenceId(), ErrorCode.ER_NET_PACKET_TOO_LARGE, c.getMessage()))
               .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (c instanceof MalformedPacketException) {
            proxy.metrics.malformedClients.increment();
            log.info("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.getMessage());
        } else if (c instanceof java.nio.channels.ClosedChannelException || !ctx.channel().isActive()) {
            log.debug("session {}: {}", connectionId, c.toString());
        } else {
            log.warn("session {}: closing client {}: {}", connectionId, ctx.channel().remoteAddress(), c.toString());
        }
        closing = true;
        ctx.close();
    }
}
