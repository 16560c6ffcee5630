package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RoundsTest {
  private static final Rounds.Figure RPS = new Rounds.Figure("req/s", 0);
  private static final Rounds.Figure CPU = new Rounds.Figure("CPU µs/req", 0);

  @Test
  void interleavedRoundsAreGatheredPerTarget_inTheOrderTheTargetsFirstRan() {
    Rounds rounds = new Rounds(RPS, CPU)
        .add("old", 5000, 280).add("new", 5200, 270)
        .add("old", 4800, 300).add("new", 5100, 262)
        .add("old", 5100, 290).add("new", Double.NaN, 275);

    assertEquals(List.of("old", "new"), rounds.targets());
    assertEquals(new Spread(290, 280, 300, 3), rounds.spread("old", "CPU µs/req"));
    assertEquals(new Spread(270, 262, 275, 3), rounds.spread("new", "CPU µs/req"));
    // The round that measured no rate counts for CPU but not for the rate.
    assertEquals(new Spread(5150, 5100, 5200, 2), rounds.spread("new", "req/s"));
    assertEquals(Spread.Verdict.LOWER, rounds.spread("new", "CPU µs/req").against(rounds.spread("old", "CPU µs/req")));
  }

  @Test
  void theMediansTableHasOneRowPerTarget() {
    Rounds rounds = new Rounds(RPS, CPU).add("old", 5000, 280).add("new", 5200, 270).add("old", 4800, 300);

    assertEquals("""
        | target | rounds | req/s, median (range) | CPU µs/req, median (range) |
        |---|---|---|---|
        | old | 2 | 4900 (4800–5000) | 290 (280–300) |
        | new | 1 | 5200 | 270 |
        """, rounds.medians().toString());
  }

  @Test
  void aTargetWithoutRoundsOrAnUnknownFigureIsNoSpread() {
    Rounds rounds = new Rounds(RPS).add("old", 5000);
    assertEquals(0, rounds.spread("nginx", "req/s").rounds());
    assertThrows(IllegalArgumentException.class, () -> rounds.spread("old", "p99"));
    assertThrows(IllegalArgumentException.class, () -> rounds.add("old", 1, 2));
  }
}
