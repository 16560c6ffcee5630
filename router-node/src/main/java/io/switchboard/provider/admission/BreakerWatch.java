package io.switchboard.provider.admission;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.breaker.CircuitBreakerSettings;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One circuit breaker as admission keeps it, the provider's or one upstream model's: built new or
 * restored from the checkpoint, and every transition acted on at once, within the command that caused
 * it. A transition is counted (for {@code GET /admin/providers}), logged, saved by the next checkpoint,
 * and handed to {@code onTransition} (which turns waiting requests away when the breaker opens; see
 * {@link Breakers}). Not thread-safe.
 */
final class BreakerWatch {
  private final String name;
  private final Checkpoints checkpoints;
  private final Decisions.Builder<?> out;
  private final Consumer<CircuitBreaker.Transition> onTransition;
  private final CircuitBreaker breaker;
  private final Map<CircuitBreaker.State, Long> transitions = new EnumMap<>(CircuitBreaker.State.class);

  /**
   * The breaker named {@code name} in log lines ("provider 'p'"), restored from {@code restored} when
   * there is one (else CLOSED).
   */
  BreakerWatch(String name, CircuitBreakerSettings settings, CircuitBreaker.Snapshot restored, Checkpoints checkpoints,
      Decisions.Builder<?> out, Consumer<CircuitBreaker.Transition> onTransition) {
    this.name = name;
    this.checkpoints = checkpoints;
    this.out = out;
    this.onTransition = onTransition;
    this.breaker = restored != null
        ? CircuitBreaker.restore(settings, restored, this::transitioned)
        : new CircuitBreaker(settings, this::transitioned);
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** A request that held this breaker's half-open trial ({@code probe}) will never report its outcome. */
  void abandonProbe(boolean probe, long now) {
    if (probe) breaker.onProbeAbandoned(now);
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

  /** Whether there is anything to persist: not closed, or failures counted towards opening. */
  boolean worthSaving() {
    CircuitBreaker.Snapshot s = breaker.snapshot();
    return s.state() != CircuitBreaker.State.CLOSED || s.consecutiveFailures() > 0;
  }

  private void transitioned(CircuitBreaker.Transition t) {
    transitions.merge(t.to(), 1L, Long::sum);
    checkpoints.changed();
    out.warn(name + " circuit breaker " + t.from() + " -> " + t.to() + ": " + t.reason());
    onTransition.accept(t);
  }
}
