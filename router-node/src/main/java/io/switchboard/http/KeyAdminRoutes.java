package io.switchboard.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.KeyDirectory;
import io.switchboard.keys.NewKey;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code /admin/keys}: create ({@code POST}, answering the secret this one time), list, show and revoke
 * ({@code DELETE}) virtual keys. No answer ever holds a stored key's secret or its digest.
 */
final class KeyAdminRoutes extends AllDirectives {

  /** A key as admin routes show it; {@code key} (the secret) only in the answer to its creation. */
  @JsonInclude(JsonInclude.Include.NON_ABSENT)
  record KeyView(
      @JsonProperty("object") String object,
      @JsonProperty("id") String id,
      @JsonProperty("key") String secret,
      @JsonProperty("name") String name,
      @JsonProperty("status") String status,
      @JsonProperty("allowed_models") List<String> allowedModels,
      @JsonProperty("requests_per_minute") int requestsPerMinute,
      @JsonProperty("tokens_per_minute") long tokensPerMinute,
      @JsonProperty("budget_usd") BigDecimal budgetUsd,
      @JsonProperty("expires_at") String expiresAt,
      @JsonProperty("cache") boolean cache,
      @JsonProperty("created_at") String createdAt,
      @JsonProperty("revoked_at") String revokedAt) {

    static KeyView of(ApiKey key, String secret, Instant now) {
      String status = key.revokedAt().isPresent() ? "revoked"
          : key.unusableBecause(now).isPresent() ? "expired" : "active";
      return new KeyView("api_key", key.id(), secret, key.name(), status, key.allowedModels().stream().sorted().toList(),
          key.requestsPerMinute(), key.tokensPerMinute(), key.budgetUsd().orElse(null),
          key.expiresAt().map(Instant::toString).orElse(null), key.cache(), key.createdAt().toString(),
          key.revokedAt().map(Instant::toString).orElse(null));
    }
  }

  record KeyList(@JsonProperty("object") String object, @JsonProperty("data") List<KeyView> data) {}

  private final KeyDirectory directory;
  /** The names served now, models and routes (the registry changes them at run time). */
  private final Supplier<Set<String>> models;
  private final ObjectMapper mapper;
  private final Clock clock;

  KeyAdminRoutes(KeyDirectory directory, Supplier<Set<String>> models, ObjectMapper mapper, Clock clock) {
    this.directory = directory;
    this.models = models;
    this.mapper = mapper;
    this.clock = clock;
  }

  Route route() {
    return pathPrefix("keys", () -> concat(
        pathEnd(() -> concat(
            post(() -> entity(Unmarshaller.entityToString(), body -> completeWithFuture(create(body)))),
            get(() -> completeWithFuture(directory.all().thenApply(keys -> json(200, new KeyList("list",
                keys.stream().map(k -> KeyView.of(k, null, clock.instant())).toList()))))))),
        path(PathMatchers.segment(), id -> concat(
            get(() -> completeWithFuture(directory.get(id).thenApply(key -> shown(key, id)))),
            delete(() -> completeWithFuture(directory.revoke(id).thenApply(key -> shown(key, id))))))));
  }

  private CompletionStage<HttpResponse> create(String body) {
    NewKey request;
    try {
      request = mapper.readValue(body, NewKey.class);
    } catch (JsonProcessingException e) {
      ApiError problem = ChatRequestDecoder.invalidJson(e);
      throw ApiError.invalidRequest("The body must be a JSON object such as {\"name\": \"team-a\","
          + " \"budget_usd\": 10}. " + problem.getMessage(), problem.body().error().param(), "invalid_body");
    }
    if (request == null) throw ApiError.invalidRequest("The body must be a JSON object with at least 'name'.", null,
        "invalid_body");
    try {
      return directory.create(request, models.get())
          .thenApply(created -> json(201, KeyView.of(created.key(), created.secret(), clock.instant())));
    } catch (NewKey.InvalidException invalid) {
      throw ApiError.invalidRequest(invalid.getMessage(), invalid.field(), "invalid_value");
    }
  }

  private HttpResponse shown(Optional<ApiKey> key, String id) {
    return key.map(k -> json(200, KeyView.of(k, null, clock.instant())))
        .orElseGet(() -> ApiError.of(404, ApiError.INVALID_REQUEST, "key_not_found", null,
            "No key has the id '" + id + "'; GET /admin/keys lists them.").toResponse(mapper));
  }

  private HttpResponse json(int status, Object body) {
    try {
      return HttpResponse.create().withStatus(StatusCodes.get(status))
          .withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a key view could not be written", e);
    }
  }
}
