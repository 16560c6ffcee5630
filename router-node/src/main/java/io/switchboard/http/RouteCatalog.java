package io.switchboard.http;

import io.switchboard.api.openai.ModelRoute;
import io.switchboard.config.FanOutSettings;
import io.switchboard.routing.ModelRouter;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The names clients may send as {@code model} that are routes rather than models, for {@code GET /v1/models}:
 * the auto routes (read afresh each time, since the live registry can change them) and the fan-outs.
 */
final class RouteCatalog {
  private RouteCatalog() {}

  /**
   * By name: each auto route (as the router serves it now, candidates that name no model left out, as
   * the routes themselves leave them out) and fan-out, and what it leads to.
   */
  static Supplier<Map<String, ModelRoute>> of(ModelRouter router, Map<String, FanOutSettings> fanOuts) {
    return () -> {
      Map<String, ModelRoute> named = new TreeMap<>();
      Map<String, ?> models = router.models();
      router.routes().forEach((name, route) -> named.put(name, new ModelRoute(ModelRoute.AUTO, null,
          route.candidates().stream().filter(models::containsKey).toList())));
      fanOuts.forEach((name, fanOut) -> named.put(name,
          new ModelRoute(ModelRoute.FAN_OUT, fanOut.strategy().configName(), fanOut.candidates())));
      return named;
    };
  }

  /**
   * Every name a client may send as {@code model} now, models and routes alike: what a key's
   * {@code allowed_models} may name.
   */
  static Supplier<Set<String>> namesServed(ModelRouter router, Supplier<Map<String, ModelRoute>> routes) {
    return () -> {
      Set<String> names = new TreeSet<>(router.models().keySet());
      names.addAll(routes.get().keySet());
      return names;
    };
  }
}
