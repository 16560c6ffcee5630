package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SpreadTest {

  @Test
  void theMedianOfAnOddCountIsTheMiddleRound_ofAnEvenCountTheMeanOfTheTwoMiddleOnes() {
    assertEquals(new Spread(270, 250, 290, 3), Spread.of(List.of(290.0, 250.0, 270.0)));
    assertEquals(new Spread(265, 250, 290, 4), Spread.of(List.of(290.0, 250.0, 270.0, 260.0)));
  }

  @Test
  void aRoundThatMeasuredNothingIsLeftOut() {
    assertEquals(new Spread(255, 250, 260, 2), Spread.of(List.of(250.0, Double.NaN, 260.0)));
    Spread none = Spread.of(List.of(Double.NaN));
    assertTrue(none.isEmpty());
    assertEquals("–", none.describe(0));
  }

  @Test
  void targetsDifferOnlyWhenTheirRangesDoNotOverlap() {
    Spread old = Spread.of(List.of(250.0, 270.0, 290.0));
    assertEquals(Spread.Verdict.HIGHER, Spread.of(List.of(300.0, 310.0, 295.0)).against(old));
    assertEquals(Spread.Verdict.LOWER, Spread.of(List.of(200.0, 240.0, 245.0)).against(old));
    // A lower median inside an overlapping range says nothing.
    assertEquals(Spread.Verdict.WITHIN_SPREAD, Spread.of(List.of(240.0, 255.0, 300.0)).against(old));
  }

  @Test
  void aSingleRoundHasNoSpreadToJudgeADifferenceBy() {
    Spread old = Spread.of(List.of(168.0));
    assertEquals(Spread.Verdict.NO_SPREAD, Spread.of(List.of(186.0)).against(old));
    assertEquals(Spread.Verdict.NO_SPREAD, Spread.of(List.of(186.0, 190.0)).against(old));
    assertEquals(Spread.Verdict.NO_SPREAD, Spread.of(List.of()).against(Spread.of(List.of(1.0, 2.0))));
    assertEquals("186 µs against 168 µs (+10.7%): fewer than two rounds, no spread to judge it by",
        Spread.of(List.of(186.0)).comparedWith(old, 0, " µs"));
  }

  @Test
  void describesTheMedianWithItsRange() {
    assertEquals("263 (250–270)", Spread.of(List.of(250.0, 263.0, 270.0)).describe(0));
    assertEquals("1.50", Spread.of(List.of(1.5)).describe(2));
  }

  @Test
  void comparesInOneSentence_theChangeOfTheMedianAndWhetherItIsBeyondTheSpread() {
    Spread old = Spread.of(List.of(260.0, 270.0, 290.0));
    assertEquals("263 µs against 270 µs (−2.6%): the ranges overlap, within the run's spread",
        Spread.of(List.of(250.0, 263.0, 280.0)).comparedWith(old, 0, " µs"));
    assertEquals("324 µs against 270 µs (+20.0%): higher in every round, beyond the run's spread",
        Spread.of(List.of(300.0, 324.0, 330.0)).comparedWith(old, 0, " µs"));
    assertEquals("not measured", Spread.of(List.of()).comparedWith(old, 0, " µs"));
  }
}
