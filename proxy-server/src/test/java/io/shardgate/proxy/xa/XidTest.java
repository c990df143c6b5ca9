package io.shardgate.proxy.xa;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XidTest {

    @Test
    void rendersEveryXaStatementWithQuotedPartsAndOurFormatId() {
        Xid x = Xid.of("sg-p3307-lx2k9a1b-1f", "g0");
        assertThat(x.formatId()).isEqualTo(0x53470001).isEqualTo(1397161985);
        assertThat(x.startSql()).isEqualTo("XA START 'sg-p3307-lx2k9a1b-1f','g0',1397161985");
        assertThat(x.endSql()).isEqualTo("XA END 'sg-p3307-lx2k9a1b-1f','g0',1397161985");
        assertThat(x.prepareSql()).isEqualTo("XA PREPARE 'sg-p3307-lx2k9a1b-1f','g0',1397161985");
        assertThat(x.commitSql()).isEqualTo("XA COMMIT 'sg-p3307-lx2k9a1b-1f','g0',1397161985");
        assertThat(x.commitOnePhaseSql()).isEqualTo("XA COMMIT 'sg-p3307-lx2k9a1b-1f','g0',1397161985 ONE PHASE");
        assertThat(x.rollbackSql()).isEqualTo("XA ROLLBACK 'sg-p3307-lx2k9a1b-1f','g0',1397161985");
    }

    @Test
    void refusesPartsThatCouldBreakOutOfTheLiteralOrExceedTheServerLimit() {
        assertThatThrownBy(() -> Xid.of("a'b", "g0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gtrid");
        assertThatThrownBy(() -> Xid.of("a\\b", "g0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Xid.of("a b", "g0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Xid.of("ab", "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bqual");
        assertThatThrownBy(() -> Xid.of("x".repeat(65), "g0")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Xid.of("x".repeat(64), "y".repeat(64)).gtrid()).hasSize(64);
    }

    @Test
    void parsesOurRecoverRowsAndIgnoresOthers() {
        byte[] data = "sg-p1-abc-2g1".getBytes(StandardCharsets.US_ASCII);
        assertThat(Xid.fromRecoverRow(Xid.FORMAT_ID, 11, 2, data)).isEqualTo(Xid.of("sg-p1-abc-2", "g1"));
        assertThat(Xid.fromRecoverRow(1, 11, 2, data)).as("another transaction manager's format id").isNull();
        assertThat(Xid.fromRecoverRow(Xid.FORMAT_ID, 12, 2, data)).as("lengths beyond the data").isNull();
        assertThat(Xid.fromRecoverRow(Xid.FORMAT_ID, 0, 2, data)).isNull();
        assertThat(Xid.fromRecoverRow(Xid.FORMAT_ID, 3, 2, "a'bg1".getBytes(StandardCharsets.US_ASCII)))
                .as("our format id on an id we would never make").isNull();
    }

    @Test
    void gtridsAreShortUniqueAndCarryInstanceAndRun() {
        XidSource src = new XidSource("proxy_A_16_chars", Long.MAX_VALUE / 2);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) assertThat(seen.add(src.nextGtrid())).isTrue();
        String g = src.nextGtrid();
        assertThat(g).startsWith("sg-proxy_A_16_chars-");
        assertThat(g.length()).isLessThanOrEqualTo(Xid.MAX_PART);
        assertThat(XidSource.instanceOf(g)).isEqualTo("proxy_A_16_chars");
        assertThat(src.ofThisRun(g)).isTrue();
        assertThat(src.ofThisInstance(g)).isTrue();

        XidSource nextRun = new XidSource("proxy_A_16_chars", Long.MAX_VALUE / 2 + 1);
        assertThat(nextRun.ofThisRun(g)).as("a restart draws from another run").isFalse();
        assertThat(nextRun.ofThisInstance(g)).isTrue();
        assertThat(nextRun.nextGtrid()).isNotEqualTo(new XidSource("proxy_A_16_chars", Long.MAX_VALUE / 2).nextGtrid());
        assertThat(new XidSource("other", 1).ofThisInstance(g)).isFalse();
    }

    @Test
    void instanceOfRejectsForeignShapes() {
        assertThat(XidSource.instanceOf("sg-p1-abc-1")).isEqualTo("p1");
        assertThat(XidSource.instanceOf("sg-p1-abc")).isNull();
        assertThat(XidSource.instanceOf("sg-p1-abc-1-2")).isNull();
        assertThat(XidSource.instanceOf("xx-p1-abc-1")).isNull();
        assertThat(XidSource.instanceOf("sg--abc-1")).isNull();
        assertThatThrownBy(() -> new XidSource("has-dash", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XidSource("x".repeat(17), 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
