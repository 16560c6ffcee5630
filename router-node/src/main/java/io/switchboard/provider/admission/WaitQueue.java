package io.switchboard.provider.admission;

import io.switchboard.ratelimit.ProviderLimits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.ListIterator;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The requests waiting for admission, first come first served, each under a ticket that names its
 * deadline timer. A waiting request's demand counts in the buckets' queued demand
 * ({@link ProviderLimits#queued}) from the moment it joins until it leaves, however it leaves, so a
 * newcomer's wait behind the queue is estimated from what really waits. Not thread-safe.
 */
final class WaitQueue<R> {

  /** A request waiting under {@code ticket}; {@code trial}: the breakers' half-open trials it holds. */
  record Waiting<R>(long ticket, Admission.Ask<R> ask, Breakers.Trial trial) {}

  private final ProviderLimits limits;
  private final LinkedList<Waiting<R>> queue = new LinkedList<>();
  /** The admission ids of the asks waiting (those that have one), so most asks need no scan of the queue. */
  private final Set<Long> admissions = new HashSet<>();
  private long nextTicket = 1;

  WaitQueue(ProviderLimits limits) {
    this.limits = limits;
  }

  /** Puts {@code ask} at the back, under a new ticket. */
  Waiting<R> add(Admission.Ask<R> ask, Breakers.Trial trial) {
    Waiting<R> waiting = new Waiting<>(nextTicket++, ask, trial);
    queue.addLast(waiting);
    if (ask.admission() != 0) admissions.add(ask.admission());
    limits.queued(ask.model(), ask.tokens(), +1);
    return waiting;
  }

  /** The request at the front; null when none waits. */
  Waiting<R> head() {
    return queue.peekFirst();
  }

  /** Takes the request at the front out. */
  Waiting<R> removeHead() {
    return left(queue.pollFirst());
  }

  /** Takes the request waiting under {@code ticket} out; null when none does. */
  Waiting<R> remove(long ticket) {
    for (Iterator<Waiting<R>> it = queue.iterator(); it.hasNext(); ) {
      Waiting<R> waiting = it.next();
      if (waiting.ticket() == ticket) {
        it.remove();
        return left(waiting);
      }
    }
    return null;
  }

  /**
   * Points the request waiting with admission id {@code admission} at {@code replyTo}, keeping its place:
   * its ask came again because the first one's answer could not be awaited any longer. False when none waits.
   */
  boolean redirect(long admission, R replyTo) {
    if (admission == 0 || !admissions.contains(admission)) return false;
    for (ListIterator<Waiting<R>> it = queue.listIterator(); it.hasNext(); ) {
      Waiting<R> waiting = it.next();
      if (waiting.ask().admission() == admission) {
        it.set(new Waiting<>(waiting.ticket(), waiting.ask().answeringTo(replyTo), waiting.trial()));
        return true;
      }
    }
    return false;
  }

  /** Takes every waiting request out, in order. */
  List<Waiting<R>> removeAll() {
    return removeIf(waiting -> true);
  }

  /** Takes out every waiting request that {@code which} matches, in order. */
  List<Waiting<R>> removeIf(Predicate<Waiting<R>> which) {
    List<Waiting<R>> removed = new ArrayList<>();
    for (Iterator<Waiting<R>> it = queue.iterator(); it.hasNext(); ) {
      Waiting<R> waiting = it.next();
      if (which.test(waiting)) {
        it.remove();
        removed.add(left(waiting));
      }
    }
    return removed;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  private Waiting<R> left(Waiting<R> waiting) {
    admissions.remove(waiting.ask().admission());
    limits.queued(waiting.ask().model(), waiting.ask().tokens(), -1);
    return waiting;
  }
}
