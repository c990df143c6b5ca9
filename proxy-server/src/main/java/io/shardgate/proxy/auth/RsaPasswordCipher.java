package io.shardgate.proxy.auth;

import javax.crypto.Cipher;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * caching_sha2_password full authentication without TLS: the client fetches the server's RSA public key
 * (PEM) and sends RSA-OAEP(password + NUL, XOR-ed with the nonce). The server side holds a key pair made at
 * start-up; the client side (backend connections to MySQL 8) encrypts with the key the server sent.
 */
public final class RsaPasswordCipher {
    private static final String TRANSFORMATION = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding";
    /** Connector/J uses PKCS#1 v1.5 padding when the server version is below 8.0.5 (a MariaDB-style version, say). */
    private static final String LEGACY_TRANSFORMATION = "RSA/ECB/PKCS1Padding";
    private final KeyPair keyPair;
    private final byte[] publicKeyPem;

    public RsaPasswordCipher() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            this.keyPair = gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate the RSA key pair for caching_sha2_password", e);
        }
        String b64 = Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(keyPair.getPublic().getEncoded());
        this.publicKeyPem = ("-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] publicKeyPem() {
        return publicKeyPem.clone();
    }

    /**
     * The password the client sent (OAEP or PKCS#1 v1.5 padded), or null when the ciphertext does not decrypt
     * to a NUL-terminated password (clients always send the terminator).
     */
    public String decryptPassword(byte[] ciphertext, byte[] nonce) {
        byte[] plain = decrypt(TRANSFORMATION, ciphertext);
        if (plain == null) plain = decrypt(LEGACY_TRANSFORMATION, ciphertext);
        if (plain == null || plain.length == 0) return null;
        xor(plain, nonce);
        if (plain[plain.length - 1] != 0) return null;
        return new String(plain, 0, plain.length - 1, StandardCharsets.UTF_8);
    }

    private byte[] decrypt(String transformation, byte[] ciphertext) {
        try {
            Cipher c = Cipher.getInstance(transformation);
            c.init(Cipher.DECRYPT_MODE, keyPair.getPrivate());
            return c.doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    /** Client side: what to send to a server whose PEM public key is {@code pem}. */
    public static byte[] encryptPassword(String password, byte[] nonce, byte[] pem) throws GeneralSecurityException {
        String text = new String(pem, StandardCharsets.US_ASCII)
                .replaceAll("-----(BEGIN|END) (RSA )?PUBLIC KEY-----", "").replaceAll("\\s", "");
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(text)));
        byte[] pw = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
        byte[] plain = new byte[pw.length + 1];
        System.arraycopy(pw, 0, plain, 0, pw.length);
        xor(plain, nonce);
        Cipher c = Cipher.getInstance(TRANSFORMATION);
        c.init(Cipher.ENCRYPT_MODE, key);
        return c.doFinal(plain);
    }

    private static void xor(byte[] data, byte[] nonce) {
        for (int i = 0; i < data.length; i++) {
            data[i] ^= nonce[i % nonce.length];
        }
    }
}
