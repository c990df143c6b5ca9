package io.shardgate.proxy.xa;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.CRC32C;

/**
 * The proxy's durable record of commit decisions for transactions that span groups ({@code <data_dir>/xa/decisions.log}).
 *
 * <p>Presumed abort: only the decision to commit is written, before the first {@code XA COMMIT} and made durable
 * ({@code force}); once every group has committed, a {@code DONE} follows without forcing (losing it only makes
 * recovery look again). A prepared branch whose gtrid has no pending {@code COMMIT} here is rolled back by recovery.
 *
 * <p>File format: UTF-8 text, one record per line, each ending in {@code '\n'}:
 * <pre>
 *   COMMIT &lt;gtrid&gt; &lt;group&gt;[,&lt;group&gt;...] &lt;crc&gt;
 *   DONE &lt;gtrid&gt; &lt;crc&gt;
 * </pre>
 * where {@code <crc>} is the CRC-32C of the line's text before the last space, as 8 lowercase hex digits. A line that
 * fails to parse or whose checksum does not match is tolerated only at the end of the file, where a crash during a
 * write leaves it (that record was never acknowledged, so dropping it is safe); anywhere before a good line it makes
 * {@link #open} fail naming the file and line, since silently dropping a commit decision would split a transaction.
 *
 * <p>Writes never happen on the caller's thread: one daemon thread drains every queued record, writes them in one go,
 * forces once if any of them needs it, then completes their futures (group commit). The futures complete on that
 * thread; callers on an event loop hop back to it. On open the file is compacted to the pending decisions (temp
 * file, force, atomic rename, force of the directory); during the run it is compacted again whenever it grows past
 * a limit. A lock file keeps a second proxy from using the same directory.
 */
