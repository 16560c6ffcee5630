package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.persistence.StaleRevisionException;
import io.switchboard.persistence.StateStoreException;
import io.switchboard.registry.InvalidRegistryException;
import io.switchboard.registry.ModelRegistry;
import io.switchboard.registry.Registry;
import io.switchboard.registry.RegistryJson;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The live model registry over HTTP, behind the admin key (see docs/registry.md):
 *
 * <ul>
 *   <li>{@code GET /admin/registry}: the whole registry as canonical JSON (the same bytes for the same
 *       registry), its version in {@code ETag} and {@code x-switchboard-registry-version};
 *   <li>{@code PUT /admin/registry}: replaces it with the body;
 *   <li>{@code GET|PUT|DELETE /admin/registry/models/{name}} and {@code .../routes/{name}}: one entry.
 * </ul>
 *
 * Every write takes {@code ?dry-run=true}, which answers the difference without applying it, and
 * answers {@code {"version", "applied", "changes"}}. A registry that cannot be served is 400 in the
 * OpenAI envelope, {@code param} the JSON path of the field at fault.
 */
final class RegistryRoutes extends AllDirectives {
  static final String VERSION_HEADER = "x-switchboard-registry-version";

  private final ModelRegistry registry;
  private final RegistryJson json;
  private final ObjectMapper mapper;

  RegistryRoutes(ModelRegistry registry, ObjectMapper mapper) {
    this.registry = registry;
    this.json = registry.json();
    this.mapper = mapper;
  }

  /** Mounted under {@code /admin}. */
  Route route() {
    return pathPrefix("registry", () -> concat(
        pathEnd(() -> concat(
            get(() -> complete(export())),
            put(() -> write(body -> current -> json.read(body))))),
        pathPrefix("models", () -> path(PathMatchers.remaining(), encoded -> {
          String name = decode(encoded);
          return concat(
              get(() -> complete(one("models", name))),
              put(() -> write(body -> current -> current.withModel(json.readModel(name, body)))),
              delete(() -> write(body -> current -> {
                if (!current.models().containsKey(name)) throw notFound("models", name);
                return current.withoutModel(name);
              })));
        })),
        pathPrefix("routes", () -> path(PathMatchers.remaining(), encoded -> {
          String name = decode(encoded);
          return concat(
              get(() -> complete(one("routes", name))),
              put(() -> write(body -> current -> current.withRoute(json.readRoute(name, body)))),
              delete(() -> write(body -> current -> {
                if (!current.routes().containsKey(name)) throw notFound("routes", name);
                return current.withoutRoute(name);
              })));
        }))));
  }

  private HttpResponse export() {
    ModelRegistry.Current current = registry.current();
    return jsonResponse(json.write(current.registry()), current.version());
  }

  private HttpResponse one(String section, String name) {
    ModelRegistry.Current current = registry.current();
    Registry r = current.registry();
    ObjectNode entry = section.equals("models")
        ? (r.models().containsKey(name) ? json.tree(r.models().get(name)) : null)
        : (r.routes().containsKey(name) ? json.tree(r.routes().get(name)) : null);
    if (entry == null) return notFound(section, name).toResponse(mapper);
    return jsonResponse(json.write(entry), current.version());
  }

  /** A write: the body read, the edit built from it, applied (or only compared, on a dry run). */
  private Route write(Function<byte[], UnaryOperator<Registry>> edit) {
    return parameterOptional("dry-run", dryRun -> entity(Unmarshaller.entityToString(), body ->
        completeWithFuture(change(edit, body.getBytes(StandardCharsets.UTF_8),
            dryRun.map(v -> v.equalsIgnoreCase("true") || v.equals("1")).orElse(false)))));
  }

  private CompletionStage<HttpResponse> change(Function<byte[], UnaryOperator<Registry>> edit,
      byte[] body, boolean dryRun) {
    return registry.change(edit.apply(body), dryRun)
        .thenApply(change -> {
          ObjectNode answer = JsonNodeFactory.instance.objectNode();
          answer.put("version", change.version());
          answer.put("applied", change.applied());
          answer.put("dry_run", dryRun);
          answer.set("changes", change.difference());
          return jsonResponse(json.write(answer), change.version());
        })
        .exceptionally(failure -> refusal(failure).toResponse(mapper));
  }

  private static ApiError refusal(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof InvalidRegistryException invalid) {
      return ApiError.invalidRequest(invalid.getMessage(), invalid.param(), "invalid_registry");
    }
    if (cause instanceof ApiError error) return error;
    if (cause instanceof StaleRevisionException) {
      return ApiError.of(409, ApiError.INVALID_REQUEST, "registry_conflict", null,
          "Other changes to the registry kept arriving first; GET /admin/registry and try again.");
    }
    if (cause instanceof StateStoreException) {
      return ApiError.of(503, "service_unavailable", "registry_unavailable", null,
          "The registry could not be saved (the database did not answer); nothing changed. Try again.");
    }
    throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }

  private static ApiError notFound(String section, String name) {
    String what = section.equals("models") ? "model" : "route";
    return ApiError.of(404, ApiError.INVALID_REQUEST, what + "_not_found", null,
        "The registry holds no " + what + " '" + name + "'; GET /admin/registry lists them.");
  }

  private static HttpResponse jsonResponse(byte[] body, long version) {
    return HttpResponse.create()
        .withHeaders(List.<HttpHeader>of(RawHeader.create("ETag", "\"" + version + "\""),
            RawHeader.create(VERSION_HEADER, Long.toString(version))))
        .withEntity(ContentTypes.APPLICATION_JSON, body);
  }

  /** The path segment as the client meant it: a name may hold slashes and escaped characters. */
  private static String decode(String encoded) {
    try {
      return URI.create("/" + encoded).getPath().substring(1);
    } catch (IllegalArgumentException notAPath) {
      return encoded;
    }
  }
}
