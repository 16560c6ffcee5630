package io.switchboard.cache;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.http.javadsl.model.AttributeKey;

/**
 * Whose cache a request reads and fills, and whether its caller opted in for every request. An
 * authenticating layer puts one on the request as the attribute {@link #ATTRIBUTE} (the namespace
 * being the API key's id, so keys never see each other's answers); without it a request is
 * {@link #OPEN}: the shared namespace of an unauthenticated gateway, opted in only by its header.
 *
 * <pre>{@code
 * HttpRequest scoped = request.addAttribute(CacheScope.ATTRIBUTE, new CacheScope(key.id(), key.cache()));
 * }</pre>
 */
public record CacheScope(String namespace, boolean keyOptIn) {
  /** The request attribute that carries the scope from authentication to the chat path. */
  public static final AttributeKey<CacheScope> ATTRIBUTE =
      AttributeKey.create("switchboard-cache-scope", CacheScope.class);

  /** A gateway running without keys: one namespace, caching only on the request's own header. */
  public static final CacheScope OPEN = new CacheScope("open", false);

  public CacheScope {
    requireNonNull(namespace, "namespace");
  }
}
