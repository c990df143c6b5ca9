package io.shardgate.proxy.xa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XaDecisionLogTest {
    @TempDir
    Path dataDir;

    Path file() {
        return dataDir.resolve("xa").resolve("decisions.log");
    }

    List<String> lines() throws IOException {
        return Files.readAllLines(file());
    }

    @Test
    void aCommitIsOnDiskWhenItsFutureCompletesAndSurvivesReopening() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            log.commit("sg-p1-a-1", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
            assertThat(lines()).hasSize(1).first().asString().startsWith("COMMIT sg-p1-a-1 g0,g1 ").matches(".* [0-9a-f]{8}");
            assertThat(log.pendingCommits()).isEqualTo(Map.of("sg-p1-a-1", List.of("g0", "g1")));
        }
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).isEqualTo(Map.of("sg-p1-a-1", List.of("g0", "g1")));
            assertThat(log.pendingCommit("sg-p1-a-1")).containsExactly("g0", "g1");
        }
    }

    @Test
    void doneRemovesThePendingDecisionAndCompactionAtOpenDropsFinishedOnes() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            log.commit("sg-p1-a-1", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
            log.commit("sg-p1-a-2", List.of("g1", "g2")).get(10, TimeUnit.SECONDS);
            log.done("sg-p1-a-1").get(10, TimeUnit.SECONDS);
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-a-2");
            assertThat(lines()).hasSize(3);
        }
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).isEqualTo(Map.of("sg-p1-a-2", List.of("g1", "g2")));
            assertThat(lines()).as("rewritten with the pending decision only").hasSize(1).first().asString()
                    .startsWith("COMMIT sg-p1-a-2 g1,g2 ");
            assertThat(Files.exists(file().resolveSibling("decisions.log.tmp"))).isFalse();
        }
    }

    @Test
    void aTornLastLineIsDroppedAndTheRestKept() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            log.commit("sg-p1-a-1", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
        }
        // a crash in the middle of the next record: part of a line, no end of line
        Files.writeString(file(), "COMMIT sg-p1-a-2 g0,g", StandardOpenOption.APPEND);
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-a-1");
            assertThat(lines()).hasSize(1);
            // and appending after it starts on a clean line
            log.commit("sg-p1-a-3", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
        }
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-a-1", "sg-p1-a-3");
        }
    }

    @Test
    void garbageAfterTheLastGoodLineIsATornTailToo() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            log.commit("sg-p1-a-1", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
        }
        Files.write(file(), new byte[]{0, 0, 0, '\n', 0, 0}, StandardOpenOption.APPEND); // zeros a crash can leave
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-a-1");
        }
    }

    @Test
    void aCorruptLineBeforeGoodOnesFailsOpeningNamingFileAndLine() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            log.commit("sg-p1-a-1", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
            log.commit("sg-p1-a-2", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
            log.commit("sg-p1-a-3", List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
        }
        List<String> l = lines();
        l.set(1, l.get(1).replace("g0,g1", "g0,g2")); // one flipped character: the checksum no longer matches
        Files.write(file(), l, StandardCharsets.UTF_8);
        String before = Files.readString(file());
        assertThatThrownBy(() -> XaDecisionLog.open(dataDir)).isInstanceOf(IOException.class)
                .hasMessageContaining(file() + ":2:").hasMessageContaining("checksum mismatch");
        assertThat(Files.readString(file())).as("nothing rewritten").isEqualTo(before);
        // the failed open released its lock: a repaired file opens
        Files.write(file(), List.of(l.get(0), l.get(2)), StandardCharsets.UTF_8);
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-a-1", "sg-p1-a-3");
        }
    }

    @Test
    void aSecondLogOnTheSameDirectoryIsRefused() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThatThrownBy(() -> XaDecisionLog.open(dataDir)).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by another shardgate proxy");
        }
    }

    @Test
    void concurrentAppendsAllCompleteAndAreAllWritten() throws Exception {
        int threads = 16;
        int each = 200;
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            List<CompletableFuture<Void>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int tn = t;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        String g = "sg-p1-t" + tn + "-" + i;
                        futures.add(log.commit(g, List.of("g0", "g1")));
                        if (i % 2 == 0) futures.add(log.done(g));
                    }
                });
                th.start();
                ts.add(th);
            }
            go.countDown();
            for (Thread th : ts) th.join();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(lines()).hasSize(threads * each + threads * each / 2);
            assertThat(log.pendingCommits()).hasSize(threads * each / 2);
            assertThat(log.forces()).as("group commit: fewer forces than commit records")
                    .isGreaterThan(0).isLessThanOrEqualTo(threads * each);
        }
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).hasSize(threads * each / 2).containsKey("sg-p1-t3-1").doesNotContainKey("sg-p1-t3-0");
        }
    }

    @Test
    void recordsQueuedBeforeTheirBatchIsWrittenShareOneForce() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            CountDownLatch hold = new CountDownLatch(1);
            log.holdWriterUntil(hold); // the writer is busy: everything queued meanwhile is one batch
            List<CompletableFuture<Void>> f = new ArrayList<>();
            for (int i = 0; i < 50; i++) f.add(log.commit("sg-p1-b-" + i, List.of("g0", "g1")));
            assertThat(f).noneMatch(CompletableFuture::isDone);
            long before = log.forces();
            hold.countDown();
            CompletableFuture.allOf(f.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(log.forces() - before).isEqualTo(1);
        }
    }

    @Test
    void theFileIsCompactedDuringTheRunWhenItGrows() throws Exception {
        try (XaDecisionLog log = XaDecisionLog.open(dataDir, 4096)) {
            for (int i = 0; i < 200; i++) {
                log.commit("sg-p1-c-" + i, List.of("g0", "g1")).get(10, TimeUnit.SECONDS);
                if (i != 7) log.done("sg-p1-c-" + i).get(10, TimeUnit.SECONDS);
            }
            assertThat(Files.size(file())).isLessThan(4096 + 200);
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-c-7");
        }
        try (XaDecisionLog log = XaDecisionLog.open(dataDir)) {
            assertThat(log.pendingCommits()).containsOnlyKeys("sg-p1-c-7");
        }
    }

    @Test
    void appendsAfterCloseFail() throws Exception {
        XaDecisionLog log = XaDecisionLog.open(dataDir);
        log.close();
        assertThat(log.commit("sg-p1-a-1", List.of("g0"))).isCompletedExceptionally();
    }
}
