package io.switchboard.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.AuthSettings;
import io.switchboard.config.ConsoleSettings;
import io.switchboard.config.Secret;
import io.switchboard.keys.KeySecrets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The console's gate: the admin key is given once to {@code POST /console/login} (compared in constant
 * time, like the {@code /admin} guard), which answers with a session cookie ({@value #COOKIE}: a random
 * id, {@code HttpOnly; SameSite=Strict; Path=/}, {@code Secure} when {@code secure-cookie} is on);
 * {@code POST /console/logout} forgets the session and expires the cookie. {@link #gate} is the
 * directive every page and console endpoint sits behind, and can guard any other browser-facing route:
 *
 * <pre>{@code
 * pathPrefix("docs", () -> session.gate(() -> swaggerUi))
 * }</pre>
 *
 * <p>{@code SameSite=Strict} keeps the cookie off every request another site starts, so a page
 * elsewhere cannot use an operator's session (no cross-site request forgery on the routes it opens).
 */
public final class ConsoleSession extends AllDirectives {
  public static final String COOKIE = "switchboard_console";
  static final int MAX_LOGIN_BODY = 16 * 1024;

  private final AuthSettings auth;
  private final ConsoleSettings settings;
  private final SessionStore sessions;
  private final ObjectMapper mapper;

  public ConsoleSession(AuthSettings auth, ConsoleSettings settings, ObjectMapper mapper, Clock clock) {
    this.auth = auth;
    this.settings = settings;
    this.mapper = mapper;
    this.sessions = new SessionStore(clock, settings.sessionTtl(), settings.maxSessions());
  }

  /**
   * {@code inner} for a browser holding a live session; anyone else is sent to the login page (a
   * {@code GET} that accepts HTML) or answered 401 {@code console_login_required}.
   */
  public Route gate(Supplier<Route> inner) {
    return extractRequest(request -> {
      if (admitted(request)) return inner.get();
      boolean page = request.method().value().equals("GET")
          && request.getHeader("accept").map(h -> h.value().contains("text/html")).orElse(false);
      if (page) {
        return complete(HttpResponse.create().withStatus(StatusCodes.SEE_OTHER)
            .addHeader(Location.create("/console/login")));
      }
      return complete(error(401, "console_login_required",
          "This console session has ended or never began: log in again at /console/login with the admin key."));
    });
  }

  /** Whether {@code request} carries the cookie of a live session. */
  public boolean admitted(HttpRequest request) {
    return sessionId(request).map(sessions::valid).orElse(false);
  }

  /** {@code POST /console/login} and {@code POST /console/logout}, mounted under {@code /console}. */
  Route routes() {
    return concat(
        path("login", () -> post(() -> withSizeLimit(MAX_LOGIN_BODY, () ->
            entity(Unmarshaller.entityToString(), body -> complete(login(body)))))),
        path("logout", () -> post(() -> extractRequest(request -> {
          sessionId(request).ifPresent(sessions::close);
          return complete(HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)
              .addHeader(RawHeader.create("Set-Cookie", cookie("", 0))));
        }))));
  }

  int sessionCount() {
    return sessions.size();
  }

  private HttpResponse login(String body) {
    Optional<Secret> adminKey = auth.adminKey();
    if (adminKey.isEmpty()) {
      return error(403, "admin_disabled", "The console is closed because this node has no admin key. Set the"
          + " environment variable " + auth.adminKeyEnv() + " to a long random secret and restart the node.");
    }
    String presented = presentedKey(body);
    if (presented.isEmpty() || !KeySecrets.matches(presented, adminKey.get().reveal())) {
      return error(401, "invalid_admin_key", presented.isEmpty() ? "Enter the admin key to log in."
          : "That is not this node's admin key (the value of " + auth.adminKeyEnv() + "). Virtual keys do not"
              + " open the console.");
    }
    String id = sessions.open();
    return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)
        .addHeader(RawHeader.create("Set-Cookie", cookie(id, settings.sessionTtl().toSeconds())));
  }

  private String presentedKey(String body) {
    try {
      JsonNode json = mapper.readTree(body);
      return json == null ? "" : json.path("key").asText("").trim();
    } catch (JsonProcessingException e) {
      return "";
    }
  }

  private String cookie(String value, long maxAgeSeconds) {
    return COOKIE + "=" + value + "; Max-Age=" + maxAgeSeconds + "; Path=/; HttpOnly; SameSite=Strict"
        + (settings.secureCookie() ? "; Secure" : "");
  }

  static Optional<String> sessionId(HttpRequest request) {
    for (var header : request.getHeaders()) {
      if (!header.is("cookie")) continue;
      for (String part : header.value().split(";")) {
        String pair = part.trim();
        if (pair.startsWith(COOKIE + "=")) {
          String value = pair.substring(COOKIE.length() + 1);
          if (!value.isEmpty()) return Optional.of(value);
        }
      }
    }
    return Optional.empty();
  }

  private HttpResponse error(int status, String code, String message) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("type", status == 403 ? "permission_error" : "invalid_request_error");
    error.put("param", null);
    error.put("code", code);
    try {
      return HttpResponse.create().withStatus(StatusCodes.get(status))
          .withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(Map.of("error", error)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a console error could not be written", e);
    }
  }
}
