package io.shardgate.proxy.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scrambles checked against vectors computed independently with Python's hashlib (python3 3.x):
 * <pre>
 * # mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))
 * python3 -c "import hashlib;n=bytes.fromhex('NONCE');p='PW'.encode();s=hashlib.sha1(p).digest();print(bytes(a^b for a,b in zip(s,hashlib.sha1(n+hashlib.sha1(s).digest()).digest())).hex())"
 * # caching_sha2_password: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)
 * python3 -c "import hashlib;n=bytes.fromhex('NONCE');p='PW'.encode();s=hashlib.sha256(p).digest();print(bytes(a^b for a,b in zip(s,hashlib.sha256(hashlib.sha256(s).digest()+n).digest())).hex())"
 * </pre>
 * Nonces: the scramble of the MySQL documentation's HandshakeV10 example (223d4e50...) and of the MariaDB greeting
 * in InitialHandshakeTest (3b55787c...). Passwords are UTF-8 encoded; the long one is "x" * 100.
 */
class AuthPluginTest {
    static final String DOC_NONCE = "223d4e5029753956296440525c55787a7c21294b";
    static final String MARIADB_NONCE = "3b55787c2f4d7e354a6b215c3e2a6f71594c2d33";

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @ParameterizedTest(name = "{0} \"{1}\" nonce {2}")
    @CsvSource(delimiter = '|', textBlock = """
            MYSQL_NATIVE_PASSWORD | secret   | 223d4e5029753956296440525c55787a7c21294b | 752e525287c381868e48f7c4a5070a2e4291c854
            MYSQL_NATIVE_PASSWORD | secret   | 3b55787c2f4d7e354a6b215c3e2a6f71594c2d33 | 5b52874413be44a38e8641660573a9ec18cd863c
            MYSQL_NATIVE_PASSWORD | pässwörd | 223d4e5029753956296440525c55787a7c21294b | fde85ed4ef128f5e6ce3c21e703dcf04830cc081
            MYSQL_NATIVE_PASSWORD | pässwörd | 3b55787c2f4d7e354a6b215c3e2a6f71594c2d33 | b65f724a6ffc531848ed082b5138816bd15a92a5
            MYSQL_NATIVE_PASSWORD | LONG     | 223d4e5029753956296440525c55787a7c21294b | 62fdaca992daf06a52f374cf18d49b9daff58642
            CACHING_SHA2_PASSWORD | secret   | 223d4e5029753956296440525c55787a7c21294b | ebf4e4d14c751efb1f98f510a2e8413c2208693bb63caa685bc32b63536f40e6
            CACHING_SHA2_PASSWORD | secret   | 3b55787c2f4d7e354a6b215c3e2a6f71594c2d33 | 9d8bb8003bbd76e3dc97740ff89dd12e933cdbd8505455e0380bce4d393d61de
            CACHING_SHA2_PASSWORD | pässwörd | 223d4e5029753956296440525c55787a7c21294b | 15153946d4e65e2185cc07a51c4ad690338a362b567f56f6856fcf286f3774c2
            CACHING_SHA2_PASSWORD | pässwörd | 3b55787c2f4d7e354a6b215c3e2a6f71594c2d33 | 52cba9b0efabf6cdb44df2d7cc1245eff5a415f36d9e6859235134d708926199
            CACHING_SHA2_PASSWORD | LONG     | 3b55787c2f4d7e354a6b215c3e2a6f71594c2d33 | af918cabb5322c7fec64ee24462af7ab92dd13a72b25232f6f88ee4a48be994f
            """)
    void scrambleMatchesIndependentlyComputedVectors(AuthPlugin plugin, String password, String nonce, String expected) {
        String pw = password.equals("LONG") ? "x".repeat(100) : password;
        byte[] response = plugin.scramble(pw, hex(nonce));
        assertThat(HexFormat.of().formatHex(response)).isEqualTo(expected);
        assertThat(plugin.matches(pw, hex(nonce), hex(expected))).isTrue();
    }

    @ParameterizedTest
    @EnumSource(AuthPlugin.class)
    void wrongPasswordOrNonceOrTamperedResponseDoesNotMatch(AuthPlugin plugin) {
        byte[] nonce = hex(DOC_NONCE);
        byte[] good = plugin.scramble("secret", nonce);
        assertThat(plugin.matches("secret", nonce, good)).isTrue();
        assertThat(plugin.matches("Secret", nonce, good)).isFalse();
        assertThat(plugin.matches("secret ", nonce, good)).isFalse();
        assertThat(plugin.matches("", nonce, good)).isFalse();
        assertThat(plugin.matches("secret", hex(MARIADB_NONCE), good)).isFalse();
        byte[] tampered = good.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThat(plugin.matches("secret", nonce, tampered)).isFalse();
        assertThat(plugin.matches("secret", nonce, Arrays.copyOf(good, good.length - 1))).isFalse();
        assertThat(plugin.matches("secret", nonce, new byte[0])).isFalse();
        assertThat(plugin.matches("secret", nonce, null)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(AuthPlugin.class)
    void emptyPasswordIsAnEmptyResponse(AuthPlugin plugin) {
        byte[] nonce = hex(DOC_NONCE);
        assertThat(plugin.scramble("", nonce)).isEmpty();
        assertThat(plugin.scramble(null, nonce)).isEmpty();
        assertThat(plugin.matches("", nonce, new byte[0])).isTrue();
        assertThat(plugin.matches("", nonce, null)).isTrue();
        assertThat(plugin.matches("", nonce, plugin.scramble("secret", nonce))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(AuthPlugin.class)
    void onlyTheFirst20NonceBytesCount(AuthPlugin plugin) {
        // an AuthSwitchRequest carries the 20-byte scramble followed by a NUL
        byte[] nonce = hex(DOC_NONCE);
        byte[] withNul = Arrays.copyOf(nonce, 21);
        assertThat(plugin.scramble("secret", withNul)).isEqualTo(plugin.scramble("secret", nonce));
    }

    @Test
    void responseLengthsAreTheDigestSizes() {
        byte[] nonce = hex(DOC_NONCE);
        assertThat(AuthPlugin.MYSQL_NATIVE_PASSWORD.scramble("a", nonce)).hasSize(20);
        assertThat(AuthPlugin.CACHING_SHA2_PASSWORD.scramble("a", nonce)).hasSize(32);
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            mysql_native_password    | MYSQL_NATIVE_PASSWORD
            MYSQL_NATIVE_PASSWORD    | MYSQL_NATIVE_PASSWORD
            caching_sha2_password    | CACHING_SHA2_PASSWORD
            Caching_Sha2_Password    | CACHING_SHA2_PASSWORD
            sha256_password          | null
            mysql_clear_password     | null
            ''                       | null
            null                     | null
            """)
    void byNameIsCaseInsensitiveAndNullForUnknownPlugins(String name, String expected) {
        assertThat(AuthPlugin.byName(name)).isEqualTo(expected == null ? null : AuthPlugin.valueOf(expected));
    }
}
