package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reading {@code switchboard.fan-outs} over {@code fan-out-defaults}, and the mistakes it refuses naming the key. */
@Tag("unit")
class FanOutConfigTest {
  private static final String MODELS = """
      switchboard.models { a { provider = simulated }, b { provider = simulated }, c { provider = simulated } }
      switchboard.routes.auto { candidates = [a, b] }
      """;

  private static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString(MODELS + hocon).withFallback(ConfigFactory.load()).resolve(),
        k -> null);
  }

  private static void refused(String hocon, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> settings(hocon));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
  }

  @Test
  void fanOuts_areReadWithTheirStrategyAndDefaults() {
    SwitchboardSettings s = settings("""
        switchboard.fan-outs {
          hedge { candidates = [a, auto], hedge { delay = 300ms } }
          vote { strategy = vote, candidates = [a, b, c], vote { normalize = regex, extract = "answer: (\\\\w+)" } }
          judged { strategy = judge, candidates = [a, b], judge.model = c }
          fused { strategy = fuse, candidates = [a, b], fuse.model = auto, candidate-timeout = 5s }
        }
        """);

    FanOutSettings hedge = s.fanOuts().get("hedge");
    assertEquals(FanOutSettings.Strategy.FIRST, hedge.strategy(), "first is the default strategy");
    assertEquals(List.of("a", "auto"), hedge.candidates(), "a candidate may be an auto route");
    assertEquals(Duration.ofMillis(300), hedge.hedge().delay());
    FanOutSettings vote = s.fanOuts().get("vote");
    assertEquals(FanOutSettings.Normalize.REGEX, vote.vote().normalize());
    assertEquals(2, vote.vote().quorumOf(3), "the default quorum is a majority");
    assertEquals(FanOutSettings.NoQuorum.ERROR, vote.vote().noQuorum());
    assertEquals("c", s.fanOuts().get("judged").judge().model());
    assertTrue(s.fanOuts().get("judged").judge().rubric().length() > 10, "a default rubric");
    assertEquals(Duration.ofSeconds(5), s.fanOuts().get("fused").candidateTimeout());
  }

  @Test
  void mistakes_areRefused_namingTheKey() {
    refused("switchboard.fan-outs.x { candidates = [a, nope] }", "switchboard.fan-outs.x.candidates");
    refused("switchboard.fan-outs.x { candidates = [] }", "switchboard.fan-outs.x.candidates");
    refused("switchboard.fan-outs.a { candidates = [b] }", "switchboard.fan-outs.a");
    refused("switchboard.fan-outs.auto { candidates = [b] }", "switchboard.fan-outs.auto");
    refused("switchboard.fan-outs.x { strategy = best-of, candidates = [a, b] }", "switchboard.fan-outs.x.strategy");
    refused("switchboard.fan-outs.x { strategy = vote, candidates = [a] }", "at least 2");
    refused("switchboard.fan-outs.x { strategy = vote, candidates = [a, b], vote.quorum = 3 }", "vote.quorum");
    refused("switchboard.fan-outs.x { strategy = vote, candidates = [a, b], vote.normalize = regex }", "vote.extract");
    refused("switchboard.fan-outs.x { strategy = vote, candidates = [a, b], vote { normalize = regex, extract = \"(\" } }",
        "vote.extract");
    refused("switchboard.fan-outs.x { strategy = vote, candidates = [a, b], vote { normalize = json-pointer, extract = x } }",
        "vote.extract");
    refused("switchboard.fan-outs.x { strategy = judge, candidates = [a, b] }", "judge.model");
    refused("switchboard.fan-outs.x { strategy = fuse, candidates = [a, b], fuse.model = nope }", "fuse.model");
    refused("switchboard.fan-outs.x { candidates = [a, b], hedge.percentile = 75 }", "hedge.percentile");
    refused("switchboard.fan-outs.x { candidates = [a, b], candidate-timeout = -1s }", "candidate-timeout");
  }
}
