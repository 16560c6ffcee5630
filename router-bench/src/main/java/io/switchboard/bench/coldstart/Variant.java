package io.switchboard.bench.coldstart;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One way of starting a node that a cold-start run compares: the {@code java} binary, its flags, lines
 * added to the node's configuration, and whether it runs from an AOT cache (JDK 25, JEPs 483/514/515)
 * that the run trains first with the same binary and flags.
 *
 * @param label the name in the report and on the command line, e.g. {@code jdk25-aot}
 * @param java path of the {@code java} binary
 * @param flags JVM flags, before {@code -jar}
 * @param config HOCON appended to the node's file, e.g. {@code switchboard.warm-up.enabled = false}
 * @param training how the run trains this variant's AOT cache, which its starts then use with
 *     {@code -XX:AOTCache}; {@link Training#NONE} for none
 * @param program what the variant starts: the node jar, or the bare Pekko HTTP proxy as the same-run reference
 */
public record Variant(String label, String java, List<String> flags, String config, Training training,
    Program program) {
  /** What a variant starts. */
  public enum Program {
    /** The node jar, with the run's node configuration and the variant's lines. */
    NODE,
    /**
     * router-bench's {@code BarePekkoProxy} (Pekko HTTP's server and host pool, nothing between them) in
     * front of the same fake upstream: the reference of every other row of issue 18, here a fresh JVM of the
     * same stack without Switchboard's code. It has no {@code /ready} and no warm-up: it is ready once it
     * answers a request, and takes no configuration lines.
     */
    BARE_PEKKO
  }

  /** How a variant's AOT cache is trained. */
  public enum Training {
    /** No AOT cache. */
    NONE,
    /** The node under the run's own saturating load, with the variant's configuration, then SIGTERM. */
    LOAD,
    /**
     * As the Docker image's build trains it: {@code deploy/aot-cache.sh}, the node's own start-up warm-up on
     * its built-in configuration, {@code --exit-when-warm}.
     */
    IMAGE
  }

  /** Where Temurin 25 is installed beside JDK 17 on the bench machine. */
  public static final String DEFAULT_JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
  public static final String WARM_UP_ON = "switchboard.warm-up.enabled = true";
  public static final String WARM_UP_OFF = "switchboard.warm-up.enabled = false";
  public static final String COMPACT_HEADERS = "-XX:+UseCompactObjectHeaders";
  /** The collector the Docker image's {@code ENTRYPOINT} pins, with compact headers, for its AOT cache. */
  public static final String G1 = "-XX:+UseG1GC";
  /**
   * The variants a run compares unless told otherwise (issue 18's question: does JDK 25 warm faster?): the
   * bare Pekko proxy as the reference, JDK 17 without and with the warm-up, JDK 25 from a cache trained
   * under load, and from one trained as the Docker image's build trains it.
   */
  public static final List<String> DEFAULT_SELECTION =
      List.of("bare-pekko", "jdk17-off", "jdk17", "jdk25-aot", "jdk25-image");

  public Variant {
    if (label.isBlank() || !label.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("a variant's label is letters, digits, '.', '_' or '-', was '" + label + "'");
    }
    if (java.isBlank()) throw new IllegalArgumentException("variant " + label + " names no java binary");
    flags = List.copyOf(flags);
    if (training == null) throw new IllegalArgumentException("variant " + label + " says nothing of an AOT cache");
    if (program == null) throw new IllegalArgumentException("variant " + label + " starts nothing");
    if (program == Program.BARE_PEKKO && (training != Training.NONE || !config.isBlank())) {
      throw new IllegalArgumentException("variant " + label + ": the bare Pekko proxy takes no AOT cache and no"
          + " node configuration");
    }
  }

  /** A node variant. */
  public Variant(String label, String java, List<String> flags, String config, Training training) {
    this(label, java, flags, config, training, Program.NODE);
  }

  /** Whether this variant's starts run from an AOT cache the run trains first. */
  public boolean aotCache() {
    return training != Training.NONE;
  }

  /**
   * The variants known by name, with {@code jdk17} and {@code jdk25} as their {@code java} binaries and
   * {@code common} flags first in each (the heap size, say): the bare Pekko proxy on JDK 17; warm-up off
   * and on for JDK 17; warm-up on for JDK 25 with compact object headers, from an AOT cache, and each
   * without compact headers; and {@code jdk25-image}, the Docker image's way: G1 and compact headers, from
   * a cache trained as its build trains it.
   */
  public static Map<String, Variant> catalogue(String jdk17, String jdk25, List<String> common) {
    Map<String, Variant> known = new LinkedHashMap<>();
    known.put("bare-pekko", new Variant("bare-pekko", jdk17, common, "", Training.NONE, Program.BARE_PEKKO));
    known.put("jdk17-off", new Variant("jdk17-off", jdk17, common, WARM_UP_OFF, Training.NONE));
    known.put("jdk17", new Variant("jdk17", jdk17, common, WARM_UP_ON, Training.NONE));
    known.put("jdk25", new Variant("jdk25", jdk25, with(common, COMPACT_HEADERS), WARM_UP_ON, Training.NONE));
    known.put("jdk25-aot", new Variant("jdk25-aot", jdk25, with(common, COMPACT_HEADERS), WARM_UP_ON, Training.LOAD));
    known.put("jdk25-off", new Variant("jdk25-off", jdk25, with(common, COMPACT_HEADERS), WARM_UP_OFF, Training.NONE));
    known.put("jdk25-plain", new Variant("jdk25-plain", jdk25, common, WARM_UP_ON, Training.NONE));
    known.put("jdk25-aot-plain", new Variant("jdk25-aot-plain", jdk25, common, WARM_UP_ON, Training.LOAD));
    known.put("jdk25-image", new Variant("jdk25-image", jdk25, with(with(common, G1), COMPACT_HEADERS), WARM_UP_ON,
        Training.IMAGE));
    return known;
  }

  /**
   * The variants of a selection, in its order: names from the {@link #catalogue} separated by commas,
   * and variants written out as {@code LABEL|JAVA|FLAGS|CONFIG[|aot|image]} (flags separated by spaces, config
   * one line of HOCON with keys separated by commas; {@code aot} trains the cache under load, {@code image}
   * as the image's build does), each separated from the rest by a semicolon:
   * {@code jdk17,jdk25;g1|/opt/jdk/bin/java|-XX:+UseG1GC|switchboard.warm-up.enabled = true}.
   */
  public static List<Variant> select(String selection, Map<String, Variant> catalogue) {
    List<Variant> chosen = new ArrayList<>();
    for (String item : splitSelection(selection)) {
      Variant variant = item.contains("|") ? parse(item) : catalogue.get(item);
      if (variant == null) {
        throw new IllegalArgumentException("no variant named '" + item + "'; known: " + String.join(", ",
            catalogue.keySet()) + ", or LABEL|JAVA|FLAGS|CONFIG[|aot|image]");
      }
      if (chosen.stream().anyMatch(v -> v.label().equals(variant.label()))) {
        throw new IllegalArgumentException("variant " + variant.label() + " chosen twice");
      }
      chosen.add(variant);
    }
    if (chosen.isEmpty()) throw new IllegalArgumentException("no variant chosen");
    return chosen;
  }

  /** {@code LABEL|JAVA|FLAGS|CONFIG[|aot|image]}. */
  static Variant parse(String spec) {
    String[] parts = spec.split("\\|", -1);
    String cache = parts.length == 5 ? parts[4].strip() : "";
    if (parts.length < 4 || parts.length > 5 || !List.of("", "aot", "image").contains(cache)) {
      throw new IllegalArgumentException("a variant is LABEL|JAVA|FLAGS|CONFIG[|aot|image], was '" + spec + "'");
    }
    List<String> flags = Arrays.stream(parts[2].strip().split("\\s+")).filter(f -> !f.isEmpty()).toList();
    Training training = switch (cache) {
      case "aot" -> Training.LOAD;
      case "image" -> Training.IMAGE;
      default -> Training.NONE;
    };
    return new Variant(parts[0].strip(), parts[1].strip(), flags, parts[3].strip(), training);
  }

  /** Items separated by ';', and names within an item without '|' also by ','. */
  private static List<String> splitSelection(String selection) {
    List<String> items = new ArrayList<>();
    for (String piece : selection.split(";")) {
      if (piece.contains("|")) {
        items.add(piece.strip());
      } else {
        Arrays.stream(piece.split(",")).map(String::strip).filter(n -> !n.isEmpty()).forEach(items::add);
      }
    }
    return items;
  }

  private static List<String> with(List<String> common, String flag) {
    List<String> all = new ArrayList<>(common);
    all.add(flag);
    return all;
  }
}
