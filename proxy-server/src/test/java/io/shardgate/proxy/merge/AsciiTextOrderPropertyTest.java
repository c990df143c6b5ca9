package io.shardgate.proxy.merge;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** The allocation-free ASCII path orders text exactly as the general path (trim, strip accents, upper-case) does. */
class AsciiTextOrderPropertyTest {
    static final ValueComparator GENERAL_CI = new ValueComparator(new ColumnDef("db", "t", "c", 45, 40, ColumnType.VAR_STRING, 0, 0));

    @Property(tries = 2000)
    void asciiFastPathAgreesWithTheGeneralOne(@ForAll @StringLength(max = 6) @CharRange(from = ' ', to = '~') String a,
                                             @ForAll @StringLength(max = 6) @CharRange(from = ' ', to = '~') String b) {
        int fast = GENERAL_CI.compare(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
        assertThat(fast).isEqualTo(Integer.signum(general(a).compareTo(general(b))));
    }

    private static String general(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') end--;
        return Normalizer.normalize(s.substring(0, end), Normalizer.Form.NFD).toUpperCase(Locale.ROOT);
    }
}
