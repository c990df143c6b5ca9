package io.shardgate.it;

import io.shardgate.proxy.sandbox.Sandbox;
import io.shardgate.proxy.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * ONE sandbox (2 groups x 2 replicas, real MariaDB) per integration-test run, shared by all test classes.
 *
 * <p>Usage: annotate the class with {@code @ExtendWith(SharedSandbox.class)} and call {@link #get()} wherever the
 * sandbox is needed. The first call starts it in {@code integration-tests/target/sandbox} (wiped first, so each run
 * starts from empty servers) on base port {@value #BASE_PORT} (g0 = 24316-24318, g1 = 24326-24328), away from a
 * user's default sandbox on 3316. The extension puts it into the root {@link ExtensionContext.Store}, which closes
 * it (stops every server) when the JUnit engine finishes; {@link Sandbox}'s JVM shutdown hook is the backstop if
 * {@link #get()} is called without the extension. Tests must not {@code close()} it themselves.
 *
 * <p>System properties: {@code shardgate.it.basePort} overrides the base port.
 */
public final class SharedSandbox implements BeforeAllCallback {

    public static final int BASE_PORT = 24316;

    /** The base port in use: {@link #BASE_PORT}, or -Dshardgate.it.basePort (to run beside another run). */
    public static int basePort() {
        return Integer.getInteger("shardgate.it.basePort", BASE_PORT);
    }
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedSandbox.class);

    private static Sandbox sandbox;
    private static RuntimeException startFailure; // remembered so later test classes fail fast instead of retrying

    public static synchronized Sandbox get() {
        if (startFailure != null) throw new IllegalStateException("the shared sandbox failed to start", startFailure);
        if (sandbox == null) {
            Path dir = Path.of(System.getProperty("basedir", "."), "target", "sandbox");
            SandboxSpec spec = new SandboxSpec(2, 2, dir, basePort(), true);
            try {
                sandbox = Sandbox.start(spec, msg -> System.out.println("[sandbox] " + msg));
            } catch (IOException e) {
                throw startFailure = new UncheckedIOException(e);
            } catch (RuntimeException e) {
                throw startFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the sandbox", e);
            }
        }
        return sandbox;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // AutoCloseable values in a store are closed when that store's context ends; the root's ends with the run.
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Closer.class, k -> new Closer(get()), Closer.class);
    }

    private record Closer(Sandbox sb) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (SharedSandbox.class) {
                System.out.println("[sandbox] end of test run, closing the shared sandbox");
                sb.close();
                if (sandbox == sb) sandbox = null;
            }
        }
    }
}
