package io.shardgate.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The two password plugins, with the scrambles both a server (checking) and a client (answering) compute.
 *
 * <pre>
 * mysql_native_password:  SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))
 * caching_sha2_password:  SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)
 * </pre>
 * An empty password is sent as an empty response by both.
 */
public enum AuthPlugin {
    MYSQL_NATIVE_PASSWORD("mysql_native_password", "SHA-1"),
    CACHING_SHA2_PASSWORD("caching_sha2_password", "SHA-256");

    public final String wireName;
    private final String digest;

    AuthPlugin(String wireName, String digest) {
        this.wireName = wireName;
        this.digest = digest;
    }

    public static AuthPlugin byName(String name) {
        if (name == null) return null;
        for (AuthPlugin p : values()) {
            if (p.wireName.equals(name.toLowerCase(Locale.ROOT))) return p;
        }
        return null;
    }

    /** The client's answer for {@code password} and the server's 20-byte nonce. */
    public byte[] scramble(String password, byte[] nonce) {
        if (password == null || password.isEmpty()) {
            return new byte[0];
        }
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        MessageDigest md = digest();
        byte[] stage1 = md.digest(pw);
        byte[] stage2 = md.digest(stage1);
        if (this == MYSQL_NATIVE_PASSWORD) {
            md.update(nonce, 0, 20);
            md.update(stage2);
        } else {
            md.update(stage2);
            md.update(nonce, 0, 20);
        }
        byte[] mix = md.digest();
        for (int i = 0; i < stage1.length; i++) {
            stage1[i] ^= mix[i];
        }
        return stage1;
    }

    /** Whether {@code response} is the right answer for {@code password}; constant time in the response. */
    public boolean matches(String password, byte[] nonce, byte[] response) {
        return MessageDigest.isEqual(scramble(password, nonce), response == null ? new byte[0] : response);
    }

    private MessageDigest digest() {
        try {
            return MessageDigest.getInstance(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
