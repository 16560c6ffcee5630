package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.logging.RequestLog;
import io.switchboard.provider.ollama.OllamaAdmin;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model management of the configured Ollama providers, under {@code /admin/ollama/{provider}}:
 *
 * <ul>
 *   <li>{@code GET  .../models}: the models pulled ({@code /api/tags});
 *   <li>{@code GET  .../loaded}: the models in memory ({@code /api/ps});
 *   <li>{@code POST .../pull} with {@code {"model": "llama3.2"}}: pulls it, answering its progress as
 *       newline-delimited JSON; a pull that fails part-way (a full disk) ends with an
 *       {@code {"error": {...}}} line in the OpenAI envelope's shape;
 *   <li>{@code DELETE .../loaded/{model}}: unloads it at once.
 * </ul>
 * Mounted under {@code /admin}, so they need the admin key like every admin route.
 */
final class OllamaAdminRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(OllamaAdminRoutes.class);

  private final Map<String, OllamaAdmin> admins;
  private final ObjectMapper mapper;

  OllamaAdminRoutes(Map<String, OllamaAdmin> admins, ObjectMapper mapper) {
    this.admins = Map.copyOf(admins);
    this.mapper = mapper;
  }

  Route route() {
    // The provider is looked up at each route's end, so a path that is no route stays an unknown URL.
    return pathPrefix("ollama", () -> pathPrefix(provider -> concat(
        path("models", () -> get(() -> admin(provider, admin -> completeWithFuture(answer(admin.pulled()))))),
        path("loaded", () -> get(() -> admin(provider, admin -> completeWithFuture(answer(admin.loaded()))))),
        path(PathMatchers.segment("loaded").slash(PathMatchers.remaining()), model -> delete(() ->
            admin(provider, admin -> completeWithFuture(answer(unload(admin, model)))))),
        path("pull", () -> post(() -> admin(provider, admin -> extractRequest(request ->
            entity(Unmarshaller.entityToString(), body ->
                completeWithFuture(pull(admin, body, RequestTracing.requestId(request)))))))))));
  }

  private static CompletionStage<Map<String, String>> unload(OllamaAdmin admin, String model) {
    return admin.unload(model).thenApply(unloaded -> Map.of("model", model, "status", "unloaded"));
  }

  private Route admin(String provider, Function<OllamaAdmin, Route> inner) {
    OllamaAdmin admin = admins.get(provider);
    if (admin != null) return inner.apply(admin);
    return complete(ApiError.of(404, ApiError.INVALID_REQUEST, "provider_not_found", null,
        "No Ollama provider '" + provider + "' is configured; Ollama providers: " + admins.keySet() + ".")
        .toResponse(mapper));
  }

  private CompletionStage<HttpResponse> pull(OllamaAdmin admin, String body, String requestId) {
    String model;
    try {
      JsonNode json = mapper.readTree(body);
      model = json == null ? null : json.path("model").asText(null);
    } catch (JsonProcessingException e) {
      model = null;
    }
    if (model == null || model.isBlank()) {
      return CompletableFuture.completedFuture(ApiError.invalidRequest(
          "Send {\"model\": \"<name>\"} to pull a model.", "model", "invalid_value").toResponse(mapper));
    }
    return admin.pull(model).<HttpResponse>thenApply(progress -> {
      Source<ByteString, ?> lines = progress
          .map(p -> ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(p)).concat(ByteString.fromString("\n")))
          .recover(new PFBuilder<Throwable, ByteString>()
              .match(Throwable.class, failure -> {
                if (ApiError.isUnexpected(failure)) RequestLog.unexpected(log, requestId, "ollama pull", failure);
                return ApiError.from(failure, mapper).toJson(mapper).concat(ByteString.fromString("\n"));
              })
              .build());
      return HttpResponse.create().withEntity(HttpEntities.createChunked(
          ContentTypes.create(org.apache.pekko.http.javadsl.model.MediaTypes.applicationWithOpenCharset("x-ndjson"),
              org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8), lines));
    }).exceptionally(this::upstreamFailure);
  }

  private CompletionStage<HttpResponse> answer(CompletionStage<?> result) {
    return result.<HttpResponse>thenApply(value -> {
      try {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(value));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }).exceptionally(this::upstreamFailure);
  }

  /** Ollama's failure told to the admin; a bug goes on to {@link ApiRoutes}' handler, which logs it. */
  private HttpResponse upstreamFailure(Throwable failure) {
    if (ApiError.isUnexpected(failure)) throw new CompletionException(ApiError.unwrap(failure));
    return ApiError.from(failure, mapper).toResponse(mapper);
  }
}
