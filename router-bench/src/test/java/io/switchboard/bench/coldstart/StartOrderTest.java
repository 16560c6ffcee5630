package io.switchboard.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Starts interleave across variants, every other round reversed, so no variant always runs first. */
@Tag("unit")
class StartOrderTest {
  @Test
  void roundsAlternateDirection() {
    assertEquals(List.of("A", "B", "C", "C", "B", "A", "A", "B", "C"), StartOrder.of(List.of("A", "B", "C"), 3));
  }

  @Test
  void eachVariantStartsAsOftenAsAsked() {
    List<String> order = StartOrder.of(List.of("A", "B", "C", "D"), 5);
    assertEquals(20, order.size());
    for (String v : List.of("A", "B", "C", "D")) {
      assertEquals(5, order.stream().filter(v::equals).count(), v);
    }
  }

  @Test
  void oneVariant_isJustRepeated() {
    assertEquals(List.of("A", "A"), StartOrder.of(List.of("A"), 2));
  }

  @Test
  void atLeastOneStart() {
    assertThrows(IllegalArgumentException.class, () -> StartOrder.of(List.of("A"), 0));
  }
}
