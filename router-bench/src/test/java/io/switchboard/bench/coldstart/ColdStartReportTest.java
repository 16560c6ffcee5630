package io.switchboard.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The report's median (range) per variant, and starts that never reached 80% of warm counted as such. */
@Tag("unit")
class ColdStartReportTest {
  private static final Variant A = new Variant("jdk17", "java", List.of(), Variant.WARM_UP_ON, Variant.Training.NONE);
  private static final Variant B =
      new Variant("jdk25-aot", "java25", List.of(), Variant.WARM_UP_ON, Variant.Training.LOAD);

  @Test
  void summary_givesMedianAndRangePerVariant() {
    List<ColdStartReport.Start> starts = List.of(
        new ColdStartReport.Start(1, A, figures(4.0, 500, 1000, 12)),
        new ColdStartReport.Start(2, B, figures(2.0, 900, 1000, 3)),
        new ColdStartReport.Start(3, B, figures(3.0, 950, 1000, 2)),
        new ColdStartReport.Start(4, A, figures(6.0, 700, 1000, Double.NaN)),
        new ColdStartReport.Start(5, A, figures(5.0, 600, 1000, 20)));
    String table = ColdStartReport.summary(List.of(A, B), starts, 10);
    String[] lines = table.split("\n");
    assertEquals(4, lines.length, table);
    assertTrue(lines[2].startsWith("| jdk17 | 3 | 5.00 (4.00–6.00) | 600 (500–700) | 1000 (1000–1000) | 60 (50–70) |"),
        lines[2]);
    assertTrue(lines[2].contains("| 16 (12–20), 1 never |"), "the start that never got there is named: " + lines[2]);
    assertTrue(lines[3].startsWith("| jdk25-aot | 2 | 2.50 (2.00–3.00) | 925 (900–950) |"), lines[3]);
  }

  @Test
  void medianCurve_takesEachSecondsMedianOverTheStarts_asLongAsTheShortestStart() {
    List<Double> curve = ColdStartReport.medianCurve(List.of(
        new long[] {100, 900, 2000, 5000},
        new long[] {300, 700, 2600},
        new long[] {200, 800, 2200, 4000}));
    assertEquals(List.of(200.0, 800.0, 2200.0), curve);
    assertEquals(List.of(), ColdStartReport.medianCurve(List.of()));
  }

  @Test
  void secondsTo80_allNever() {
    assertEquals("2 never", ColdStartReport.secondsTo80(List.of(figures(1, 1, 1, Double.NaN),
        figures(1, 1, 1, Double.NaN))));
  }

  @Test
  void everyStart_isListedInOrder() {
    String table = ColdStartReport.starts(List.of(new ColdStartReport.Start(1, A, figures(4.2, 500, 1000, Double.NaN))));
    assertTrue(table.contains("| 1 | jdk17 | 4.20 | 500 | 1000 | 50 | 1.0 | never |"), table);
  }

  private static StartFigures figures(double ready, double first, double warm, double to80) {
    return new StartFigures(ready, first, warm, 1000, to80, 1.5, 0.5, 0);
  }
}
