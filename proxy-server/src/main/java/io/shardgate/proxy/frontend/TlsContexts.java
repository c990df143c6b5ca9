package io.shardgate.proxy.frontend;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.shardgate.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;

/**
 * The TLS context offered to clients: the configured certificate, or a self-signed one generated once into
 * {@code <data_dir>/tls/} and reused on later starts (so clients that pin it keep working).
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    private TlsContexts() {}

    public static SslContext server(ProxyConfig.Tls tls) {
        if (!tls.enabled()) return null;
        try {
            Path cert = tls.cert();
            Path key = tls.key();
            if (cert == null) {
                Path dir = tls.dir().resolve("tls");
                cert = dir.resolve("server-cert.pem");
                key = dir.resolve("server-key.pem");
                if (!Files.exists(cert) || !Files.exists(key)) {
                    Files.createDirectories(dir);
                    SelfSignedCertificate ssc = new SelfSignedCertificate("shardgate");
                    Files.copy(ssc.certificate().toPath(), cert, StandardCopyOption.REPLACE_EXISTING);
                    Files.copy(ssc.privateKey().toPath(), key, StandardCopyOption.REPLACE_EXISTING);
                    ssc.delete();
                    log.info("generated a self-signed TLS certificate in {}", dir);
                }
            }
            return SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
