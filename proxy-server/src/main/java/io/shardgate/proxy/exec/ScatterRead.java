package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.shardgate.proxy.backend.BackendConnection;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.GroupFold;
import io.shardgate.proxy.merge.SortedMerge;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.ErrPacket;
import io.shardgate.proxy.protocol.OkPacket;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.protocol.Wire;
import io.shardgate.router.MergeSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one SELECT on several shards at once and streams one merged result set to the client, per the plan's
 * {@link MergeSpec}: rows are decoded as they arrive, merged in ORDER BY order ({@link SortedMerge}), folded
 * when grouped or aggregated ({@link GroupFold}, AVG divided last), paged by OFFSET/LIMIT, stripped of hidden
 * columns and re-encoded with the proxy's own sequence ids.
 *
 * <p>Memory is bounded: a shard whose rows wait unmerged ({@value #BACKLOG_ROWS} rows) stops being read until
 * the merge consumes them, and rows are taken from the merge only while the client's socket accepts them, so a
 * result far larger than the heap streams through. Once LIMIT is reached the remaining rows are read and
 * dropped (a backend connection cannot be left in the middle of a result).
 *
 * <p>An error from any shard, or a lost shard connection, fails the whole statement: the client gets the
 * error (naming the shard) in place of the result, or as the result's terminator when rows were already sent,
 * which clients read as the statement's error.
 */
public final class ScatterRead {
    /** Rows a shard may have waiting in the merge before its reads pause. */
    static final int BACKLOG_ROWS = 256;

    private final Channel client;
    private final boolean deprecateEof;
    private final MergeSpec spec;
    private final List<ShardCall> calls;
    private final Completion completion;
    private final Source[] sources;
    private int seq;

    private SortedMerge merge;
    private GroupFold fold;
    /** Paging after the fold (grouped results); the merge pages itself otherwise. */
    private long foldSkip;
    private long foldRemaining;
    private int shardColumns = -1;
    private int visibleColumns;
    private List<ColumnDef> defs;
    /** The column definitions as the shard that answered first sent them: what the client is shown. */
    private List<byte[]> rawDefs;
    private boolean headerSent;
    private boolean discarding;
    private boolean finished;
    private int running;
    private ErrPacket error;
    private int lastStatus = ServerStatus.AUTOCOMMIT;
    private int warnings;

    public ScatterRead(Channel client, int replySeq, boolean deprecateEof, MergeSpec spec, List<ShardCall> calls,
                       Completion completion) {
        this.client = client;
        this.seq = replySeq;
        this.deprecateEof = deprecateEof;
        this.spec = spec == null ? MergeSpec.CONCAT : spec;
        this.calls = List.copyOf(calls);
        this.completion = completion;
        this.sources = new Source[calls.size()];
    }

    public void start() {
        running = calls.size();
        for (int i = 0; i < sources.length; i++) sources[i] = new Source(i, calls.get(i).connection());
        for (int i = 0; i < sources.length; i++) {
            ShardCall c = calls.get(i);
            c.connection().execute(c.payload(), ResponseKind.RESULT, sources[i], 1);
        }
    }

    /** The client's socket drained: send more. */
    public void onClientWritable() {
        drain();
        client.flush();
    }

    /** Whether a shard connection is still streaming this statement (so it cannot be reused or pooled). */
    public boolean finished() {
        return finished;
    }

    // ------------------------------------------------------------------------------------------ per shard

    private void fail(int source, ErrPacket e) {
        if (error == null) {
            error = new ErrPacket(e.code(), e.sqlState(), e.message() + " [shardgate: from shard " + calls.get(source).label() + "]");
        }
        discard();
    }

    /** From now on rows are dropped and every shard read to its end. */
    private void discard() {
        if (discarding) return;
        discarding = true;
        for (Source s : sources) s.resume();
    }

    private void columnsKnown(Source s) {
        if (shardColumns < 0) {
            shardColumns = s.defs.size();
            visibleColumns = shardColumns - spec.hiddenColumns();
            defs = s.defs;
            rawDefs = s.rawDefs;
            try {
                buildMerge();
            } catch (IllegalArgumentException e) {
                fail(s.index, new ErrPacket(1105, "HY000", "shardgate cannot merge this result: " + e.getMessage()));
            }
        } else if (s.defs.size() != shardColumns) {
            fail(s.index, new ErrPacket(1105, "HY000", "shards returned different numbers of columns ("
                    + shardColumns + " and " + s.defs.size() + "); are the table definitions the same on every shard?"));
        }
        maybeSendHeader();
    }

    private void buildMerge() {
        if (visibleColumns < 1) throw new IllegalArgumentException("the shards returned fewer columns than expected");
        List<SortedMerge.SortKey> keys = new ArrayList<>();
        for (MergeSpec.SortKey k : spec.orderBy()) {
            int col = k.selectIndex();
            if (col < 0) col = columnNamed(k.column());
            if (col >= shardColumns) throw new IllegalArgumentException("ORDER BY column #" + col + " is not in the result");
            keys.add(new SortedMerge.SortKey(col, k.descending(), defs.get(col)));
        }
        boolean grouping = !spec.groupBy().isEmpty() || !spec.aggregates().isEmpty() || spec.distinct();
        long limit = spec.count() == null ? -1 : spec.count();
        if (grouping) {
            merge = new SortedMerge(sources.length, keys, 0, -1, BACKLOG_ROWS);
            List<GroupFold.Fold> folds = new ArrayList<>();
            for (int i = 0; i < shardColumns; i++) folds.add(GroupFold.Fold.ANY);
            for (int g : spec.groupBy()) folds.set(g, GroupFold.Fold.KEY);
            if (spec.groupBy().isEmpty() && spec.aggregates().isEmpty()) {
                for (int i = 0; i < visibleColumns; i++) folds.set(i, GroupFold.Fold.KEY); // DISTINCT
            }
            for (MergeSpec.AggregateColumn a : spec.aggregates()) {
                switch (a.combine()) {
                    case COUNT_SUM -> folds.set(a.selectIndex(), GroupFold.Fold.COUNT);
                    case SUM -> folds.set(a.selectIndex(), GroupFold.Fold.SUM);
                    case MIN -> folds.set(a.selectIndex(), GroupFold.Fold.MIN);
                    case MAX -> folds.set(a.selectIndex(), GroupFold.Fold.MAX);
                    case AVG -> {
                        folds.set(a.selectIndex(), GroupFold.Fold.SUM);
                        folds.set(a.countIndex(), GroupFold.Fold.COUNT);
                    }
                }
            }
            fold = new GroupFold(defs, folds);
            foldSkip = spec.offset();
            foldRemaining = limit < 0 ? Long.MAX_VALUE : limit;
        } else {
            merge = new SortedMerge(sources.length, keys, spec.offset(), limit, BACKLOG_ROWS);
        }
    }

    private int columnNamed(String name) {
        for (int i = 0; i < visibleColumns; i++) {
            if (defs.get(i).name().equalsIgnoreCase(name)) return i;
        }
        throw new IllegalArgumentException("ORDER BY " + name + ": no result column has that name");
    }

    private void maybeSendHeader() {
        if (headerSent || error != null) return;
        for (Source s : sources) {
            if (!s.pastColumns) return;
        }
        headerSent = true;
        ByteBuf count = Packets.start(client.alloc(), 9);
        Wire.writeLenenc(count, visibleColumns);
        client.write(Packets.finish(count, seq));
        seq = (seq + 1) & 0xff;
        for (int i = 0; i < visibleColumns; i++) {
            ByteBuf def = columnDefinition(i);
            seq = Packets.write(client, def, seq);
        }
        if (!deprecateEof) {
            client.write(Packets.eof(client.alloc(), seq, ServerStatus.AUTOCOMMIT, 0));
            seq = (seq + 1) & 0xff;
        }
        drain();
    }

    private ByteBuf columnDefinition(int i) {
        byte[] raw = rawDefs.get(i);
        for (MergeSpec.AggregateColumn a : spec.aggregates()) {
            if (a.selectIndex() == i && a.combine() == MergeSpec.Combine.AVG) {
                return ColumnDefinitions.asAverage(client.alloc(), raw, a.label());
            }
        }
        return client.alloc().buffer(raw.length).writeBytes(raw);
    }

    private void offer(Source s, TextRow row) {
        if (discarding || merge == null) return;
        if (row.values().length != shardColumns) {
            fail(s.index, new ErrPacket(1105, "HY000", "a row with " + row.values().length + " columns, expected " + shardColumns));
            return;
        }
        merge.offer(s.index, row);
        if (!merge.wantsMore(s.index)) s.pause();
        drain();
    }

    private void sourceDone(Source s) {
        if (merge != null) merge.finish(s.index);
        running--;
        if (!s.pastColumns) {
            s.pastColumns = true; // an error ended it: nothing more to wait for
            maybeSendHeader();
        }
        drain();
    }

    // ------------------------------------------------------------------------------------------ output

    private void drain() {
        if (finished) return;
        if (headerSent && !discarding) {
            TextRow r;
            while (client.isWritable() && (r = merge.poll()) != null) {
                if (fold == null) {
                    writeRow(r);
                } else {
                    TextRow g = fold.offer(r);
                    if (g != null) page(g);
                }
                if (discarding) break;
            }
            if (fold == null && merge.done() && running > 0) discard(); // LIMIT reached: the rest is not needed
            for (Source s : sources) if (merge.wantsMore(s.index)) s.resume();
        }
        // no flush here: rows go out once per socket read of the shards (onReadComplete), not once per row
        if (running == 0 && (discarding || error != null || merge == null || merge.done())) complete();
    }

    private void page(TextRow group) {
        if (foldSkip > 0) {
            foldSkip--;
            return;
        }
        if (foldRemaining == 0) return;
        foldRemaining--;
        writeRow(finishAggregates(group));
        if (foldRemaining == 0 && running > 0) discard();
    }

    private TextRow finishAggregates(TextRow row) {
        byte[][] v = row.values();
        for (MergeSpec.AggregateColumn a : spec.aggregates()) {
            if (a.combine() == MergeSpec.Combine.AVG) {
                v[a.selectIndex()] = Average.of(v[a.selectIndex()], v[a.countIndex()], defs.get(a.selectIndex()));
            }
        }
        return row;
    }

    private void writeRow(TextRow row) {
        byte[][] v = row.values();
        int size = 0;
        for (int i = 0; i < visibleColumns; i++) size += v[i] == null ? 1 : v[i].length + 9;
        ByteBuf out = client.alloc().buffer(size);
        for (int i = 0; i < visibleColumns; i++) {
            if (v[i] == null) out.writeByte(0xfb);
            else Wire.writeLenencBytes(out, v[i]);
        }
        seq = Packets.write(client, out, seq);
    }

    private void complete() {
        if (finished) return;
        finished = true;
        if (error == null && fold != null && !discarding) {
            TextRow last = fold.finish();
            if (last != null) page(last);
        }
        if (error != null) {
            client.write(Packets.err(client.alloc(), seq, error.code(), error.sqlState(), error.message()));
            completion.completed(lastStatus, error.code());
            return;
        }
        int status = lastStatus & ~ServerStatus.MORE_RESULTS_EXISTS;
        if (deprecateEof) {
            ByteBuf ok = Packets.start(client.alloc(), 8);
            ok.writeByte(0xfe);
            Wire.writeLenenc(ok, 0);
            Wire.writeLenenc(ok, 0);
            ok.writeShortLE(status).writeShortLE(Math.min(warnings, 0xffff));
            client.write(Packets.finish(ok, seq));
        } else {
            client.write(Packets.eof(client.alloc(), seq, status, Math.min(warnings, 0xffff)));
        }
        completion.completed(status, 0);
    }

    // ------------------------------------------------------------------------------------------ a shard's stream

    private final class Source extends PacketSink {
        private final int index;
        private final BackendConnection connection;
        private final boolean shardDeprecateEof;
        private final List<ColumnDef> defs = new ArrayList<>();
        private final List<byte[]> rawDefs = new ArrayList<>();
        private long columnsLeft = -1;
        private boolean awaitingEof;
        private boolean inRows;
        /** Its column definitions are known, or it ended without any. */
        boolean pastColumns;
        private boolean paused;

        Source(int index, BackendConnection connection) {
            super(client.alloc());
            this.index = index;
            this.connection = connection;
            this.shardDeprecateEof = connection.profile().deprecateEof();
        }

        @Override
        protected void onPacket(ByteBuf payload) {
            int first = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
            if (inRows) {
                if (first == 0xfe && payload.readableBytes() < (shardDeprecateEof ? Packets.MAX_PAYLOAD : 9)) {
                    if (shardDeprecateEof) {
                        OkPacket ok = OkPacket.decode(payload);
                        lastStatus = ok.status();
                        warnings += ok.warnings();
                    } else if (payload.readableBytes() >= 5) {
                        warnings += payload.getUnsignedShortLE(payload.readerIndex() + 1);
                        lastStatus = payload.getUnsignedShortLE(payload.readerIndex() + 3);
                    }
                    inRows = false;
                } else if (first == 0xff) {
                    inRows = false;
                    fail(index, ErrPacket.decode(payload));
                } else {
                    offer(this, TextRow.decode(payload, defs.size()));
                }
                return;
            }
            if (awaitingEof) {
                awaitingEof = false;
                enterRows();
                return;
            }
            if (columnsLeft > 0) {
                defs.add(ColumnDef.decode(payload));
                rawDefs.add(ByteBufUtil.getBytes(payload));
                if (--columnsLeft == 0) {
                    if (shardDeprecateEof) enterRows();
                    else awaitingEof = true;
                }
                return;
            }
            if (columnsLeft < 0) {
                if (first == 0xff) {
                    fail(index, ErrPacket.decode(payload));
                } else if (first == 0x00) {
                    fail(index, new ErrPacket(1105, "HY000", "the shard returned no result set for a query"));
                } else {
                    columnsLeft = Wire.getLenenc(payload, payload.readerIndex());
                    if (columnsLeft == 0) fail(index, new ErrPacket(1105, "HY000", "a result set without columns"));
                }
            }
        }

        private void enterRows() {
            inRows = true;
            pastColumns = true;
            columnsKnown(this);
        }

        void pause() {
            if (!paused && !discarding) {
                paused = true;
                connection.channel().config().setAutoRead(false);
            }
        }

        void resume() {
            if (paused) {
                paused = false;
                connection.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void onReadComplete() {
            if (!finished) client.flush();
        }

        @Override
        public void onComplete(int status, int errorCode) {
            releaseBuffers();
            resume();
            sourceDone(this);
        }

        @Override
        public void onFailure(Throwable cause) {
            releaseBuffers();
            fail(index, new ErrPacket(1429, "HY000", cause.getMessage()));
            sourceDone(this);
        }

    }
}
