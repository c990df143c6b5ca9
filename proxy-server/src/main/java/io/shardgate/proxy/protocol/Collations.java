package io.shardgate.proxy.protocol;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The collation ids clients commonly send in their handshake, with the SET NAMES that re-applies one on a
 * reused backend connection. An id not listed here gets a fresh backend connection opened with that id.
 */
public final class Collations {
    private Collations() {}

    /** {@code SET NAMES charset COLLATE collation} for a collation id, or null when unknown. */
    public static String setNames(int id) {
        String[] cc = names(id);
        return cc == null ? null : "SET NAMES " + cc[0] + " COLLATE " + cc[1];
    }

    /** The MySQL character set name of a collation id (utf8mb4 when unknown). */
    public static String mysqlCharsetName(int id) {
        String[] cc = names(id);
        return cc == null ? "utf8mb4" : cc[0];
    }

    /** The Java charset for decoding statement text sent under this collation (UTF-8 when unsure). */
    public static Charset javaCharset(int id) {
        String[] cc = names(id);
        if (cc == null) return StandardCharsets.UTF_8;
        return switch (cc[0]) {
            case "latin1" -> Charset.forName("windows-1252");
            case "ascii" -> StandardCharsets.US_ASCII;
            case "binary" -> StandardCharsets.ISO_8859_1;
            default -> StandardCharsets.UTF_8;
        };
    }

    private static String[] names(int id) {
        return switch (id) {
            case 8 -> new String[]{"latin1", "latin1_swedish_ci"};
            case 11 -> new String[]{"ascii", "ascii_general_ci"};
            case 33 -> new String[]{"utf8mb3", "utf8mb3_general_ci"};
            case 45 -> new String[]{"utf8mb4", "utf8mb4_general_ci"};
            case 46 -> new String[]{"utf8mb4", "utf8mb4_bin"};
            case 47 -> new String[]{"latin1", "latin1_bin"};
            case 63 -> new String[]{"binary", "binary"};
            case 83 -> new String[]{"utf8mb3", "utf8mb3_bin"};
            case 192 -> new String[]{"utf8mb3", "utf8mb3_unicode_ci"};
            case 224 -> new String[]{"utf8mb4", "utf8mb4_unicode_ci"};
            case 255 -> new String[]{"utf8mb4", "utf8mb4_0900_ai_ci"};
            default -> null;
        };
    }
}
