package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.AuthSettings;
import io.switchboard.config.Secret;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.Caller;
import io.switchboard.keys.KeyDirectory;
import io.switchboard.keys.KeySecrets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who may call what. {@link #client} guards {@code /v1}: it finds the virtual key the request presents
 * ({@code Authorization: Bearer} or {@code x-api-key}) and attaches the {@link Caller} to the request;
 * {@link #admin} guards {@code /admin}: only the admin key passes, compared in constant time.
 *
 * <p>Refusals, in the OpenAI envelope (or the dialect the guarded routes speak): 401 {@code missing_api_key} (none sent) or {@code invalid_api_key}
 * (unknown, revoked or expired, or an {@code Authorization} header that is not exactly {@code Bearer <key>};
 * the message says which, never echoing the key); for admin routes 401
 * {@code invalid_admin_key}, or 403 {@code admin_disabled} when the node has no admin key at all, since
 * then nothing the caller could send would help. On an open gateway a request without a key, or with
 * one that is not valid, goes through as {@link Caller#ANONYMOUS}: OpenAI SDKs insist on sending some
 * key, and an open gateway should not fail them for it.
 */
final class Authentication extends AllDirectives {
  private final AuthSettings settings;
  private final boolean keysRequired;
  private final KeyDirectory directory;
  private final Clock clock;
  private final ObjectMapper mapper;

  Authentication(AuthSettings settings, boolean keysRequired, KeyDirectory directory, Clock clock, ObjectMapper mapper) {
    this.mapper = mapper;
    this.settings = settings;
    this.keysRequired = keysRequired;
    this.directory = directory;
    this.clock = clock;
  }

  private record Lookup(Optional<ApiKey> key, Throwable error) {}

  /** {@link #client(Function, Supplier)} refusing in the OpenAI envelope. */
  Route client(Supplier<Route> inner) {
    return client(error -> error.toResponse(mapper), inner);
  }

  /**
   * @param refuse writes a refusal in the dialect of the routes guarded, so that a client whose key is
   *     missing or wrong reads the error its own SDK expects (Anthropic's envelope on {@code /v1/messages})
   */
  Route client(Function<ApiError, HttpResponse> refuse, Supplier<Route> inner) {
    return extractRequest(request -> {
      if (malformedBearer(request)) {
        return keysRequired ? complete(refuse.apply(malformed())) : inner.get();
      }
      Optional<String> presented = presentedKey(request);
      if (presented.isEmpty()) {
        return keysRequired ? complete(refuse.apply(missing())) : inner.get();
      }
      return onSuccess(directory.find(presented.get()).handle(Lookup::new), lookup -> {
        if (lookup.error() != null) {
          return complete(refuse.apply(ApiError.of(503, "service_unavailable_error", "key_store_unavailable", null,
              "The gateway could not check your API key against its database just now. Retry in a moment.")));
        }
        Instant now = clock.instant();
        Optional<ApiKey> usable = lookup.key().filter(k -> k.unusableBecause(now).isEmpty());
        if (usable.isPresent()) {
          Caller caller = Caller.of(usable.get());
          return mapRequest(r -> r.addAttribute(Caller.ATTRIBUTE, caller), inner);
        }
        if (!keysRequired) return inner.get();
        return complete(refuse.apply(invalid(lookup.key(), now)));
      });
    });
  }

  Route admin(Supplier<Route> inner) {
    return extractRequest(request -> {
      if (settings.adminKey().isEmpty()) {
        return complete(ApiError.of(403, "permission_error", "admin_disabled", null,
            "Admin routes are disabled because this node has no admin key. Set the environment variable "
                + settings.adminKeyEnv() + " (named by switchboard.auth.admin-key-env) to a long random secret,"
                + " restart the node, and send it as 'Authorization: Bearer <admin key>' or 'x-api-key'.")
            .toResponse(mapper));
      }
      Optional<String> presented = presentedKey(request);
      Secret adminKey = settings.adminKey().get();
      boolean malformed = malformedBearer(request);
      if (malformed || presented.isEmpty() || !KeySecrets.matches(presented.get(), adminKey.reveal())) {
        String why = malformed ? MALFORMED : presented.isEmpty() ? "No admin key was sent."
            : "The key sent is not this node's admin key.";
        return complete(ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_admin_key", null,
            why + " Admin routes need the key in " + settings.adminKeyEnv()
                + ", sent as 'Authorization: Bearer <admin key>' or 'x-api-key'. Virtual keys are not admin keys.")
            .toResponse(mapper));
      }
      return inner.get();
    });
  }

  /**
   * {@code Authorization: Bearer} followed by more than one token: a second word, a comma, a second
   * credential. A bearer token (RFC 6750 {@code b64token}) holds neither spaces nor commas, so such a
   * header never carries a valid key; it is refused as malformed rather than looked up, and the refusal
   * says so. (Pekko HTTP keeps such a header as a raw header; its parse warning, which would quote the
   * key, is turned off in application.conf.)
   */
  static boolean malformedBearer(HttpRequest request) {
    return request.getHeader("authorization").map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim())
        .filter(token -> token.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c))).isPresent();
  }

  private static final String MALFORMED = "The Authorization header is malformed: it must be exactly"
      + " 'Bearer <key>', one key with nothing after it (no comma, no second word or credential).";

  /** The key in {@code Authorization: Bearer ...}, else in {@code x-api-key}; empty when neither holds one. */
  static Optional<String> presentedKey(HttpRequest request) {
    Optional<String> bearer = request.getHeader("authorization").map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim());
    if (bearer.isPresent() && !bearer.get().isEmpty()) return bearer;
    return request.getHeader("x-api-key").map(h -> h.value().trim()).filter(v -> !v.isEmpty());
  }

  private static ApiError malformed() {
    return ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_api_key", null,
        MALFORMED + " Send your Switchboard key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
  }

  private static ApiError missing() {
    return ApiError.of(401, ApiError.INVALID_REQUEST, "missing_api_key", null,
        "No API key was sent. Send your Switchboard key as 'Authorization: Bearer <key>' or 'x-api-key: <key>';"
            + " the gateway's operator creates keys with POST /admin/keys.");
  }

  private static ApiError invalid(Optional<ApiKey> key, Instant now) {
    String why = key.flatMap(k -> k.unusableBecause(now).map(reason -> "The API key sent (" + k.id() + ") " + reason
            + "; ask the gateway's operator for a new key."))
        .orElse("The API key sent is not a key of this gateway. Check that you send the whole key as it was"
            + " shown when it was created.");
    return ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_api_key", null, why);
  }
}
