package io.shardgate.proxy.auth;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class RsaPasswordCipherTest {
    /** The scramble of the MySQL documentation's HandshakeV10 example. */
    static final byte[] NONCE = HexFormat.of().parseHex("223d4e5029753956296440525c55787a7c21294b");

    static RsaPasswordCipher server;     // key generation takes a moment: one key pair for the class

    @BeforeAll
    static void keyPair() {
        server = new RsaPasswordCipher();
    }

    @Test
    void publishesAPemPublicKey() {
        String pem = new String(server.publicKeyPem(), StandardCharsets.US_ASCII);
        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("\n-----END PUBLIC KEY-----\n");
        // base64 lines of at most 64 characters, as MySQL's own PEM and OpenSSL produce
        String[] lines = pem.split("\n");
        assertThat(Arrays.copyOfRange(lines, 1, lines.length - 1)).allSatisfy(l -> assertThat(l).hasSizeBetween(1, 64));
        byte[] copy = server.publicKeyPem();
        copy[0] = 'X';
        assertThat(server.publicKeyPem()[0]).as("callers get a copy").isEqualTo((byte) '-');
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"secret", "", "pässwörd ✓", "a password longer than the twenty-byte nonce, so the XOR wraps"})
    void encryptWithThePublicKeyThenDecryptGivesThePasswordBack(String password) throws Exception {
        byte[] ciphertext = RsaPasswordCipher.encryptPassword(password, NONCE, server.publicKeyPem());
        assertThat(ciphertext).hasSize(256);                        // RSA-2048
        assertThat(server.decryptPassword(ciphertext, NONCE)).isEqualTo(password);
    }

    @Test
    void aNullPasswordIsSentAsEmpty() throws Exception {
        byte[] ciphertext = RsaPasswordCipher.encryptPassword(null, NONCE, server.publicKeyPem());
        assertThat(server.decryptPassword(ciphertext, NONCE)).isEmpty();
    }

    @Test
    void acceptsTheRsaPublicKeyHeaderVariantOfThePem() throws Exception {
        String pem = new String(server.publicKeyPem(), StandardCharsets.US_ASCII)
                .replace("BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY").replace("END PUBLIC KEY", "END RSA PUBLIC KEY");
        byte[] ciphertext = RsaPasswordCipher.encryptPassword("secret", NONCE, pem.getBytes(StandardCharsets.US_ASCII));
        assertThat(server.decryptPassword(ciphertext, NONCE)).isEqualTo("secret");
    }

    @Test
    void encryptionIsRandomised() throws Exception {
        byte[] a = RsaPasswordCipher.encryptPassword("secret", NONCE, server.publicKeyPem());
        byte[] b = RsaPasswordCipher.encryptPassword("secret", NONCE, server.publicKeyPem());
        assertThat(a).isNotEqualTo(b);                              // OAEP padding is random
        assertThat(server.decryptPassword(b, NONCE)).isEqualTo("secret");
    }

    @Test
    void garbageCiphertextDecryptsToNull() {
        assertThat(server.decryptPassword(new byte[256], NONCE)).isNull();
        byte[] noise = new byte[256];
        for (int i = 0; i < noise.length; i++) noise[i] = (byte) (i * 37 + 11);
        noise[0] = 0x01;                                            // below the modulus, still not valid OAEP
        assertThat(server.decryptPassword(noise, NONCE)).isNull();
        assertThat(server.decryptPassword(new byte[]{1, 2, 3}, NONCE)).isNull();
        assertThat(server.decryptPassword(new byte[0], NONCE)).isNull();
    }

    @Test
    void aTamperedCiphertextDecryptsToNull() throws Exception {
        byte[] ciphertext = RsaPasswordCipher.encryptPassword("secret", NONCE, server.publicKeyPem());
        ciphertext[100] ^= 0x40;
        assertThat(server.decryptPassword(ciphertext, NONCE)).isNull();
    }

    @Test
    void aCiphertextForAnotherServersKeyDecryptsToNull() throws Exception {
        byte[] other = RsaPasswordCipher.encryptPassword("secret", NONCE, new RsaPasswordCipher().publicKeyPem());
        assertThat(server.decryptPassword(other, NONCE)).isNull();
    }

    @Test
    void theNonceIsPartOfTheSecret() throws Exception {
        byte[] otherNonce = HexFormat.of().parseHex("3b55787c2f4d7e354a6b215c3e2a6f71594c2d33");
        byte[] ciphertext = RsaPasswordCipher.encryptPassword("secret", otherNonce, server.publicKeyPem());
        assertThat(server.decryptPassword(ciphertext, NONCE)).isNotEqualTo("secret");
        assertThat(server.decryptPassword(ciphertext, otherNonce)).isEqualTo("secret");
    }
}
