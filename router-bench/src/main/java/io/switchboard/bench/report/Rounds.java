package io.switchboard.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same figures measured for several targets in interleaved rounds (A, B, A, B, ...): every round's
 * values, and per target the median and range of each figure ({@link Spread}). Interleaving puts a
 * drift of the machine (another tenant's build, a JIT still settling) into every target's range
 * alike, instead of into whichever target ran last.
 */
public final class Rounds {
  /** A figure's name and the decimals it is shown with. */
  public record Figure(String name, int decimals) {}

  private final List<Figure> figures;
  private final Map<String, List<double[]>> byTarget = new LinkedHashMap<>();

  public Rounds(Figure... figures) {
    if (figures.length == 0) throw new IllegalArgumentException("at least one figure");
    this.figures = List.of(figures);
  }

  /** One round of {@code target}: one value per figure, in order; NaN where the round measured nothing. */
  public Rounds add(String target, double... values) {
    if (values.length != figures.size()) {
      throw new IllegalArgumentException(values.length + " values for " + figures.size() + " figures");
    }
    byTarget.computeIfAbsent(target, t -> new ArrayList<>()).add(values.clone());
    return this;
  }

  /** The targets in the order their first round was added. */
  public List<String> targets() {
    return List.copyOf(byTarget.keySet());
  }

  /** {@code figure} of {@code target} over its rounds; empty when it has none. */
  public Spread spread(String target, String figure) {
    int column = column(figure);
    List<Double> values = new ArrayList<>();
    for (double[] round : byTarget.getOrDefault(target, List.of())) values.add(round[column]);
    return Spread.of(values);
  }

  /** One row per target: each figure's median with its range in brackets, and how many rounds. */
  public MarkdownTable medians() {
    List<String> header = new ArrayList<>(List.of("target", "rounds"));
    for (Figure f : figures) header.add(f.name() + ", median (range)");
    MarkdownTable table = new MarkdownTable(header.toArray(String[]::new));
    for (String target : byTarget.keySet()) {
      List<Object> row = new ArrayList<>(List.of(target, byTarget.get(target).size()));
      for (Figure f : figures) row.add(spread(target, f.name()).describe(f.decimals()));
      table.row(row.toArray());
    }
    return table;
  }

  private int column(String figure) {
    for (int i = 0; i < figures.size(); i++) {
      if (figures.get(i).name().equals(figure)) return i;
    }
    throw new IllegalArgumentException("no figure " + figure + " among " + figures);
  }
}
