package io.switchboard.orchestration;

import static io.switchboard.orchestration.RouteCatalog.chat;
import static io.switchboard.orchestration.RouteCatalog.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.AutoRouteSettings.Condition;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Which model an auto route chooses, and what its reason says, under task, size, objective, limits and history. */
@Tag("unit")
class AutoRoutesTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final FakeHistory history = new FakeHistory();

  private AutoRoutes routes(String extra) {
    return AutoRoutes.of(RouteCatalog.settings(extra), history, clock);
  }

  @Test
  void aCodeQuestion_goesToTheCodeModel_andSmallTalkToTheCheapChatModel() {
    AutoRoutes routes = routes("");

    RouteChoice code = routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION), null);
    RouteChoice talk = routes.choose("auto", user("auto", RouteCatalog.SMALL_TALK), null);

    assertEquals("coder", code.model());
    assertTrue(code.reason().startsWith("task=code(fence:python,fix,bug) lang=en; chose coder ("), code.reason());
    assertTrue(code.reason().contains("quality 0.95, cost $0.0012, p50 unknown; next small ("), code.reason());
    assertEquals("small", talk.model());
    assertTrue(talk.reason().startsWith("task=chat lang=en; chose small ("), talk.reason());
    assertEquals(List.of("small", "long", "coder"), talk.ranked());
  }

  @Test
  void aPromptLongerThanTheOtherWindows_goesToTheLongContextModel_andTheReasonSaysWhy() {
    RouteChoice choice = routes("").choose("auto", user("auto", "Summarise: " + "lorem ipsum ".repeat(12_000)), null);

    assertEquals("long", choice.model());
    assertEquals(List.of("long"), choice.ranked());
    assertTrue(choice.reason().contains("; excluded small(context 37034>8192), coder(context 40106>32768)"),
        choice.reason());
  }

  @Test
  void aCostObjective_choosesTheCheapestModelThatQualifies() {
    AutoRoutes routes = routes("");
    var toolsRequest = chat("""
        {"model":"auto","messages":[{"role":"user","content":"Fix the bug in my function"}],
         "tools":[{"type":"function","function":{"name":"run_tests","parameters":{"type":"object"}}}]}""");

    RouteChoice cheapest = routes.choose("auto", toolsRequest, Objectives.parse("cheapest"));
    RouteChoice cheapestTalk = routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION), Objectives.parse("cost=1"));

    assertEquals("coder", cheapest.model(), "small is cheaper but has no tools");
    assertTrue(cheapest.reason().endsWith("; excluded small(lacks tools)"), cheapest.reason());
    assertEquals("small", cheapestTalk.model(), "with nothing excluded, the cheapest of all");
  }

  @Test
  void aHardPriceLimit_excludesAModel_andWhenItExcludesAllTheErrorNamesEach() {
    AutoRoutes routes = routes("switchboard.routes.auto.limits.max-price-per-request = 0.001");

    RouteChoice code = routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION), null);
    assertEquals("small", code.model(), code.reason());
    assertTrue(code.reason().endsWith("; excluded coder(price $0.0012>limit $0.001), long(price $0.0025>limit $0.001)"),
        code.reason());

    NoQualifyingModelException none = assertThrows(NoQualifyingModelException.class,
        () -> routes.choose("auto", user("auto", "lorem ipsum ".repeat(12_000)), null));
    assertEquals("auto", none.route());
    assertEquals("No model of route 'auto' qualifies for this request (task chat, about 36007 prompt tokens):"
        + " small (context 37031>8192); coder (context 40103>32768); long (price $0.074>limit $0.001). Shorten the"
        + " prompt, lower max_tokens, drop what the models lack, or ask for a model by name.", none.getMessage());
  }

  @Test
  void observedSlowness_movesTrafficAway_aProbeChecksIt_andRecoveryMovesItBack() {
    AutoRoutes routes = routes("");
    var code = user("auto", RouteCatalog.CODE_QUESTION);
    history.set("simulated/small-1", 300, 0);
    history.set("simulated/coder-1", 300, 0);
    assertEquals("coder", routes.choose("auto", code, null).model());

    history.set("simulated/coder-1", 6_000, 0);
    RouteChoice away = routes.choose("auto", code, null);
    assertEquals("small", away.model(), away.reason());
    assertTrue(away.reason().contains("p50 300ms"), away.reason());
    clock.advance(Duration.ofSeconds(29));
    assertEquals("small", routes.choose("auto", code, null).model(), "no probe before probe-after");

    clock.advance(Duration.ofSeconds(1));
    RouteChoice probe = routes.choose("auto", code, null);
    assertEquals("coder", probe.model(), "30s without a request: one probe");
    assertTrue(probe.reason().contains("chose coder (probe, "), probe.reason());
    assertEquals("small", routes.choose("auto", code, null).model(), "one probe, not a stream of them");

    history.set("simulated/coder-1", 250, 0);
    assertEquals("coder", routes.choose("auto", code, null).model(), "recovered");
  }

  @Test
  void observedErrors_lowerAScore_andAMaxLatencyExcludesOnlyModelsWithHistory() {
    AutoRoutes routes = routes("switchboard.routes.auto.limits.max-latency = 2s");
    var code = user("auto", RouteCatalog.CODE_QUESTION);
    history.set("simulated/coder-1", 300, 0.8);
    assertEquals("small", routes.choose("auto", code, null).model());

    history.set("simulated/coder-1", 2_500, 0);
    RouteChoice choice = routes.choose("auto", code, null);
    assertTrue(choice.reason().contains("coder(p50 2500ms>limit 2000ms)"), choice.reason());
  }

  @Test
  void requiredCapabilitiesOfTheRoute_excludeModelsWithoutThem() {
    RouteChoice choice = routes("switchboard.routes.auto.limits.requires = [tools]")
        .choose("auto", user("auto", RouteCatalog.SMALL_TALK), null);

    assertEquals("coder", choice.model(), "small is best for chat, but lacks tools: " + choice.reason());
    assertTrue(choice.reason().endsWith("; next long (0.66); excluded small(lacks tools)"), choice.reason());
  }

  @Test
  void fallbackRules_nameAModel_orTheNextOfTheRanking_eachModelOnce() {
    RouteChoice choice = routes("""
        switchboard.routes.auto.fallbacks = [ { when = context-exceeded, model = long }, { when = rate-limited } ]
        """).choose("auto", user("auto", RouteCatalog.SMALL_TALK), null);
    assertEquals(List.of("small", "long", "coder"), choice.ranked());

    assertEquals(Optional.of("long"), choice.fallbackFor(Condition.CONTEXT_EXCEEDED, Set.of("small")));
    assertEquals(Optional.empty(), choice.fallbackFor(Condition.CONTEXT_EXCEEDED, Set.of("small", "long")));
    assertEquals(Optional.of("long"), choice.fallbackFor(Condition.RATE_LIMITED, Set.of("small")));
    assertEquals(Optional.of("coder"), choice.fallbackFor(Condition.RATE_LIMITED, Set.of("small", "long")));
    assertEquals(Optional.empty(), choice.fallbackFor(Condition.UNAVAILABLE, Set.of("small")));
    assertEquals(List.of("small", "long", "coder"), choice.reachable());
  }

  @Test
  void aRequestsObjective_overridesTheRoutes() {
    AutoRoutes routes = routes("");
    assertEquals("coder", routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION), null).model());
    assertEquals("small", routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION),
        new AutoRouteSettings.Objective(1, 0, 0)).model());
    assertEquals("coder", routes.choose("auto", user("auto", RouteCatalog.CODE_QUESTION), Objectives.parse("best"))
        .model());
  }

  /** A history the test sets: p50 and error rate per deployment label. */
  static final class FakeHistory implements PerformanceHistory {
    private final Map<String, HistorySummary> summaries = new ConcurrentHashMap<>();

    void set(String deployment, long p50Millis, double errorRate) {
      summaries.put(deployment, new HistorySummary(100, errorRate, p50Millis, p50Millis * 2, p50Millis * 3, 0, 0, 0));
    }

    @Override
    public void record(String deployment, Outcome outcome) {}

    @Override
    public HistorySummary summary(String deployment) {
      return summaries.getOrDefault(deployment, HistorySummary.EMPTY);
    }
  }

}
