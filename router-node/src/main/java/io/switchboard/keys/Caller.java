package io.switchboard.keys;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Who sent a request, as authentication found it; attached to the request as an attribute, so every
 * route below (chat completions, the Anthropic ingress, the cache) reads it the same way.
 *
 * <pre>{@code
 * Caller caller = Caller.of(request);      // ANONYMOUS when the gateway runs open and no key was sent
 * if (caller.cache()) ...                    // the key opted in to the response cache
 * }</pre>
 *
 * @param key empty for an anonymous caller of an open gateway
 */
public record Caller(Optional<ApiKey> key) {
  /** Someone without a key, on a gateway that runs open. */
  public static final Caller ANONYMOUS = new Caller(Optional.empty());

  public static final AttributeKey<Caller> ATTRIBUTE = AttributeKey.create("switchboard-caller", Caller.class);

  public static Caller of(ApiKey key) {
    return new Caller(Optional.of(key));
  }

  /** The caller authentication attached to {@code request}; anonymous when none was. */
  public static Caller of(HttpRequest request) {
    return request.getAttribute(ATTRIBUTE).orElse(ANONYMOUS);
  }

  public Optional<String> keyId() {
    return key.map(ApiKey::id);
  }

  public boolean mayUse(String model) {
    return key.map(k -> k.mayUse(model)).orElse(true);
  }

  /** Whether the caller's key opted in to the response cache (an anonymous caller has not). */
  public boolean cache() {
    return key.map(ApiKey::cache).orElse(false);
  }

  @Override
  public String toString() {
    return key.map(k -> "Caller[" + k.id() + "]").orElse("Caller[anonymous]");
  }
}
