package io.switchboard.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.AutoRouteSettings.Objective;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The objective a request may state: presets and weights, in the header's form and the body field's. */
@Tag("unit")
class ObjectivesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void presetsAndWeights_areRead_anUnstatedWeightBeingZero() throws Exception {
    assertEquals(new Objective(1, 0, 0), Objectives.parse("cheapest"));
    assertEquals(new Objective(0, 1, 0), Objectives.parse(" Fastest "));
    assertEquals(new Objective(0, 0, 1), Objectives.parse("best"));
    assertEquals(new Objective(1, 1, 1), Objectives.parse("balanced"));
    assertEquals(new Objective(1, 0, 2.5), Objectives.parse("cost=1, quality=2.5"));
    assertEquals(new Objective(0, 3, 0), Objectives.parse(JSON.readTree("{\"latency\": 3}")));
    assertEquals(new Objective(1, 0, 0), Objectives.parse(JSON.readTree("\"cheapest\"")));
  }

  @Test
  void anythingElse_isRefused_sayingWhatIsExpected() throws Exception {
    for (String bad : new String[] {"cheap", "cost=x", "speed=1", "cost=0,latency=0", "cost=-1,quality=1", "cost"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objectives.parse(bad), bad);
      assertEquals("the objective must be one of cheapest, fastest, best, balanced, or weights like"
          + " cost=1,latency=0,quality=2 (each 0 or more, not all 0); got '" + bad + "'", e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Objectives.parse(JSON.readTree("{\"cost\": \"1\"}")));
    assertThrows(IllegalArgumentException.class, () -> Objectives.parse(JSON.readTree("{\"speed\": 1}")));
    assertThrows(IllegalArgumentException.class, () -> Objectives.parse(JSON.readTree("[1]")));
  }
}
