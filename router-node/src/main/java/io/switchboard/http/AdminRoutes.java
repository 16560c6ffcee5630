package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.metrics.ProviderStatistics;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.Providers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /admin/providers}: each provider's admission state as its actor sees it: slots in flight,
 * queue depth, bucket levels, pause (while an upstream's 429 holds it: {@code pausedUntil} as an
 * ISO-8601 instant and {@code pauseRemainingMillis}; null and 0 otherwise), breaker state and its
 * transitions so far; and, under {@code statistics}, this node's record of its calls (rates, success
 * rate, latency percentiles and average; see {@link ProviderStatistics}). Each deployment's performance
 * history is under {@code /admin/deployments} ({@link HistoryRoutes}).
 */
final class AdminRoutes extends AllDirectives {

  /** The body of {@code GET /admin/providers}: each provider's status with its {@code statistics} added. */
  record ProvidersView(List<ObjectNode> providers) {}

  private final Providers providers;
  private final ObjectMapper mapper;
  private final ProviderStatistics statistics;
  private final HistoryRoutes history;

  AdminRoutes(Providers providers, ObjectMapper mapper, ProviderStatistics statistics, HistoryRoutes history) {
    this.providers = providers;
    this.mapper = mapper;
    this.statistics = statistics;
    this.history = history;
  }

  Route route() {
    return concat(path("providers", () -> get(() -> completeWithFuture(providersView()))), history.route());
  }

  private CompletionStage<HttpResponse> providersView() {
    List<CompletableFuture<ProviderActor.Status>> asks = new ArrayList<>();
    for (Map.Entry<String, ProviderHandle> e : providers.all().entrySet()) {
      asks.add(e.getValue().status().toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(done -> {
      List<ObjectNode> statuses = asks.stream().map(CompletableFuture::join).map(status -> {
        ObjectNode node = mapper.valueToTree(status);
        node.put("pausedUntil", status.pauseRemainingMillis() > 0
            ? Instant.ofEpochMilli(status.pausedUntilEpochMillis()).toString() : null);
        node.set("statistics", mapper.valueToTree(statistics.view(status.provider())));
        return node;
      }).toList();
      try {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON,
            mapper.writeValueAsBytes(new ProvidersView(statuses)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("provider status could not be written", e);
      }
    });
  }
}
