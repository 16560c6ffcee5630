package io.switchboard.provider.transport;

/** A request refused because its pool's connections are all busy and its queue is full. */
public final class PoolFullException extends RuntimeException {
  PoolFullException(int maxConnections, int maxOpenRequests) {
    super("all " + maxConnections + " connections (connection-pool.max-connections) are busy and " + maxOpenRequests
        + " requests are open in the pool, its most; admit fewer requests (max-in-flight) or allow more connections",
        null, false, false);
  }
}
