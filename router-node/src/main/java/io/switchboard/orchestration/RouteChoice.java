package io.switchboard.orchestration;

import io.switchboard.config.AutoRouteSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an auto route chose for one request, and why.
 *
 * @param model the chosen model
 * @param reason the short explanation the answer carries in {@code x-switchboard-route-reason}
 * @param ranked every qualifying candidate, best first (the chosen one first)
 * @param fallbacks the route's rules for when the chosen model fails
 */
public record RouteChoice(String route, String model, String reason, List<String> ranked,
    List<AutoRouteSettings.Fallback> fallbacks) {

  public RouteChoice {
    ranked = List.copyOf(ranked);
    fallbacks = List.copyOf(fallbacks);
  }

  /**
   * The model to send the request to after a model failed with {@code condition}: the first rule for
   * that condition whose model has not been tried ({@code tried}); a rule without a model means the
   * next untried candidate of the ranking. Empty when no rule applies.
   */
  public Optional<String> fallbackFor(AutoRouteSettings.Condition condition, Set<String> tried) {
    for (AutoRouteSettings.Fallback f : fallbacks) {
      if (f.when() != condition) continue;
      if (f.model() != null) {
        if (!tried.contains(f.model())) return Optional.of(f.model());
        continue;
      }
      for (String next : ranked) {
        if (!tried.contains(next)) return Optional.of(next);
      }
    }
    return Optional.empty();
  }

  /** The chosen model and every model a fallback rule could send the request to. */
  public List<String> reachable() {
    List<String> models = new ArrayList<>();
    models.add(model);
    boolean toRanked = false;
    for (AutoRouteSettings.Fallback f : fallbacks) {
      if (f.model() == null) toRanked = true;
      else if (!models.contains(f.model())) models.add(f.model());
    }
    if (toRanked) ranked.stream().filter(m -> !models.contains(m)).forEach(models::add);
    return models;
  }
}
