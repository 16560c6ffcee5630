package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProfileTest {

  @Test
  void fullMeasuresTheIssuesRatesAndStreamCounts() {
    Profile full = Profile.named("full", 10_000, 10_000);
    assertEquals(List.of(500, 1000, 5000), full.rates());
    assertEquals(List.of(1000, 10_000), full.heldStreams());
    assertEquals(List.of(10_000), full.h2HeldStreams());
  }

  @Test
  void streamCountsAreCappedByWhatTheFileLimitAllows() {
    assertEquals(List.of(1000, 9_000), Profile.named("full", 9_000, 10_000).heldStreams());
    assertEquals(List.of(500), Profile.named("quick", 500, 10_000).heldStreams());
  }

  @Test
  void tenThousandStreamsAreHeldOverH2c_whereHttp11StopsAtTheFileLimit() {
    // A 20,000 file limit: HTTP/1.1 holds (20,000 - 1,000) / 2 streams, h2c all 10,000.
    Profile full = Profile.named("full", 9_500, 10_000);

    assertEquals(List.of(1000, 9_500), full.heldStreams());
    assertEquals(List.of(10_000), full.h2HeldStreams());
    assertEquals(List.of(1000), Profile.named("quick", 9_500, 10_000).h2HeldStreams(), "quick runs exercise h2c too");
    assertEquals(List.of(4_000), Profile.named("full", 1_500, 4_000).h2HeldStreams());
    assertEquals(List.of(), Profile.named("quick", 0, 0).h2HeldStreams(), "nothing to hold: no h2c phase");
  }

  @Test
  void streamsMeasuresHeldStreamsOnly() {
    Profile streams = Profile.named("streams", 9_500, 10_000);
    assertEquals(List.of(1000), streams.heldStreams());
    assertEquals(List.of(1000, 10_000), streams.h2HeldStreams());
    assertTrue(streams.heldStreamsOnly());
    assertFalse(Profile.named("full", 9_500, 10_000).heldStreamsOnly());
  }

  @Test
  void anUnknownProfileIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Profile.named("fast", 10, 10));
  }

  @Test
  void quickWarmsAsLongAsFull_andSaysHow() {
    Profile quick = Profile.named("quick", 1000, 1000);
    Profile full = Profile.named("full", 1000, 1000);

    assertEquals(24, quick.warmupMaxRounds());
    assertEquals(24, full.warmupMaxRounds());
    assertEquals("at least 3 rounds; warm once 2 rounds in a row gain no more than 5% over the best earlier round "
        + "while the JIT compilers of the path's JVMs use less than 15% of a core; at most 24 rounds", full.warmUpRule());
  }
}
