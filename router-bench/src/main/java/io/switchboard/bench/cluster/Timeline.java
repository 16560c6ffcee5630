package io.switchboard.bench.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What happened during a run, each event with its offset from the start of the load: the run's own
 * actions (a SIGKILL, a SIGSTOP, a restart), which a report marks in its timeline, and what the run
 * observed (a node turning not ready, a member seen unreachable or removed), which it only lists.
 * Thread-safe; events also go to the run's log as they happen.
 */
final class Timeline {
  /**
   * One event.
   *
   * @param action whether the run did it (marked in the report's timeline) rather than saw it
   */
  record Event(long atMillis, String what, boolean action) {}

  private final long startNanos;
  private final Consumer<String> log;
  private final List<Event> events = new ArrayList<>();

  Timeline(long startNanos, Consumer<String> log) {
    this.startNanos = startNanos;
    this.log = log;
  }

  /** Records something the run did, now; returns its offset. */
  long action(String what) {
    return add(what, true);
  }

  /** Records something the run saw, now. */
  void saw(String what) {
    add(what, false);
  }

  long nowMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  private long add(String what, boolean action) {
    long at = nowMillis();
    synchronized (this) {
      events.add(new Event(at, what, action));
    }
    log.accept(String.format(java.util.Locale.ROOT, "%7.1f s  %s", at / 1000.0, what));
    return at;
  }
}
