package io.switchboard.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LogFormatTest {
  @Test
  void textJsonOrUnset_areAccepted_anythingElseIsNamed_andTheSystemPropertyWins() {
    Map<String, String> none = Map.of();
    assertEquals(Optional.empty(), LogFormat.problem(none::get, none::get));
    assertEquals(Optional.empty(), LogFormat.problem(none::get, Map.of(LogFormat.VARIABLE, "json")::get));
    assertEquals(Optional.empty(), LogFormat.problem(Map.of(LogFormat.VARIABLE, "text")::get,
        Map.of(LogFormat.VARIABLE, "xml")::get));

    Optional<String> problem = LogFormat.problem(none::get, Map.of(LogFormat.VARIABLE, "xml")::get);
    assertTrue(problem.orElseThrow().contains("SWITCHBOARD_LOG_FORMAT=xml"), problem.get());
  }
}
