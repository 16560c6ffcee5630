package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.NodeHistory;
import io.switchboard.history.Outcome;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /admin/deployments/{id}/history?limit=n}: a deployment's performance history as the
 * cluster holds it, asked of its history now: the summary, the history's size and the latest {@code n}
 * outcomes (default {@value #DEFAULT_LIMIT}), newest first. The id is the deployment's label,
 * {@code provider/upstream-model}, URL-encoded ({@code openai%2Fgpt-4o}).
 */
final class HistoryRoutes extends AllDirectives {
  static final int DEFAULT_LIMIT = 100;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  /** The body of the answer. */
  record HistoryView(String deployment, int size, HistorySummary summary, List<Outcome> outcomes) {}

  private final NodeHistory history;
  private final ModelRouter router;
  private final ObjectMapper mapper;

  HistoryRoutes(NodeHistory history, ModelRouter router, ObjectMapper mapper) {
    this.history = history;
    this.router = router;
    this.mapper = mapper;
  }

  Route route() {
    return path(PathMatchers.segment("deployments").slash(PathMatchers.segment()).slash("history"), id ->
        get(() -> parameterOptional("limit", limit -> completeWithFuture(view(id, limit)))));
  }

  private CompletionStage<HttpResponse> view(String id, Optional<String> limitParam) {
    int limit = limit(limitParam);
    boolean known = router.deployments().stream().map(Deployment::label).anyMatch(id::equals)
        || history.deployments().contains(id);
    if (!known) {
      throw ApiError.of(404, ApiError.INVALID_REQUEST, "deployment_not_found", null, "No deployment '" + id
          + "' is configured. A deployment is named provider/upstream-model, URL-encoded: e.g."
          + " GET /admin/deployments/openai%2Fgpt-4o/history.");
    }
    return history.latest(id, limit, ASK_TIMEOUT).thenApply(latest -> {
      try {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(
            new HistoryView(id, latest.size(), latest.summary(), latest.outcomes())));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("history could not be written", e);
      }
    });
  }

  private static int limit(Optional<String> param) {
    if (param.isEmpty()) return DEFAULT_LIMIT;
    try {
      int limit = Integer.parseInt(param.get());
      if (limit >= 0) return limit;
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw ApiError.invalidRequest("limit must be a whole number of outcomes, 0 or more, e.g. ?limit=50.", "limit",
        "invalid_parameter");
  }
}
