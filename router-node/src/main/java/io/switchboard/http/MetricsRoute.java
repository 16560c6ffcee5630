package io.switchboard.http;

import io.switchboard.metrics.GatewayMetrics;
import io.switchboard.metrics.KeyBudgetGauges;
import io.switchboard.metrics.ProviderGauges;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: every meter in Prometheus text format. The provider and key budget gauges are
 * refreshed first when their snapshot is stale (see {@link ProviderGauges}, {@link KeyBudgetGauges}). Open like {@code /health}: it shows no
 * secret and no request content, only counts, model and provider names; restrict it at the network
 * (or behind the admin key, once keys exist) where even those are private.
 */
final class MetricsRoute extends AllDirectives {
  private final GatewayMetrics metrics;
  private final ProviderGauges gauges;
  private final KeyBudgetGauges budgets;

  MetricsRoute(GatewayMetrics metrics, ProviderGauges gauges, KeyBudgetGauges budgets) {
    this.metrics = metrics;
    this.gauges = gauges;
    this.budgets = budgets;
  }

  Route route() {
    return path("metrics", () -> get(() -> completeWithFuture(gauges.refreshIfStale()
        .thenCombine(budgets.refreshIfStale(), (providers, keys) -> metrics.scrape())
        .thenApply(scrape -> HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, scrape)))));
  }
}
