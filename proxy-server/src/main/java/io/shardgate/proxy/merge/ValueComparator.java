package io.shardgate.proxy.merge;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;

/**
 * Compares two text-protocol values of one column the way MySQL orders them: NULL first, integers, decimals
 * and floating point by value (unsigned integers as unsigned), dates and date-times by their fixed-width text,
 * TIME by signed duration, binary strings byte by byte.
 *
 * <p>Text under a case-insensitive collation is compared after removing trailing spaces (PAD SPACE), accents
 * (NFD, combining marks dropped) and case: exact for ASCII letters and digits under {@code *_general_ci};
 * an approximation for punctuation under UCA collations and for other scripts. The exact way, for the
 * router to take, is to sort on {@code WEIGHT_STRING(expr)} fetched as a hidden binary column.
 */
public final class ValueComparator implements Comparator<byte[]> {
    /** Collations compared by code point ({@code *_bin}). */
    private static final Set<Integer> BIN_COLLATIONS = Set.of(46, 47, 65, 83, 84, 77, 58);

    private final ColumnType.Family family;
    private final boolean unsigned;
    private final boolean binCollation;

    public ValueComparator(ColumnDef column) {
        this.family = column.family();
        this.unsigned = column.unsigned();
        this.binCollation = BIN_COLLATIONS.contains(column.collation());
    }

    @Override
    public int compare(byte[] a, byte[] b) {
        if (a == null || b == null) return a == b ? 0 : a == null ? -1 : 1;
        return switch (family) {
            case INTEGER -> unsigned ? Long.compareUnsigned(Long.parseUnsignedLong(ascii(a)), Long.parseUnsignedLong(ascii(b)))
                    : Long.compare(Long.parseLong(ascii(a)), Long.parseLong(ascii(b)));
            case DECIMAL -> new BigDecimal(ascii(a)).compareTo(new BigDecimal(ascii(b)));
            case FLOATING -> {
                double x = Double.parseDouble(ascii(a)), y = Double.parseDouble(ascii(b));
                yield x < y ? -1 : x > y ? 1 : 0; // -0 equals 0, as in MySQL
            }
            case TEMPORAL -> Arrays.compare(a, b);
            case TIME -> Long.compare(timeMicros(ascii(a)), timeMicros(ascii(b)));
            case BINARY -> Arrays.compareUnsigned(a, b);
            case TEXT -> binCollation ? trimmed(a).compareTo(trimmed(b))
                    : ascii(a, b) ? asciiCaseless(a, b) : Integer.signum(caseless(a).compareTo(caseless(b)));
        };
    }

    private static String ascii(byte[] v) {
        return new String(v, StandardCharsets.US_ASCII);
    }

    /** {@code [-]H..H:MM:SS[.ffffff]} to signed microseconds. */
    static long timeMicros(String t) {
        boolean negative = t.startsWith("-");
        String s = negative ? t.substring(1) : t;
        int c1 = s.indexOf(':'), c2 = s.indexOf(':', c1 + 1), dot = s.indexOf('.');
        long h = Long.parseLong(s.substring(0, c1));
        long m = Long.parseLong(s.substring(c1 + 1, c2));
        long sec = Long.parseLong(s.substring(c2 + 1, dot < 0 ? s.length() : dot));
        long micros = 0;
        if (dot >= 0) {
            String f = (s.substring(dot + 1) + "000000").substring(0, 6);
            micros = Long.parseLong(f);
        }
        long v = ((h * 60 + m) * 60 + sec) * 1_000_000 + micros;
        return negative ? -v : v;
    }

    private static boolean ascii(byte[] a, byte[] b) {
        for (byte x : a) if (x < 0) return false;
        for (byte x : b) if (x < 0) return false;
        return true;
    }

    /** The caseless order of two ASCII texts without decoding them (the common case, on the merge's hot path). */
    private static int asciiCaseless(byte[] a, byte[] b) {
        int la = a.length, lb = b.length;
        while (la > 0 && a[la - 1] == ' ') la--;
        while (lb > 0 && b[lb - 1] == ' ') lb--;
        int n = Math.min(la, lb);
        for (int i = 0; i < n; i++) {
            int x = upper(a[i]), y = upper(b[i]);
            if (x != y) return x < y ? -1 : 1;
        }
        return Integer.compare(la, lb) < 0 ? -1 : la == lb ? 0 : 1;
    }

    private static int upper(byte c) {
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    }

    private static String trimmed(byte[] v) {
        String s = new String(v, StandardCharsets.UTF_8);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') end--;
        return s.substring(0, end);
    }

    private static String caseless(byte[] v) {
        String s = Normalizer.normalize(trimmed(v), Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.getType(c) != Character.NON_SPACING_MARK) out.append(c);
        }
        return out.toString().toUpperCase(Locale.ROOT);
    }
}
