package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.shardgate.proxy.backend.ResponseKind;
import io.shardgate.proxy.protocol.ErrPacket;
import io.shardgate.proxy.protocol.OkPacket;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one write on several shards at once (DDL, a broadcast write, a multi-row INSERT split by shard, an
 * UPDATE/DELETE over several shards) and answers as one server would: affected rows and warnings summed (for
 * a broadcast write, those of one copy: the client wrote its rows once), the first non-zero LAST_INSERT_ID in
 * shard order. When some shards fail the client gets the first failure's
 * error, with the shards named that applied it and those that did not: without XA (issue 4) nothing undoes
 * what the others did, and the message says so.
 */
public final class FanoutWrite {
    private final Channel client;
    private final int replySeq;
    private final List<ShardCall> calls;
    private final Completion completion;
    /** Every call writes a copy of the same rows (a broadcast table): report one copy's counts, not the sum. */
    private final boolean copies;
    private final Outcome[] outcomes;
    private int pending;
    /** Calls share a connection: sent one after another. */
    private boolean sequential;

    /** What one shard answered: OK, ERR, or nothing (connection lost). */
    private record Outcome(OkPacket ok, ErrPacket err) {}

    /** Marks a shard that answered with rows, until their end says its status. */
    private static final Outcome RESULT_SET = new Outcome(null, null);

    /** @param copies the calls write copies of the same rows (broadcast): affected rows and warnings of one copy */
    public FanoutWrite(Channel client, int replySeq, List<ShardCall> calls, boolean copies, Completion completion) {
        this.client = client;
        this.replySeq = replySeq;
        this.calls = List.copyOf(calls);
        this.copies = copies;
        this.completion = completion;
        this.outcomes = new Outcome[calls.size()];
    }

    /**
     * Sends every call at once when each has its own connection; when some share one (a transaction's writes
     * to several shards of its own group all go through the session's default connection) one after another.
     */
    public void start() {
        pending = calls.size();
        sequential = sharesConnections();
        if (sequential) {
            send(0);
        } else {
            for (int i = 0; i < calls.size(); i++) send(i);
        }
    }

    private boolean sharesConnections() {
        for (int i = 0; i < calls.size(); i++) {
            for (int k = i + 1; k < calls.size(); k++) {
                if (calls.get(i).connection() == calls.get(k).connection()) return true;
            }
        }
        return false;
    }

    private void send(int i) {
        ShardCall c = calls.get(i);
        c.connection().execute(c.payload(), ResponseKind.RESULT, new Sink(i), 1);
    }

    private void done(int i, Outcome o) {
        if (outcomes[i] != null) return;
        outcomes[i] = o;
        pending--;
        if (sequential && i + 1 < calls.size()) {
            if (o.ok() != null) {
                send(i + 1);
                return;
            }
            // one after another, the first failure stops the rest: reported as not run
            for (int k = i + 1; k < calls.size(); k++) {
                calls.get(k).payload().release();
                outcomes[k] = new Outcome(null, null);
            }
            pending = 0;
        }
        if (pending > 0) return;
        long affected = 0, lastId = 0;
        int warnings = 0, status = ServerStatus.AUTOCOMMIT;
        int firstFailed = -1;
        List<String> applied = new ArrayList<>(), failed = new ArrayList<>(), skipped = new ArrayList<>();
        for (int k = 0; k < outcomes.length; k++) {
            Outcome r = outcomes[k];
            if (r.ok() != null) {
                applied.add(calls.get(k).label());
                if (!copies || applied.size() == 1) {
                    affected += r.ok().affectedRows();
                    warnings += r.ok().warnings();
                }
                if (lastId == 0) lastId = r.ok().lastInsertId();
                if (k == 0) status = r.ok().status() & ~ServerStatus.MORE_RESULTS_EXISTS;
            } else if (r.err() == null) {
                skipped.add(calls.get(k).label());
            } else {
                failed.add(calls.get(k).label());
                if (firstFailed < 0) firstFailed = k;
            }
        }
        if (firstFailed < 0) {
            client.write(Packets.ok(client.alloc(), replySeq, affected, lastId, status, Math.min(warnings, 0xffff), null));
            completion.completed(status, 0);
            return;
        }
        ErrPacket e = outcomes[firstFailed].err();
        if (!skipped.isEmpty()) failed.add("not run on " + String.join(", ", skipped));
        String where = applied.isEmpty()
                ? " [shardgate: failed on " + String.join(", ", failed) + "; applied on no shard]"
                : " [shardgate: failed on " + String.join(", ", failed) + " but APPLIED on " + String.join(", ", applied)
                  + "; the shards now differ: repair the failed ones, or undo the applied ones]";
        client.write(Packets.err(client.alloc(), replySeq, e.code(), e.sqlState(), e.message() + where));
        completion.completed(status, e.code());
    }

    /** Reads one shard's answer: the first packet says OK or ERR; anything else (rows) is read and dropped. */
    private final class Sink extends PacketSink {
        private final int index;
        private Outcome outcome;

        Sink(int index) {
            super(client.alloc());
            this.index = index;
        }

        @Override
        protected void onPacket(ByteBuf payload) {
            if (outcome != null || !payload.isReadable()) return;
            int first = payload.getUnsignedByte(payload.readerIndex());
            outcome = first == 0xff ? new Outcome(null, ErrPacket.decode(payload))
                    : first == 0x00 ? new Outcome(OkPacket.decode(payload), null)
                    : RESULT_SET; // a result set (RETURNING ...): its status comes with its end
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onComplete(int status, int errorCode) {
            releaseBuffers();
            if (outcome == RESULT_SET) outcome = new Outcome(new OkPacket(0, 0, status, 0), null);
            done(index, outcome != null ? outcome
                    : new Outcome(null, new ErrPacket(1105, "HY000", "shard " + calls.get(index).label() + " sent an empty answer")));
        }

        @Override
        public void onFailure(Throwable cause) {
            releaseBuffers();
            done(index, new Outcome(null, new ErrPacket(1429, "HY000", cause.getMessage())));
        }
    }
}
