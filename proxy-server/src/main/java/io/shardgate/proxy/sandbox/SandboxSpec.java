package io.shardgate.proxy.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What sandbox to run. Ports: group {@code i}, member {@code j} (j = 0 is the master) listens on
 * {@code basePort + 10*i + j}, so with the default base 3316: g0 = 3316,3317,3318; g1 = 3326,3327,3328.
 *
 * @param fresh wipe {@code dir} first (only if it is a sandbox dir or empty)
 */
public record SandboxSpec(int groups, int replicas, Path dir, int basePort, boolean fresh) {

    public static final int DEFAULT_GROUPS = 2;
    public static final int DEFAULT_REPLICAS = 2;
    public static final Path DEFAULT_DIR = Path.of("sandbox");
    public static final int DEFAULT_BASE_PORT = 3316;

    public SandboxSpec {
        Objects.requireNonNull(dir, "dir");
        if (groups < 1) throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        // a group owns 10 consecutive ports
        if (replicas < 0 || replicas > 9) throw new IllegalArgumentException("replicas must be 0..9, got " + replicas);
        if (basePort < 1 || basePort + 10 * (groups - 1) + replicas > 65535) {
            throw new IllegalArgumentException("basePort " + basePort + " leaves no room for " + groups + " groups");
        }
    }

    public static SandboxSpec defaults() {
        return new SandboxSpec(DEFAULT_GROUPS, DEFAULT_REPLICAS, DEFAULT_DIR, DEFAULT_BASE_PORT, false);
    }

    public int port(int group, int member) {
        return basePort + 10 * group + member;
    }

    public static String groupName(int group) {
        return "g" + group;
    }

    /** {@code g0-m0} for the master, {@code g0-r1}, {@code g0-r2}.. for replicas. */
    public static String instanceName(int group, int member) {
        return groupName(group) + (member == 0 ? "-m0" : "-r" + member);
    }
}
