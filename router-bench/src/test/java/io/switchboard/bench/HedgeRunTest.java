package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.FanOutSettings;
import io.switchboard.config.SwitchboardSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class HedgeRunTest {

  @Test
  void nodeConfig_isAcceptedByANode_withTwoPricedModelsAndBothHedges() {
    Config config = ConfigFactory.parseString(HedgeRun.nodeConfig(9200, 9100, 9101, Duration.ofMillis(100)))
        .withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);

    assertEquals(Set.of("upstream-a", "upstream-b"), settings.providers().keySet());
    assertEquals("http://127.0.0.1:9101/v1", config.getString("switchboard.providers.upstream-b.openai.base-url"));
    assertEquals(Set.of(HedgeRun.FIRST_MODEL, HedgeRun.SECOND_MODEL), settings.models().keySet());
    // Priced, so that usage records carry a cost: 8 prompt and 16 completion tokens at $0.15 / $0.60 per million.
    assertEquals(0, new BigDecimal("0.0000108").compareTo(
        settings.models().get(HedgeRun.SECOND_MODEL).deployments().get(0).pricing().cost(8, 16)));
    FanOutSettings fixed = settings.fanOuts().get(HedgeRun.FIXED);
    assertEquals(List.of(HedgeRun.FIRST_MODEL, HedgeRun.SECOND_MODEL), fixed.candidates());
    assertEquals(new FanOutSettings.Hedge(Duration.ofMillis(100), 0), fixed.hedge());
    FanOutSettings p90 = settings.fanOuts().get(HedgeRun.P90);
    assertEquals(FanOutSettings.Strategy.FIRST, p90.strategy());
    assertEquals(new FanOutSettings.Hedge(Duration.ofMillis(100), 90), p90.hedge());
  }

  @Test
  void inRound_rotatesTheTargets_soEachTakesEachPlaceOnceInThreeRounds() {
    HedgeRun.Target a = new HedgeRun.Target("model-a", "none");
    HedgeRun.Target b = new HedgeRun.Target("hedge", "after 300 ms");
    HedgeRun.Target c = new HedgeRun.Target("hedge-p90", "after the first model's p90");
    List<HedgeRun.Target> targets = List.of(a, b, c);
    assertEquals(List.of(a, b, c), HedgeRun.inRound(targets, 0));
    assertEquals(List.of(b, c, a), HedgeRun.inRound(targets, 1));
    assertEquals(List.of(c, a, b), HedgeRun.inRound(targets, 2));
    assertEquals(List.of(a, b, c), HedgeRun.inRound(targets, 3));
  }
}
