package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.keys.Caller;
import io.switchboard.usage.UsageReports;
import io.switchboard.usage.UsageStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Usage reports: {@code GET /admin/usage} over every key (optionally {@code key_id=}), and {@code GET
 * /v1/usage}, which shows the calling key its own usage only. Both take {@code from} and {@code to}
 * (ISO-8601 instants, or dates meaning midnight UTC; default the last 30 days, {@code to} exclusive) and
 * {@code group_by}, a comma-separated list of {@code key}, {@code model}, {@code deployment}, {@code day},
 * {@code request} (a fan-out's calls share the request's id), {@code route} (the auto route or fan-out).
 */
final class UsageRoutes extends AllDirectives {
  static final Duration DEFAULT_RANGE = Duration.ofDays(30);

  private final UsageReports reports;
  private final ObjectMapper mapper;
  private final Clock clock;

  UsageRoutes(UsageReports reports, ObjectMapper mapper, Clock clock) {
    this.reports = reports;
    this.mapper = mapper;
    this.clock = clock;
  }

  /** Under {@code /admin}. */
  Route admin() {
    return path("usage", () -> get(() -> parameterMap(params ->
        completeWithFuture(report(params, Optional.ofNullable(params.get("key_id")))))));
  }

  /** Under {@code /v1}, after authentication. */
  Route client() {
    return path("usage", () -> get(() -> extractRequest(request -> parameterMap(params -> {
      Optional<String> key = Caller.of(request).keyId();
      if (key.isEmpty()) {
        return complete(ApiError.of(401, ApiError.INVALID_REQUEST, "missing_api_key", null,
            "GET /v1/usage shows a key its own usage: send your key as 'Authorization: Bearer <key>' or"
                + " 'x-api-key'. The gateway's operator sees every key's usage in GET /admin/usage.")
            .toResponse(mapper));
      }
      return completeWithFuture(report(params, key));
    }))));
  }

  private CompletionStage<HttpResponse> report(Map<String, String> params, Optional<String> keyId) {
    Instant to = Optional.ofNullable(params.get("to")).map(v -> instant(v, "to")).orElse(clock.instant());
    Instant from = Optional.ofNullable(params.get("from")).map(v -> instant(v, "from")).orElse(to.minus(DEFAULT_RANGE));
    if (!from.isBefore(to)) {
      throw ApiError.invalidRequest("'from' (" + from + ") must be before 'to' (" + to + ").", "from", "invalid_value");
    }
    List<UsageStore.Dimension> groupBy = groupBy(params.getOrDefault("group_by", ""));
    return reports.report(from, to, groupBy, keyId).thenApply(report -> {
      try {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(report));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a usage report could not be written", e);
      }
    });
  }

  private static Instant instant(String value, String param) {
    try {
      return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiError.invalidRequest("'" + param + "' must be an ISO-8601 instant such as 2026-11-01T00:00:00Z or a"
          + " date such as 2026-11-01; got '" + value + "'.", param, "invalid_value");
    }
  }

  private static List<UsageStore.Dimension> groupBy(String value) {
    List<UsageStore.Dimension> dims = new ArrayList<>();
    for (String part : value.split(",")) {
      String name = part.trim().toUpperCase(Locale.ROOT);
      if (name.isEmpty()) continue;
      try {
        UsageStore.Dimension d = UsageStore.Dimension.valueOf(name);
        if (!dims.contains(d)) dims.add(d);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidRequest("'group_by' takes a comma-separated list of key, model, deployment, day, request, route;"
            + " got '" + part.trim() + "'.", "group_by", "invalid_value");
      }
    }
    return dims;
  }
}
