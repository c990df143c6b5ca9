package io.shardgate.proxy.exec;

import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.ColumnType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/** AVG from the merged SUM and COUNT, written as MySQL writes it. */
final class Average {
    private Average() {}

    /**
     * @param sum    the summed SUM(x) text, or null
     * @param count  the summed COUNT(x) text
     * @param sumDef the SUM column's definition (its decimals decide the AVG's scale)
     * @return the average's text; null when there was nothing to average (SQL NULL, as MySQL)
     */
    static byte[] of(byte[] sum, byte[] count, ColumnDef sumDef) {
        if (sum == null || count == null) return null;
        BigDecimal n = new BigDecimal(ascii(count));
        if (n.signum() == 0) return null;
        if (sumDef.family() == ColumnType.Family.FLOATING) {
            double avg = Double.parseDouble(ascii(sum)) / n.doubleValue();
            return formatDouble(avg).getBytes(StandardCharsets.US_ASCII);
        }
        int scale = Math.min(sumDef.decimals() + ColumnDefinitions.AVG_EXTRA_DECIMALS, ColumnDefinitions.MAX_DECIMALS);
        return new BigDecimal(ascii(sum)).divide(n, scale, RoundingMode.HALF_UP).toPlainString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Shortest round-trip digits without an exponent for ordinary magnitudes, like MySQL's %g-style output. */
    static String formatDouble(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        BigDecimal b = new BigDecimal(Double.toString(d));
        return Math.abs(d) >= 1e-5 && Math.abs(d) < 1e15 ? b.toPlainString() : Double.toString(d).replace("E", "e");
    }

    private static String ascii(byte[] v) {
        return new String(v, StandardCharsets.US_ASCII);
    }
}
