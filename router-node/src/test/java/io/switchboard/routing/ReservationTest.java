package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The tokens a call reserves at its provider: saturating, never an overflow into a negative reservation. */
@Tag("unit")
class ReservationTest {

  @Test
  void promptPlusOutput_isTheirSum() {
    assertEquals(4_127, Dispatcher.reservation(31, 4_096));
  }

  @Test
  void maxTokensAtIntMax_plusAPrompt_saturatesInsteadOfTurningNegative() {
    assertEquals(Integer.MAX_VALUE, Dispatcher.reservation(65, Integer.MAX_VALUE));
    assertEquals(Integer.MAX_VALUE, Dispatcher.reservation(Integer.MAX_VALUE, Integer.MAX_VALUE));
  }

  @Test
  void aNegativePart_addsNothing() {
    assertEquals(50, Dispatcher.reservation(-7, 50));
  }
}
