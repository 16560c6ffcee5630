package io.switchboard.cache;

import static java.util.Objects.requireNonNull;


/**
 * Whose cache a request reads and fills, and whether its caller opted in for every request: the
 * namespace is the calling API key's id, so keys never see each other's answers; a request without a
 * key is {@link #OPEN}: the shared namespace of an open gateway, opted in only by its header.
 */
public record CacheScope(String namespace, boolean keyOptIn) {
  /** A gateway running without keys: one namespace, caching only on the request's own header. */
  public static final CacheScope OPEN = new CacheScope("open", false);

  public CacheScope {
    requireNonNull(namespace, "namespace");
  }
}
