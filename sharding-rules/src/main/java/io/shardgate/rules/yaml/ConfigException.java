package io.shardgate.rules.yaml;

import java.nio.file.Path;

/** A configuration file that cannot be used; the message names the file, the line and the key. */
public final class ConfigException extends RuntimeException {
    private final String file;
    private final int line;
    private final String key;

    public ConfigException(String file, int line, String key, String problem) {
        super(file + ":" + line + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + problem);
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public static ConfigException of(Path file, String problem) {
        return new ConfigException(String.valueOf(file), 0, null, problem);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String key() {
        return key;
    }
}
