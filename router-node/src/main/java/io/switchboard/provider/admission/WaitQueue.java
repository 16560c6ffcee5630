package io.switchboard.provider.admission;

import io.switchboard.ratelimit.ProviderLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
  private final ArrayDeque<Waiting<R>> queue = new ArrayDeque<>();
  /**
   * The admission ids of the asks waiting (those that have one), each with where its answer now goes: null
   * while that is the ask's own {@code replyTo}, another asker once the ask came again ({@link #redirect}).
   * A repeated ask is then found without scanning the queue, and the answer follows it when the waiting
   * request leaves the queue.
   */
  private final Map<Long, R> admissions = new HashMap<>();
  private long nextTicket = 1;

  WaitQueue(ProviderLimits limits) {
    this.limits = limits;
  }

  /** Puts {@code ask} at the back, under a new ticket. */
  Waiting<R> add(Admission.Ask<R> ask, Breakers.Trial trial) {
    Waiting<R> waiting = new Waiting<>(nextTicket++, ask, trial);
    queue.addLast(waiting);
    if (ask.admission() != 0) admissions.put(ask.admission(), null);
    limits.queued(ask.model(), ask.tokens(), +1);
    return waiting;
  }

  /** The request at the front, as it was asked (its answer may go elsewhere: see {@link #removeHead}); null when none waits. */
  Waiting<R> head() {
    return queue.peekFirst();
  }

  /** Takes the request at the front out, answering to whoever asked for it last. */
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
    if (admission == 0 || !admissions.containsKey(admission)) return false;
    admissions.put(admission, replyTo);
    return true;
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

  /** {@code waiting}, out of the queue, its answer pointed at whoever asked for it last. */
  private Waiting<R> left(Waiting<R> waiting) {
    limits.queued(waiting.ask().model(), waiting.ask().tokens(), -1);
    R redirected = waiting.ask().admission() == 0 ? null : admissions.remove(waiting.ask().admission());
    return redirected == null ? waiting
        : new Waiting<>(waiting.ticket(), waiting.ask().answeringTo(redirected), waiting.trial());
  }
}
