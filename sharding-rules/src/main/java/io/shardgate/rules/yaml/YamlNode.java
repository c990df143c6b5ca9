package io.shardgate.rules.yaml;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A YAML node that remembers where it came from, so every complaint names file, line and key path
 * ({@code tables.user.range[1].to}). Built from SnakeYAML's composed node tree (no object construction,
 * so nothing but plain scalars, maps and lists can come out of a file). Mappings must declare their keys
 * with {@link #allowOnly}: an unknown key is an error, not silently ignored.
 */
public final class YamlNode {
    private final String file;
    private final String path;
    private final Node node;

    private YamlNode(String file, String path, Node node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    public static YamlNode load(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ConfigException.of(file, "cannot read: " + e.getMessage());
        }
    }

    public static YamlNode parse(String fileName, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        try (Reader r = new StringReader(text)) {
            Node root = yaml.compose(r);
            if (root == null) {
                throw new ConfigException(fileName, 1, null, "the file is empty");
            }
            return new YamlNode(fileName, "", root);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(fileName, line, null, "not valid YAML: " + e.getProblem());
        } catch (YAMLException | IOException e) {
            throw new ConfigException(fileName, 0, null, "not valid YAML: " + e.getMessage());
        }
    }

    public String file() {
        return file;
    }

    /** 1-based line of this node in its file. */
    public int line() {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    public String path() {
        return path;
    }

    public ConfigException error(String problem) {
        return new ConfigException(file, line(), path, problem);
    }

    public boolean isMap() {
        return node instanceof MappingNode;
    }

    public boolean isList() {
        return node instanceof SequenceNode;
    }

    public boolean isScalar() {
        return node instanceof ScalarNode;
    }

    /** Entries of a mapping, in file order. */
    public Map<String, YamlNode> entries() {
        if (!(node instanceof MappingNode m)) {
            throw error("expected a mapping (key: value), found " + kind());
        }
        Map<String, YamlNode> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new YamlNode(file, path, t.getKeyNode()).error("a key must be a plain name");
            }
            // SnakeYAML's duplicate-key check applies only when it constructs objects; composing needs our own
            if (out.put(k.getValue(), new YamlNode(file, child(k.getValue()), t.getValueNode())) != null) {
                throw new ConfigException(file, k.getStartMark().getLine() + 1, child(k.getValue()),
                        "duplicate key: it is already defined above");
            }
        }
        return out;
    }

    /** Rejects keys not in {@code allowed}, naming the first unknown one and what is allowed. */
    public YamlNode allowOnly(String... allowed) {
        Set<String> ok = new TreeSet<>(Arrays.asList(allowed));
        MappingNode m = (MappingNode) requireMap().node;
        for (NodeTuple t : m.getValue()) {
            String k = ((ScalarNode) t.getKeyNode()).getValue();
            if (!ok.contains(k)) {
                throw new ConfigException(file, t.getKeyNode().getStartMark().getLine() + 1, child(k),
                        "unknown key; allowed here: " + String.join(", ", ok));
            }
        }
        return this;
    }

    private YamlNode requireMap() {
        entries();
        return this;
    }

    public YamlNode get(String key) {
        return entries().get(key);
    }

    public YamlNode require(String key) {
        YamlNode n = get(key);
        if (n == null) {
            throw new ConfigException(file, line(), child(key), "missing (required)");
        }
        return n;
    }

    public List<YamlNode> items() {
        if (!(node instanceof SequenceNode s)) {
            throw error("expected a list, found " + kind());
        }
        List<YamlNode> out = new ArrayList<>();
        for (int i = 0; i < s.getValue().size(); i++) {
            out.add(new YamlNode(file, path + "[" + i + "]", s.getValue().get(i)));
        }
        return out;
    }

    public String string() {
        if (!(node instanceof ScalarNode s)) {
            throw error("expected a single value, found " + kind());
        }
        return s.getValue();
    }

    /** A decimal integer, optionally signed, {@code _} allowed as a digit separator; 1e6, 0x10 or 1.0 are refused. */
    public long longValue() {
        String s = string().trim().replace("_", "");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            if (s.matches("[-+]?\\d+")) {
                throw error("'" + string() + "' is outside the 64-bit integer range " + Long.MIN_VALUE + ".." + Long.MAX_VALUE);
            }
            throw error("'" + string() + "' is not an integer");
        }
    }

    public int intValue() {
        long v = longValue();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error(v + " is out of range");
        }
        return (int) v;
    }

    public boolean booleanValue() {
        return switch (string().trim().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error("'" + string() + "' is not true or false");
        };
    }

    public String string(String key, String fallback) {
        YamlNode n = get(key);
        return n == null ? fallback : n.string();
    }

    public int intValue(String key, int fallback) {
        YamlNode n = get(key);
        return n == null ? fallback : n.intValue();
    }

    public long longValue(String key, long fallback) {
        YamlNode n = get(key);
        return n == null ? fallback : n.longValue();
    }

    public boolean booleanValue(String key, boolean fallback) {
        YamlNode n = get(key);
        return n == null ? fallback : n.booleanValue();
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String kind() {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        return "'" + ((ScalarNode) node).getValue() + "'";
    }
}
