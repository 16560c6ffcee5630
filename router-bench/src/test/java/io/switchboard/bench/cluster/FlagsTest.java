package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FlagsTest {

  @Test
  void options_areReadWithTheirTypes_andFallBackWhenAbsent() {
    Flags f = Flags.parse(new String[] {"start", "--nodes", "5", "--before=90s", "--rate", "12.5"}, 1,
        Set.of("nodes", "before", "rate", "dir"));
    assertEquals(5, f.integer("nodes", 3));
    assertEquals(Duration.ofSeconds(90), f.duration("before", Duration.ZERO));
    assertEquals(12.5, f.decimal("rate", 0), 1e-9);
    assertEquals("d", f.get("dir", "d"));
    assertTrue(f.get("dir").isEmpty());
  }

  @Test
  void typosAndMissingValues_areErrors() {
    assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[] {"--node", "3"}, 0, Set.of("nodes")));
    assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[] {"--nodes"}, 0, Set.of("nodes")));
    Flags f = Flags.parse(new String[] {"--nodes", "three", "--t", "soon"}, 0, Set.of("nodes", "t"));
    assertThrows(IllegalArgumentException.class, () -> f.integer("nodes", 3));
    assertThrows(IllegalArgumentException.class, () -> f.duration("t", Duration.ZERO));
  }
}
