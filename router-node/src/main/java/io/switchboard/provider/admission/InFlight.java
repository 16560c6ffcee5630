package io.switchboard.provider.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A provider's permits in flight: what each reserved, when its lease runs out, and which node holds it.
 * Created once per provider actor and handed to every {@link Admission} its restarts build, so a
 * supervised restart neither forgets running requests nor lets their slots be taken twice.
 *
 * <p>Permit ids start at a random point, so a release meant for an earlier incarnation of the provider
 * (another JVM, before a failover) does not free a permit of this one; they then count up across
 * restarts, so a new permit never takes the id of one that survived. Not thread-safe.
 */
public final class InFlight {

  /**
   * A permit in flight. {@code trial}: the breakers' half-open trials it holds; {@code holder}: the
   * address of the node its request runs on.
   */
  record Held(String model, int tokens, Breakers.Trial trial, long grantedAt, long leaseExpires, String holder) {}

  /** A permit taken out of the set. */
  record Freed(long permitId, Held held) {}

  private final Map<Long, Held> permits = new HashMap<>();
  private long nextId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE / 2);

  /** Holds {@code held} under a new permit id, returned. */
  long hold(Held held) {
    long id = nextId++;
    permits.put(id, held);
    return id;
  }

  /** Takes permit {@code permitId} out; null when it is not held (never granted, or already freed). */
  Held release(long permitId) {
    return permits.remove(permitId);
  }

  /** Takes out every permit that {@code which} matches, returning them. */
  List<Freed> free(Predicate<Held> which) {
    List<Freed> freed = new ArrayList<>();
    for (Iterator<Map.Entry<Long, Held>> it = permits.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Held> e = it.next();
      if (which.test(e.getValue())) {
        it.remove();
        freed.add(new Freed(e.getKey(), e.getValue()));
      }
    }
    return freed;
  }

  int size() {
    return permits.size();
  }
}
