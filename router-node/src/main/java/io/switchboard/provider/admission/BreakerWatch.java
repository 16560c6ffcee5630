package io.switchboard.provider.admission;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.breaker.CircuitBreakerSettings;
import io.switchboard.config.ProviderSettings;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A provider's circuit breaker as admission keeps it: built from the provider's settings or restored
 * from its checkpoint, and every transition acted on at once, within the command that caused it. A
 * transition is counted (for {@code GET /admin/providers}), logged, and saved by the next checkpoint;
 * while the breaker is open a timer makes its move to half-open happen on time.
 *
 * <p>When the breaker opens, every request waiting in the queue is turned away there and then, told
 * when to try again, rather than left to wait out a deadline it can no longer meet. The price is that a
 * request which would have outlasted the open period fails instead of waiting; the caller may retry it
 * elsewhere, which is what a client of a failing provider wants. Not thread-safe.
 */
final class BreakerWatch<R> {
  private final String provider;
  private final WaitQueue<R> queue;
  private final Checkpoints checkpoints;
  private final Decisions.Builder<R> out;
  private final CircuitBreaker breaker;
  private final Map<CircuitBreaker.State, Long> transitions = new EnumMap<>(CircuitBreaker.State.class);

  /** The breaker of {@code settings}, restored from {@code restored} when there is one (else CLOSED). */
  BreakerWatch(ProviderSettings settings, CircuitBreaker.Snapshot restored, WaitQueue<R> queue,
      Checkpoints checkpoints, Decisions.Builder<R> out) {
    this.provider = settings.id();
    this.queue = queue;
    this.checkpoints = checkpoints;
    this.out = out;
    CircuitBreakerSettings breakerSettings = breakerSettings(settings.breaker());
    this.breaker = restored != null
        ? CircuitBreaker.restore(breakerSettings, restored, this::onTransition)
        : new CircuitBreaker(breakerSettings, this::onTransition);
  }

  private static CircuitBreakerSettings breakerSettings(ProviderSettings.Breaker b) {
    return CircuitBreakerSettings.custom()
        .consecutiveFailureThreshold(b.consecutiveFailures())
        .failureRateThreshold(b.failureRate())
        .slidingWindow(b.window(), CircuitBreakerSettings.DEFAULT_WINDOW_BUCKETS)
        .minimumCalls(b.minimumCalls())
        .initialResetTimeout(b.resetTimeout())
        .resetTimeoutMultiplier(b.resetMultiplier())
        .maxResetTimeout(b.maxResetTimeout())
        .build();
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** A request that held the half-open trial ({@code probe}) will never report its outcome: another may go. */
  void abandonProbe(boolean probe, long now) {
    if (probe) breaker.onProbeAbandoned(now);
  }

  /** While the breaker is open, a timer makes its move to half-open happen (and be logged) on time. */
  void scheduleTick(long now) {
    long at = breaker.nextTransitionAt().orElse(0);
    if (at > 0) out.breakerTickIn(Math.max(1, at - now));
  }

  /** The state now, as operators read it ({@code "half_open"}). */
  String state(long now) {
    return breaker.state(now).name().toLowerCase(Locale.ROOT);
  }

  /** How often the breaker entered each state, by its lower-case name. */
  Map<String, Long> transitionCounts() {
    Map<String, Long> counts = new TreeMap<>();
    transitions.forEach((state, count) -> counts.put(state.name().toLowerCase(Locale.ROOT), count));
    return counts;
  }

  private void onTransition(CircuitBreaker.Transition t) {
    transitions.merge(t.to(), 1L, Long::sum);
    checkpoints.changed();
    out.warn("provider '" + provider + "' circuit breaker " + t.from() + " -> " + t.to() + ": " + t.reason());
    if (t.to() == CircuitBreaker.State.OPEN) {
      long retry = Math.max(1000, breaker.nextTransitionAt().orElse(t.atEpochMillis()) - t.atEpochMillis());
      for (WaitQueue.Waiting<R> waiting : queue.removeAll()) {
        out.cancelWait(waiting.ticket());
        out.reply(waiting.ask().replyTo(), Rejections.openedWhileWaiting(provider, retry));
      }
    }
  }
}
