package io.switchboard.bench.coldstart;

import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.report.Spread;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The tables of a cold-start run: per variant the median and range over its starts of each figure
 * ({@link Spread}), then every start in the order it ran, so an outlier can be traced to its place in
 * the run.
 */
public final class ColdStartReport {
  private ColdStartReport() {}

  /** One fresh start: its place in the run (from 1), its variant, and what it showed. */
  public record Start(int number, Variant variant, StartFigures figures) {}

  /** Median (range) per variant, in the variants' order. */
  public static String summary(List<Variant> variants, List<Start> starts, int window) {
    MarkdownTable table = new MarkdownTable("variant", "starts", "to /ready (s)", "req/s first " + window + " s",
        "req/s warm (last " + window + " s)", "first / warm (%)", "p99 first " + window + " s (ms)",
        "s to 80% of warm", "node CPU first " + window + " s (cores)", "of which JIT (cores)", "failed requests");
    for (Variant variant : variants) {
      List<StartFigures> of = starts.stream().filter(s -> s.variant().label().equals(variant.label()))
          .map(Start::figures).toList();
      table.row(variant.label(), of.size(),
          spread(of, StartFigures::readySeconds).describe(2),
          spread(of, StartFigures::firstRate).describe(0),
          spread(of, StartFigures::warmRate).describe(0),
          spread(of, f -> f.warmShare() * 100).describe(0),
          spread(of, f -> f.firstP99Micros() / 1000.0).describe(1),
          secondsTo80(of),
          spread(of, StartFigures::cpuCores).describe(2),
          spread(of, StartFigures::jitCores).describe(2),
          spread(of, f -> f.failed()).describe(0));
    }
    return table.toString();
  }

  /** Every start in the order it ran. */
  public static String starts(List<Start> starts) {
    MarkdownTable table = new MarkdownTable("#", "variant", "to /ready (s)", "req/s first", "req/s warm",
        "first / warm (%)", "p99 first (ms)", "s to 80%", "CPU (cores)", "JIT (cores)", "failed");
    for (Start start : starts) {
      StartFigures f = start.figures();
      table.row(start.number(), start.variant().label(), MarkdownTable.num(f.readySeconds(), 2),
          MarkdownTable.num(f.firstRate(), 0), MarkdownTable.num(f.warmRate(), 0),
          MarkdownTable.num(f.warmShare() * 100, 0), MarkdownTable.num(f.firstP99Micros() / 1000.0, 1),
          Double.isNaN(f.secondsTo80()) ? "never" : MarkdownTable.num(f.secondsTo80(), 0),
          MarkdownTable.num(f.cpuCores(), 2), MarkdownTable.num(f.jitCores(), 2), f.failed());
    }
    return table.toString();
  }

  /**
   * The median and range of the starts that reached 80%, and how many did not ("never" counts as
   * no figure rather than as the load's length, which would flatter the variant).
   */
  static String secondsTo80(List<StartFigures> of) {
    long never = of.stream().filter(f -> Double.isNaN(f.secondsTo80())).count();
    Spread reached = spread(of, StartFigures::secondsTo80);
    if (never == 0) return reached.describe(0);
    String nevers = String.format(Locale.ROOT, "%d never", never);
    return reached.isEmpty() ? nevers : reached.describe(0) + ", " + nevers;
  }

  /**
   * A variant's first minute as one line: for each second of load, the median over its starts of the
   * requests completed in that second. As long as the shortest start: a start cut short does not leave a
   * second measured by fewer starts than the rest.
   */
  public static List<Double> medianCurve(List<long[]> perSecondOfEachStart) {
    int seconds = perSecondOfEachStart.stream().mapToInt(c -> c.length).min().orElse(0);
    List<Double> curve = new ArrayList<>(seconds);
    for (int s = 0; s < seconds; s++) {
      int second = s;
      curve.add(Spread.of(perSecondOfEachStart.stream().map(c -> (double) c[second]).toList()).median());
    }
    return curve;
  }

  private static Spread spread(List<StartFigures> of, ToDoubleFunction<StartFigures> figure) {
    return Spread.of(of.stream().map(f -> figure.applyAsDouble(f)).toList());
  }
}
