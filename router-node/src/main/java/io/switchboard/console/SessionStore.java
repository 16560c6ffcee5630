package io.switchboard.console;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The console's logins on this node: random session ids (256 bits from {@link SecureRandom}), each
 * valid for {@code ttl} from its login, at most {@code capacity} at once (a login past it ends the
 * oldest). Kept in memory only: a restart logs everyone out, which is the safe way round.
 */
final class SessionStore {
  private final Clock clock;
  private final Duration ttl;
  private final int capacity;
  private final SecureRandom random = new SecureRandom();
  /** Session id to its expiry (epoch millis), in login order. */
  private final LinkedHashMap<String, Long> sessions = new LinkedHashMap<>();

  SessionStore(Clock clock, Duration ttl, int capacity) {
    this.clock = clock;
    this.ttl = ttl;
    this.capacity = capacity;
  }

  synchronized String open() {
    prune();
    while (sessions.size() >= capacity) {
      Iterator<String> oldest = sessions.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    sessions.put(id, clock.millis() + ttl.toMillis());
    return id;
  }

  synchronized boolean valid(String id) {
    Long expires = sessions.get(id);
    if (expires == null) return false;
    if (expires > clock.millis()) return true;
    sessions.remove(id);
    return false;
  }

  synchronized void close(String id) {
    sessions.remove(id);
  }

  synchronized int size() {
    prune();
    return sessions.size();
  }

  private void prune() {
    long now = clock.millis();
    sessions.entrySet().removeIf((Map.Entry<String, Long> e) -> e.getValue() <= now);
  }
}
