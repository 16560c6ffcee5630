package io.switchboard.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The targets a side-by-side run compares ({@link AbRun}), and the order they run in each round: round
 * 1 in the order given, each later round rotated by one, so that no target always runs first (right
 * after the warm-up or after another phase) or always right after the same neighbour. With two targets
 * that is A, B; B, A; A, B; ...
 *
 * <p>On the command line a lineup is {@code label=URL=PID[,PID...]} entries separated by {@code ;}, e.g.
 * {@code pool=http://127.0.0.1:9301=4711;connection=http://127.0.0.1:9302=4712}.
 */
record Lineup(List<Entry> entries) {
  /** One target: its label in reports, its base URL and the processes whose CPU it spends. */
  record Entry(String label, String url, List<Long> pids) {}

  Lineup {
    if (entries.isEmpty()) throw new IllegalArgumentException("a lineup needs at least one target");
    entries = List.copyOf(entries);
  }

  /** The lineup {@code spec} names ({@code label=URL=PID[,PID...]} entries separated by {@code ;}). */
  static Lineup parse(String spec) {
    List<Entry> entries = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (String item : spec.split(";")) {
      if (item.isBlank()) continue;
      String[] parts = item.strip().split("=", -1);
      if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
        throw new IllegalArgumentException("expected label=URL=PID[,PID...], was " + item.strip());
      }
      String label = parts[0].strip();
      if (labels.contains(label)) throw new IllegalArgumentException("label " + label + " named twice");
      labels.add(label);
      entries.add(new Entry(label, parts[1].strip(), BenchRun.pids(parts[2])));
    }
    return new Lineup(entries);
  }

  /** {@code items} in the order of round {@code round} (from 1): rotated left by {@code round - 1}. */
  static <T> List<T> rotation(List<T> items, int round) {
    if (round < 1) throw new IllegalArgumentException("rounds count from 1, was " + round);
    List<T> order = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) order.add(items.get((i + round - 1) % items.size()));
    return order;
  }
}