public final class XaDecisionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XaDecisionLog.class);

    public static final String DIR = "xa";
    public static final String FILE = "decisions.log";
    static final long DEFAULT_COMPACT_ABOVE = 64L << 20;

    private final Path dir;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LinkedBlockingQueue<Record> queue = new LinkedBlockingQueue<>();
    /** Gtrid to groups of every COMMIT written without its DONE yet; guarded by itself. */
    private final Map<String, List<String>> pending;
    private final Thread writer;
    private final long compactAbove;
    private long nextCompaction;

    /** Writer thread only. */
    private FileChannel channel;
    private IOException broken;
    private volatile boolean closed;
    private volatile long forces;

    private record Record(String gtrid, List<String> groups, byte[] line, CompletableFuture<Void> future,
                          CountDownLatch hold) {
        Record(String gtrid, List<String> groups, byte[] line, CompletableFuture<Void> future) {
            this(gtrid, groups, line, future, null);
        }

        boolean commit() {
            return groups != null;
        }
    }

    private static final Record CLOSE = new Record(null, null, null, null);

    private XaDecisionLog(Path dir, FileChannel lockChannel, FileLock lock, Map<String, List<String>> pending,
                          long compactAbove) throws IOException {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.pending = pending;
        this.compactAbove = compactAbove;
        this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.nextCompaction = Math.max(compactAbove, 2 * channel.size());
        this.writer = new Thread(this::writeLoop, "shardgate-xa-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens (creating it if needed) the log under {@code <dataDir>/xa/}, reads and compacts it. */
    public static XaDecisionLog open(Path dataDir) throws IOException {
        return open(dataDir, DEFAULT_COMPACT_ABOVE);
    }

    static XaDecisionLog open(Path dataDir, long compactAbove) throws IOException {
        Path dir = dataDir.resolve(DIR);
        Files.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve("decisions.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = null;
        try {
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very JVM
            }
            if (lock == null) {
                throw new IOException(dir + " is in use by another shardgate proxy (each proxy needs its own data_dir)");
            }
            Path file = dir.resolve(FILE);
            Map<String, List<String>> pending = Files.exists(file) ? read(file) : new LinkedHashMap<>();
            rewrite(dir, file, pending);
            if (!pending.isEmpty()) log.info("XA decision log {}: {} commit decision(s) pending", file, pending.size());
            return new XaDecisionLog(dir, lockChannel, lock, pending, compactAbove);
        } catch (IOException | RuntimeException e) {
            if (lock != null) lock.release();
            lockChannel.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Appends the decision to commit {@code gtrid} on {@code groups}; the future completes once it is on disk
     * (forced), on the log's thread, or fails if it could not be written.
     */
    public CompletableFuture<Void> commit(String gtrid, Collection<String> groups) {
        List<String> g = List.copyOf(groups);
        if (g.isEmpty()) throw new IllegalArgumentException("a commit decision needs at least one group");
        for (String name : g) {
            if (name.isEmpty() || name.contains(",") || name.contains(" ")) {
                throw new IllegalArgumentException("group name '" + name + "' cannot be written to the decision log");
            }
        }
        Xid.of(gtrid, g.get(0)); // the same checks as an id: no blanks, no control characters
        return enqueue(new Record(gtrid, g, line("COMMIT " + gtrid + " " + String.join(",", g)), new CompletableFuture<>()));
    }

    /** Appends that every group of {@code gtrid} committed; written but not forced. */
    public CompletableFuture<Void> done(String gtrid) {
        Xid.of(gtrid, "x");
        return enqueue(new Record(gtrid, null, line("DONE " + gtrid), new CompletableFuture<>()));
    }

    /** Commit decisions without their DONE: gtrid to its groups, oldest first. */
    public Map<String, List<String>> pendingCommits() {
        synchronized (pending) {
            return new LinkedHashMap<>(pending);
        }
    }

    /** The groups of a pending decision for {@code gtrid}, or null. */
    public List<String> pendingCommit(String gtrid) {
        synchronized (pending) {
            return pending.get(gtrid);
        }
    }

    private CompletableFuture<Void> enqueue(Record r) {
        synchronized (queue) { // with close(): nothing can be queued behind CLOSE and never answered
            if (closed) {
                r.future.completeExceptionally(new IllegalStateException("the XA decision log " + file + " is closed"));
                return r.future;
            }
            queue.add(r);
        }
        return r.future;
    }

    private static byte[] line(String text) {
        return (text + " " + crc(text) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String crc(String text) {
        CRC32C c = new CRC32C();
        c.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", c.getValue());
    }

    // ---------------------------------------------------------------- writer thread

    private void writeLoop() {
        List<Record> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                Record first = queue.take();
                if (first.hold != null) {
                    first.hold.await();
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; CLOSE is how it stops
            }
            queue.drainTo(batch);
            if (batch.get(batch.size() - 1) == CLOSE) { // CLOSE is always the last record queued
                stop = true;
                batch.remove(batch.size() - 1);
            }
            if (!batch.isEmpty()) writeBatch(batch);
            batch.clear();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing {}: {}", file, e.toString());
        }
    }

    private void writeBatch(List<Record> batch) {
        if (broken == null) {
            try {
                int size = 0;
                boolean force = false;
                for (Record r : batch) {
                    size += r.line.length;
                    force |= r.commit();
                }
                ByteBuffer buf = ByteBuffer.allocate(size);
                for (Record r : batch) buf.put(r.line);
                buf.flip();
                while (buf.hasRemaining()) channel.write(buf);
                if (force) {
                    channel.force(false);
                    forces++;
                }
            } catch (IOException e) {
                // after a failed write or force the file's state is unknown: refuse every later decision
                broken = e;
                log.error("XA decision log {} cannot be written; cross-group commits fail until restart: {}", file, e.toString());
            }
        }
        if (broken != null) {
            IOException cause = broken;
            for (Record r : batch) {
                r.future.completeExceptionally(new IOException("the XA decision log " + file + " cannot be written: "
                        + cause.getMessage(), cause));
            }
            return;
        }
        synchronized (pending) {
            for (Record r : batch) {
                if (r.commit()) pending.put(r.gtrid, r.groups);
                else pending.remove(r.gtrid);
            }
        }
        for (Record r : batch) r.future.complete(null);
        compactIfLarge();
    }

    private void compactIfLarge() {
        try {
            if (channel.size() < nextCompaction) return;
            Map<String, List<String>> now = pendingCommits();
            channel.close();
            rewrite(dir, file, now);
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            // many long-pending decisions must not make every batch compact again
            nextCompaction = Math.max(compactAbove, 2 * channel.size());
        } catch (IOException e) {
            broken = e;
            log.error("XA decision log {} could not be compacted; cross-group commits fail until restart: {}", file, e.toString());
        }
    }

    // ---------------------------------------------------------------- reading and compaction

    /** The pending decisions of {@code file}; a bad line before a good one fails, a bad tail is dropped. */
    static Map<String, List<String>> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, List<String>> pending = new LinkedHashMap<>();
        List<String> badTail = new ArrayList<>();
        int firstBadLine = 0;
        String firstBadReason = null;
        int lineNo = 0;
        int start = 0;
        while (start < bytes.length) {
            lineNo++;
            int nl = start;
            while (nl < bytes.length && bytes[nl] != '\n') nl++;
            boolean terminated = nl < bytes.length;
            String text = new String(bytes, start, nl - start, StandardCharsets.UTF_8);
            start = nl + 1;
            String problem = terminated ? apply(text, pending, true) : "no end of line";
            if (problem == null) {
                if (firstBadReason != null) {
                    throw new IOException(file + ":" + firstBadLine + ": corrupt XA decision record (" + firstBadReason
                            + ") before valid ones; refusing to guess which transactions were decided. Repair or move"
                            + " the file after checking each group's XA RECOVER (docs/operations.md)");
                }
                apply(text, pending, false);
            } else {
                if (firstBadReason == null) {
                    firstBadLine = lineNo;
                    firstBadReason = problem;
                }
                badTail.add(lineNo + " (" + problem + ")");
            }
        }
        if (!badTail.isEmpty()) {
            log.warn("XA decision log {}: dropping an incomplete tail left by a crash during a write, line(s) {}", file, badTail);
        }
        return pending;
    }

    /** Checks one line (dryRun) or applies it to {@code pending}; returns what is wrong with it, or null. */
    private static String apply(String text, Map<String, List<String>> pending, boolean dryRun) {
        int lastSpace = text.lastIndexOf(' ');
        if (lastSpace < 0) return "no checksum";
        String body = text.substring(0, lastSpace);
        if (!crc(body).equals(text.substring(lastSpace + 1))) return "checksum mismatch";
        String[] f = body.split(" ", -1);
        try {
            if (f[0].equals("COMMIT") && f.length == 3) {
                List<String> groups = List.of(f[2].split(",", -1));
                for (String g : groups) Xid.of(f[1], g);
                if (!dryRun) pending.put(f[1], groups);
                return null;
            }
            if (f[0].equals("DONE") && f.length == 2) {
                Xid.of(f[1], "x");
                if (!dryRun) pending.remove(f[1]);
                return null;
            }
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return "not a COMMIT or DONE record";
    }

    /** Replaces {@code file} by one holding exactly {@code pending}, atomically and durably. */
    private static void rewrite(Path dir, Path file, Map<String, List<String>> pending) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        StringBuilder text = new StringBuilder();
        pending.forEach((gtrid, groups) ->
                text.append(new String(line("COMMIT " + gtrid + " " + String.join(",", groups)), StandardCharsets.UTF_8)));
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) c.write(buf);
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // the rename itself is durable only once the directory is
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** How many times the file was forced (tests: group commit). */
    long forces() {
        return forces;
    }

    /** Makes the writer wait for {@code latch} before its next batch (tests: everything queued meanwhile is one batch). */
    void holdWriterUntil(CountDownLatch latch) {
        enqueue(new Record(null, null, null, new CompletableFuture<>(), latch));
    }

    /** Writes what is queued, then stops the writer; later appends fail. */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add(CLOSE);
        }
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("releasing {}: {}", dir.resolve("decisions.lock"), e.toString());
        }
    }
}
