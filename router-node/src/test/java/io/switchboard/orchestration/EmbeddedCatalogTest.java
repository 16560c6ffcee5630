package io.switchboard.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.config.SwitchboardSettings;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a node started without a configuration file serves: the README's walk-through of the auto route. */
@Tag("unit")
class EmbeddedCatalogTest {
  private final SwitchboardSettings settings =
      SwitchboardSettings.from(SwitchboardSettings.load(Optional.empty()), name -> null);
  private final AutoRoutes routes =
      AutoRoutes.of(settings, NoHistory.INSTANCE, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")));

  @Test
  void theDefaultNode_servesTheSimulatedModels_andAnAutoRouteOverThem() {
    assertEquals(Set.of("switchboard-sim", "sim-small", "sim-coder", "sim-long"), settings.models().keySet());
    assertEquals(List.of("sim-small", "sim-coder", "sim-long"), settings.routes().get("auto").candidates());
  }

  @Test
  void aCodeQuestion_smallTalk_andALongDocument_goToThreeDifferentModels() {
    assertEquals("sim-coder", routes.choose("auto", RouteCatalog.user("auto", RouteCatalog.CODE_QUESTION), null).model());
    assertEquals("sim-small", routes.choose("auto", RouteCatalog.user("auto", RouteCatalog.SMALL_TALK), null).model());
    RouteChoice longDocument = routes.choose("auto",
        RouteCatalog.user("auto", "Summarise this report: " + "The quarter went well. ".repeat(20_000)), null);
    assertEquals("sim-long", longDocument.model());
    assertTrue(longDocument.reason().contains("excluded sim-small(context "), longDocument.reason());
  }
}
