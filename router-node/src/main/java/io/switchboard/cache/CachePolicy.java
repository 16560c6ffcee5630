package io.switchboard.cache;

import io.switchboard.config.CacheSettings;
import java.util.Locale;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Whether one request uses the response cache. The cache must be enabled; then the request's header
 * {@value #HEADER} decides when present ({@code true} opts in; {@code false} or {@code no-store}
 * bypasses even a key that opted in), and the API key's own opt-in otherwise.
 */
public final class CachePolicy {
  /** Request header that opts in or out; also the response header saying {@code hit} or {@code miss}. */
  public static final String HEADER = "x-switchboard-cache";

  private final boolean enabled;

  public CachePolicy(CacheSettings settings) {
    this.enabled = settings.enabled();
  }

  /** @param keyOptIn whether the caller's API key caches all its requests */
  public boolean enabledFor(boolean keyOptIn, HttpRequest request) {
    if (!enabled) return false;
    Optional<Boolean> asked = asked(request.getHeader(HEADER).map(HttpHeader::value));
    return asked.orElse(keyOptIn);
  }

  /** What the header asks for; an unknown value asks nothing (the key's choice stands). */
  static Optional<Boolean> asked(Optional<String> header) {
    if (header.isEmpty()) return Optional.empty();
    String value = header.get().trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> Optional.of(true);
      case "false", "no-store" -> Optional.of(false);
      default -> Optional.empty();
    };
  }
}
