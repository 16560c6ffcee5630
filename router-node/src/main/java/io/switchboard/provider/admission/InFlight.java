package io.switchboard.provider.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A provider's permits in flight: what each reserved, when its lease runs out, and which node holds it.
 * Created once per provider actor and handed to every {@link Admission} its restarts build, so a
 * supervised restart neither forgets running requests nor lets their slots be taken twice.
 *
 * <p>Permit ids start at a random point, so a release meant for an earlier incarnation of the provider
 * (another JVM, before a failover) does not free a permit of this one; they then count up across
 * restarts, so a new permit never takes the id of one that survived.
 *
 * <p>A permit granted to an ask that carried an admission id ({@link Admission.Ask#admission}) is also
 * found by that id while it is held, so an ask repeated because its answer was lost gets the same permit
 * again instead of a second one. Not thread-safe.
 */
public final class InFlight {

  /**
   * A permit in flight. {@code trial}: the breakers' half-open trials it holds; {@code holder}: the
   * address of the node its request runs on; {@code admission}: the id of the ask it answered, 0 when none.
   */
  record Held(String model, int tokens, Breakers.Trial trial, long grantedAt, long leaseExpires, String holder,
      long admission) {}

  /** A permit taken out of the set. */
  record Freed(long permitId, Held held) {}

  /** A permit in the set, under its id. */
  record Holding(long permitId, Held held) {}

  private final Map<Long, Held> permits = new HashMap<>();
  /** Admission id to permit id, for the permits held that answered an ask with an id. */
  private final Map<Long, Long> byAdmission = new HashMap<>();
  private long nextId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE / 2);

  /** Holds {@code held} under a new permit id, returned. */
  long hold(Held held) {
    long id = nextId++;
    permits.put(id, held);
    if (held.admission() != 0) byAdmission.put(held.admission(), id);
    return id;
  }

  /** The permit held that was granted to the ask with admission id {@code admission}, if any. */
  Optional<Holding> grantedTo(long admission) {
    if (admission == 0) return Optional.empty();
    Long id = byAdmission.get(admission);
    return id == null ? Optional.empty() : Optional.of(new Holding(id, permits.get(id)));
  }

  /** Takes permit {@code permitId} out; null when it is not held (never granted, or already freed). */
  Held release(long permitId) {
    Held held = permits.remove(permitId);
    if (held != null && held.admission() != 0) byAdmission.remove(held.admission());
    return held;
  }

  /** Takes out every permit that {@code which} matches, returning them. */
  List<Freed> free(Predicate<Held> which) {
    List<Freed> freed = new ArrayList<>();
    for (Iterator<Map.Entry<Long, Held>> it = permits.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Held> e = it.next();
      if (which.test(e.getValue())) {
        it.remove();
        if (e.getValue().admission() != 0) byAdmission.remove(e.getValue().admission());
        freed.add(new Freed(e.getKey(), e.getValue()));
      }
    }
    return freed;
  }

  int size() {
    return permits.size();
  }
}
