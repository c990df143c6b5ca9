package io.shardgate.proxy.sandbox;

import java.io.IOException;
import java.io.StringReader;
import java.util.Optional;
import java.util.Properties;

/** The small file a sandbox dir keeps so a later run knows whether it can reuse the data. */
record SandboxLayout(int groups, int replicas, int basePort, String flavor) {

    static final String FILE_NAME = "sandbox.properties";

    static SandboxLayout of(SandboxSpec spec, String flavor) {
        return new SandboxLayout(spec.groups(), spec.replicas(), spec.basePort(), flavor);
    }

    String format() {
        return "# shardgate sandbox layout: reused as long as it matches, else start with --fresh\n"
                + "groups=" + groups + "\nreplicas=" + replicas + "\nbasePort=" + basePort + "\nflavor=" + flavor + "\n";
    }

    static SandboxLayout parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        return new SandboxLayout(intProp(p, "groups"), intProp(p, "replicas"), intProp(p, "basePort"), required(p, "flavor"));
    }

    /** Empty when {@code wanted} can reuse a dir with this layout, else a message for the user. */
    Optional<String> mismatch(SandboxLayout wanted, String dir) {
        if (equals(wanted)) return Optional.empty();
        return Optional.of("sandbox dir " + dir + " holds " + describe() + " but " + wanted.describe()
                + " was requested; pass --fresh to wipe it and start over (or choose another dir)");
    }

    private String describe() {
        return groups + " group(s) x " + replicas + " replica(s), base port " + basePort + ", " + flavor;
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("layout file lacks '" + key + "'");
        return v.trim();
    }

    private static int intProp(Properties p, String key) {
        String v = required(p, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layout file: '" + key + "' is not a number: " + v);
        }
    }
}
