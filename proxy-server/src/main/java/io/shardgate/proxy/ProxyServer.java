package io.shardgate.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.shardgate.monitor.ReplicaMonitor;
import io.shardgate.monitor.Topology;
import io.shardgate.monitor.TopologySource;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.BackendPool;
import io.shardgate.proxy.backend.BackendPools;
import io.shardgate.proxy.backend.BackendProfile;
import io.shardgate.proxy.backend.ReplicaBalancer;
import io.shardgate.proxy.config.ProxyConfig;
import io.shardgate.proxy.frontend.FrontendAuthHandler;
import io.shardgate.proxy.frontend.ProxyContext;
import io.shardgate.proxy.frontend.TlsContexts;
import io.shardgate.proxy.logical.LogicalResponses;
import io.shardgate.proxy.protocol.LogicalPacketDecoder;
import io.shardgate.proxy.protocol.PacketFrameDecoder;
import io.shardgate.proxy.xa.XaServices;
import io.shardgate.router.DefaultGroupRouter;
import io.shardgate.router.Router;
import io.shardgate.router.ShardingRouter;
import io.shardgate.rules.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** A running proxy: the listening socket, its event loops, the backend pools. */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;
    private final ProxyContext context;
    private final XaServices xa;

    private ProxyServer(EventLoopGroup boss, EventLoopGroup workers, Channel listener, ProxyContext context, XaServices xa) {
        this.boss = boss;
        this.workers = workers;
        this.listener = listener;
        this.context = context;
        this.xa = xa;
    }

    public static ProxyServer start(ProxyConfig config, TopologySource topology) throws InterruptedException {
        ProxyConfig.Frontend fe = config.frontend();
        // first, before any thread exists: a decision log that cannot be opened stops the start. Prepared branches
        // a previous run left hold row locks: they are ended before clients come
        XaServices xa = XaServices.start(config.transactions(), topology::current, config.backend().user(),
                config.backend().password(), config.backend().connectTimeoutMs());
        int threads = fe.ioThreads() > 0 ? fe.ioThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss = NettyTransport.group(1, "shardgate-accept");
        EventLoopGroup workers = NettyTransport.group(threads, "shardgate-io");
        ProxyConfig.Backend be = config.backend();
        BackendPools pools = new BackendPools(new BackendPool.Settings(be.user(), be.password(), be.connectTimeoutMs(),
                be.maxPerInstance(), be.maxIdlePerInstance(), be.idleTimeoutMs(), be.leaseTimeoutMs(),
                LogicalResponses.of(config.shardMap())));
        // without shards every statement is the default group's: the router that need not read statements does that
        boolean replicaReads = config.reads().replicas()
                && config.shardMap().groups().values().stream().anyMatch(g -> !g.replicas().isEmpty());
        Router router = config.shardMap().shards().isEmpty()
                ? new DefaultGroupRouter(config.shardMap().defaultGroup(), replicaReads)
                : new ShardingRouter(config.shardMap());
        ReplicaMonitor monitor = null;
        ReplicaBalancer replicas = null;
        if (replicaReads) {
            ProxyConfig.Reads r = config.reads();
            monitor = ReplicaMonitor.jdbc(topology::current, be.user(), be.password(),
                    new ReplicaMonitor.Settings(r.maxReplicaLagSeconds(), r.probeIntervalMs(),
                            ReplicaMonitor.Settings.DEFAULTS.returnAfter(), ReplicaMonitor.Settings.DEFAULTS.probeTimeoutMs()))
                    .start();
            replicas = new ReplicaBalancer(config.shardMap(), monitor::inRotation);
        }
        String version = "auto".equals(fe.serverVersion())
                ? probeVersion(workers, pools, topology.current(), config) : fe.serverVersion();
        ProxyContext ctx = new ProxyContext(config, router, topology, pools, TlsContexts.server(config.tls()), version,
                replicas, monitor, xa);

        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NettyTransport.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // past 1 MiB unsent to a client, backend reads pause until it drains below 256 KiB
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        PacketFrameDecoder frames = new PacketFrameDecoder(FrontendAuthHandler.MAX_AUTH_PACKET);
                        frames.setSingleDecode(true); // until we know whether the client switches to TLS
                        ch.pipeline().addLast("frames", frames);
                        ch.pipeline().addLast("packets", new LogicalPacketDecoder(fe.maxPacketSize()));
                        ch.pipeline().addLast("auth", new FrontendAuthHandler(ctx));
                    }
                });
        Endpoint listen = config.listen();
        Channel ch;
        try {
            ch = b.bind(listen.host(), listen.port()).sync().channel();
        } catch (Exception e) {
            ctx.close();
            if (xa != null) xa.close();
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        log.info("shardgate listening on {} ({} transport, {} I/O threads, server version '{}')",
                ch.localAddress(), NettyTransport.name(), threads, version);
        return new ProxyServer(boss, workers, ch, ctx, xa);
    }

    /**
     * Clients adapt to the server version they see (Connector/J picks MariaDB or MySQL 8 behaviour from it),
     * so by default the proxy announces its default group master's own version.
     */
    private static String probeVersion(EventLoopGroup workers, BackendPools pools, Topology topology, ProxyConfig config) {
        Endpoint master = topology.group(config.shardMap().defaultGroup()).master();
        BackendPool pool = pools.pool(master);
        var loop = workers.next();
        try {
            Future<BackendConnection> f = loop.submit(() -> pool.acquire(loop, new BackendProfile(0), 45, null)).get().await();
            if (f.isSuccess()) {
                BackendConnection c = f.getNow();
                String v = c.serverVersion();
                loop.execute(() -> pool.release(c));
                return v + "-shardgate";
            }
            log.warn("cannot read the server version of {} ({}); announcing 8.0.0-shardgate until restarted",
                    master, f.cause().getMessage());
        } catch (Exception e) {
            log.warn("cannot read the server version of {}: {}", master, e.toString());
        }
        return "8.0.0-shardgate";
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public ProxyContext context() {
        return context;
    }

    /** Cross-group transaction support (decision log, recovery, commit), or null without a data directory. */
    public XaServices xa() {
        return xa;
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        context.close();
        if (xa != null) xa.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
