package io.switchboard.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A start's figures from its per-second curve: the first and warm windows, their ratio, time to 80%. */
@Tag("unit")
class StartFiguresTest {
  // 20 s of load: a node that starts at 100 req/s and climbs by 100 each second to 1,000, then holds.
  private static final long[] CLIMB = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
      1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};

  @Test
  void firstAndWarmWindows_areTheMeanRatesOfTheFirstAndLastSeconds() {
    assertEquals(550, StartFigures.firstRate(CLIMB, 10), 1e-9);
    assertEquals(1000, StartFigures.warmRate(CLIMB, 10), 1e-9);
  }

  @Test
  void warmShare_isFirstOverWarm_andTheIssueTargetIsEightyPercent() {
    StartFigures climbing = figures(550, 1000);
    assertEquals(0.55, climbing.warmShare(), 1e-9);
    assertTrue(climbing.warmShare() < StartFigures.TARGET, "55% misses the issue's 80%");
    assertEquals(0.9, figures(900, 1000).warmShare(), 1e-9);
    assertTrue(Double.isNaN(figures(0, 0).warmShare()), "no warm rate, no share");
  }

  @Test
  void secondsTo80_isTheEndOfTheFirstSecondAtEightyPercentOfWarm() {
    assertEquals(8, StartFigures.secondsTo(CLIMB, 1000, 0.8), "800 req/s in the 8th second");
    assertEquals(1, StartFigures.secondsTo(new long[] {950, 1000, 1000}, 1000, 0.8), "warm from the first second");
  }

  @Test
  void secondsTo80_countsTheFirstCrossingEvenIfItDipsAgain() {
    long[] dip = {100, 850, 300, 300, 900, 1000};
    assertEquals(2, StartFigures.secondsTo(dip, 1000, 0.8));
  }

  @Test
  void secondsTo80_isNaNWhenNoSecondGotThereOrNothingWasWarm() {
    assertTrue(Double.isNaN(StartFigures.secondsTo(new long[] {100, 200, 300}, 1000, 0.8)));
    assertTrue(Double.isNaN(StartFigures.secondsTo(new long[] {0, 0, 0}, 0, 0.8)));
  }

  @Test
  void windowsLongerThanTheCurve_takeWhatThereIs() {
    long[] short3 = {10, 20, 30};
    assertEquals(20, StartFigures.firstRate(short3, 10), 1e-9);
    assertEquals(20, StartFigures.warmRate(short3, 10), 1e-9);
  }

  private static StartFigures figures(double first, double warm) {
    return new StartFigures(5, first, warm, 1000, Double.NaN, 1, 0.5, 0);
  }
}
