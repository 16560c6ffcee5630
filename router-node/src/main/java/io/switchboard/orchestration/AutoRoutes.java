package io.switchboard.orchestration;

import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.history.PerformanceHistory;
import io.switchboard.routing.ModelRouter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The node's auto routes: for a request naming one, the {@link TaskAnalyzer}'s verdict, the
 * {@link RouteScorer}'s ranking under the route's (or the request's) objective and limits, and the
 * choice with its reason.
 *
 * <p>History moves traffic away from a slow or failing model, and then that model gets no traffic to
 * show it has recovered. So a candidate that would win on its merits (cost and quality) but loses on
 * its history is sent one request when the route has sent it none for {@code probe-after}; its reason
 * says {@code probe}.
 *
 * <pre>{@code
 * AutoRoutes routes = AutoRoutes.of(settings, history, clock);
 * if (routes.serves(chat.model())) {
 *   RouteChoice choice = routes.choose(chat.model(), chat, null);   // or NoQualifyingModelException
 *   choice.model();    // "coder"
 *   choice.reason();   // "task=code(fence:python,fix) lang=en; chose coder (0.83): quality 0.90, ..."
 * }
 * }</pre>
 */
public final class AutoRoutes {
  /** A node without auto routes. */
  public static final AutoRoutes NONE = new AutoRoutes(Map.of(), null, NoHistory.INSTANCE, Clock.systemUTC(), 0);

  private static final int EXCLUSIONS_NAMED = 4;

  private record Route(AutoRouteSettings settings, Candidate[] candidates, AtomicLongArray lastSent) {}

  private volatile Map<String, Route> routes;
  private final TaskAnalyzer analyzer;
  private final PerformanceHistory history;
  private final Clock clock;
  private final long probeAfterMillis;

  private AutoRoutes(Map<String, Route> routes, TaskAnalyzer analyzer, PerformanceHistory history, Clock clock,
      long probeAfterMillis) {
    this.routes = routes;
    this.analyzer = analyzer;
    this.history = history;
    this.clock = clock;
    this.probeAfterMillis = probeAfterMillis;
  }

  /** The auto routes of {@code settings}, fixed. */
  public static AutoRoutes of(SwitchboardSettings settings, PerformanceHistory history, Clock clock) {
    AutoRoutes routes = new AutoRoutes(Map.of(), new TaskAnalyzer(settings.autoRouting().analyzer()), history, clock,
        settings.autoRouting().probeAfter().toMillis());
    routes.update(settings.models(), settings.routes());
    return routes;
  }

  /** The auto routes {@code router} serves, rebuilt whenever its models or routes change (the live registry). */
  public static AutoRoutes following(ModelRouter router, SwitchboardSettings settings, PerformanceHistory history,
      Clock clock) {
    AutoRoutes routes = new AutoRoutes(Map.of(), new TaskAnalyzer(settings.autoRouting().analyzer()), history, clock,
        settings.autoRouting().probeAfter().toMillis());
    router.follow(routes::update);
    return routes;
  }

  /**
   * Serves {@code routes} over {@code models} from now on. A route kept with the same candidates keeps when
   * each was last sent a request (its probes); a candidate naming no model is left out.
   */
  private synchronized void update(Map<String, ModelSettings> models, Map<String, AutoRouteSettings> configured) {
    Map<String, Route> previous = routes;
    Map<String, Route> next = new HashMap<>();
    long now = clock.millis();
    for (AutoRouteSettings route : configured.values()) {
      List<String> served = route.candidates().stream().filter(models::containsKey).toList();
      Candidate[] candidates = served.stream().map(m -> new Candidate(models.get(m))).toArray(Candidate[]::new);
      Route before = previous.get(route.name());
      AtomicLongArray lastSent = new AtomicLongArray(candidates.length);
      for (int i = 0; i < candidates.length; i++) {
        lastSent.set(i, sameCandidates(before, candidates) ? before.lastSent().get(i) : now);
      }
      next.put(route.name(), new Route(route, candidates, lastSent));
    }
    routes = Map.copyOf(next);
  }

  private static boolean sameCandidates(Route before, Candidate[] candidates) {
    if (before == null || before.candidates().length != candidates.length) return false;
    for (int i = 0; i < candidates.length; i++) {
      if (!before.candidates()[i].model.equals(candidates[i].model)) return false;
    }
    return true;
  }

  /** Whether {@code name} is an auto route (rather than a model). */
  public boolean serves(String name) {
    return name != null && routes.containsKey(name);
  }

  /**
   * Chooses the model for one request to route {@code name}.
   *
   * @param objective the request's own objective; null: the route's
   * @throws NoQualifyingModelException when every candidate is excluded
   */
  public RouteChoice choose(String name, ChatCompletionRequest chat, AutoRouteSettings.Objective objective) {
    Route route = routes.get(name);
    if (route == null) throw new IllegalArgumentException("no auto route '" + name + "'");
    TaskVerdict verdict = analyzer.analyze(chat);
    AutoRouteSettings.Objective weights = objective != null ? objective : route.settings().objective();
    Candidate[] candidates = route.candidates();
    RouteScorer.Ranking r = RouteScorer.rank(candidates, verdict, weights, route.settings().limits(), history);
    if (r.qualified == 0) throw new NoQualifyingModelException(name, noneQualifies(name, candidates, verdict, r));
    int chosen = r.order[0];
    long now = clock.millis();
    boolean probe = probeAfterMillis > 0 && r.bestOnMerit >= 0 && r.bestOnMerit != chosen
        && now - route.lastSent().get(r.bestOnMerit) >= probeAfterMillis;
    if (probe) chosen = r.bestOnMerit;
    route.lastSent().set(chosen, now);
    List<String> ranked = new ArrayList<>(r.qualified);
    ranked.add(candidates[chosen].model);
    for (int q = 0; q < r.qualified; q++) {
      if (r.order[q] != chosen) ranked.add(candidates[r.order[q]].model);
    }
    return new RouteChoice(name, candidates[chosen].model, reason(candidates, verdict, r, chosen, probe), ranked,
        route.settings().fallbacks());
  }

  /** {@code task=code(fence:python,fix) lang=en; chose coder (0.83): quality 0.90, cost $0.00043, p50 310ms; ...}. */
  private static String reason(Candidate[] candidates, TaskVerdict v, RouteScorer.Ranking r, int chosen, boolean probe) {
    StringBuilder s = new StringBuilder(160);
    s.append("task=").append(v.describe()).append(" lang=").append(v.language()).append("; chose ")
        .append(candidates[chosen].model).append(probe ? " (probe, " : " (").append(twoDecimals(r.score[chosen]))
        .append("): quality ").append(twoDecimals(candidates[chosen].strengths[v.kind().ordinal()]))
        .append(", cost ").append(RouteScorer.dollars(r.cost[chosen]))
        .append(", p50 ").append(r.p50[chosen] < 0 ? "unknown" : r.p50[chosen] + "ms");
    for (int q = 0; q < r.qualified; q++) {
      int i = r.order[q];
      if (i == chosen) continue;
      s.append("; next ").append(candidates[i].model).append(" (").append(twoDecimals(r.score[i])).append(')');
      break;
    }
    appendExclusions(s.append("; excluded "), candidates, r);
    return s.toString();
  }

  private static void appendExclusions(StringBuilder s, Candidate[] candidates, RouteScorer.Ranking r) {
    int named = 0;
    int more = 0;
    int start = s.length();
    for (int i = 0; i < candidates.length; i++) {
      if (r.excluded[i] == null) continue;
      if (named == EXCLUSIONS_NAMED) {
        more++;
        continue;
      }
      s.append(named++ == 0 ? "" : ", ").append(candidates[i].model).append('(').append(r.excluded[i]).append(')');
    }
    if (more > 0) s.append(", ").append(more).append(" more");
    if (s.length() == start) s.setLength(start - "; excluded ".length());
  }

  private static String noneQualifies(String name, Candidate[] candidates, TaskVerdict v, RouteScorer.Ranking r) {
    StringBuilder s = new StringBuilder("No model of route '").append(name).append("' qualifies for this request (task ")
        .append(v.kind().configName()).append(", about ").append(v.promptTokens()).append(" prompt tokens");
    if (!v.needs().isEmpty()) {
      s.append(", uses ").append(String.join("+", v.needs().stream().map(c -> c.configName()).toList()));
    }
    s.append("): ");
    for (int i = 0; i < candidates.length; i++) {
      s.append(i == 0 ? "" : "; ").append(candidates[i].model).append(" (").append(r.excluded[i]).append(')');
    }
    return s.append(". Shorten the prompt, lower max_tokens, drop what the models lack, or ask for a model by name.")
        .toString();
  }

  private static String twoDecimals(double value) {
    long hundredths = Math.round(value * 100);
    return hundredths / 100 + "." + (hundredths % 100 < 10 ? "0" : "") + hundredths % 100;
  }

  /** For docs and tests: the analyzer every route shares. */
  public TaskAnalyzer analyzer() {
    return analyzer;
  }
}
