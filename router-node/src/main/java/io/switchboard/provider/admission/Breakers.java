package io.switchboard.provider.admission;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.breaker.CircuitBreakerSettings;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.ProviderActor.ModelBreaker;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderState;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A provider's circuit breakers: one for the provider, and one per upstream model (a deployment is a
 * provider and an upstream model). A call's failure counts against one of them only
 * ({@link io.switchboard.provider.CallOutcome.Failed#transport}): a connection that fails (refused,
 * reset, DNS, TLS) against the provider's, since every model behind it is out of reach; an answer that
 * is the model's fault (5xx, 529 overloaded, a timeout, a broken answer) against the model's. So while
 * one model fails, the provider's other models still serve, and a fallback on the same provider is not
 * refused with its primary. A model's failure proves the connection works: it counts as a success for
 * the provider's breaker, and a transport failure says nothing of the model.
 *
 * <p>A request passes when both breakers let it through; it may hold the half-open trial of either, or
 * both ({@link Trial}), and gives back the one it held when it is refused or never reaches the
 * upstream. When a breaker opens, the waiting requests it covers (all, or that model's) are turned away
 * there and then, told when to try again, rather than left to wait out a deadline they can no longer
 * meet. Model breakers are made when a model is first asked for and share the provider's breaker
 * settings; only those with something to remember are persisted. Not thread-safe.
 */
final class Breakers<R> {

  /** Which half-open trials a request holds: its provider's breaker's, its model's, or none. */
  record Trial(boolean provider, boolean model) {
    static final Trial NONE = new Trial(false, false);

    boolean any() {
      return provider || model;
    }
  }

  /** What {@link #tryAcquire} answers: a {@link Trial} to go with, or a refusal. */
  sealed interface Verdict permits Pass, Refusal {}

  /** The request may go, holding {@code trial}. */
  record Pass(Trial trial) implements Verdict {}

  /** A breaker is open: the request is answered with {@code rejected}. */
  record Refusal(Rejected rejected) implements Verdict {}

  private final String provider;
  private final CircuitBreakerSettings settings;
  private final WaitQueue<R> queue;
  private final Checkpoints checkpoints;
  private final Decisions.Builder<R> out;
  private final BreakerWatch providerWatch;
  private final Map<String, BreakerWatch> models = new TreeMap<>();

  /** The breakers of {@code settings}, restored from {@code restored} when there is a saved state. */
  Breakers(ProviderSettings settings, ProviderState restored, WaitQueue<R> queue, Checkpoints checkpoints,
      Decisions.Builder<R> out) {
    this.provider = settings.id();
    this.settings = breakerSettings(settings.breaker());
    this.queue = queue;
    this.checkpoints = checkpoints;
    this.out = out;
    this.providerWatch = new BreakerWatch("provider '" + provider + "'", this.settings,
        restored == null ? null : restored.breaker(), checkpoints, out, t -> opened(t, null));
    if (restored != null) restored.modelBreakers().forEach((model, snapshot) -> watch(model, snapshot));
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

  /** The provider's own breaker. */
  CircuitBreaker provider() {
    return providerWatch.breaker();
  }

  /** May a request for {@code model} go upstream now, as far as the breakers are concerned? */
  Verdict tryAcquire(String model, long now) {
    CircuitBreaker.Decision p = provider().tryAcquire(now);
    if (p instanceof CircuitBreaker.Refused refused) {
      return new Refusal(Rejections.circuitOpen(provider, refused.retryAfterMillis()));
    }
    CircuitBreaker.Decision m = model(model).breaker().tryAcquire(now);
    if (m instanceof CircuitBreaker.Refused refused) {
      providerWatch.abandonProbe(p instanceof CircuitBreaker.Probe, now);
      return new Refusal(Rejections.modelCircuitOpen(provider, model, refused.retryAfterMillis()));
    }
    return new Pass(new Trial(p instanceof CircuitBreaker.Probe, m instanceof CircuitBreaker.Probe));
  }

  /** Whether a permit for {@code model} may be lent ahead of any request: both breakers plainly closed. */
  boolean closedFor(String model, long now) {
    return provider().state(now) == CircuitBreaker.State.CLOSED
        && model(model).breaker().state(now) == CircuitBreaker.State.CLOSED;
  }

  /** A request for {@code model} holding {@code trial} will never report an outcome: its trials may go again. */
  void abandon(Trial trial, String model, long now) {
    providerWatch.abandonProbe(trial.provider(), now);
    if (trial.model()) model(model).abandonProbe(true, now);
  }

  /** A call for {@code model} started at {@code startedAt} went well, or failed through no fault upstream. */
  void succeeded(String model, Trial trial, long startedAt, long now) {
    provider().onSuccess(now, trial.provider(), startedAt);
    model(model).breaker().onSuccess(now, trial.model(), startedAt);
  }

  /** A call failed upstream: against the provider's breaker when {@code transport}, else the model's. */
  void failed(String model, Trial trial, boolean transport, long startedAt, long now) {
    if (transport) {
      provider().onFailure(now, trial.provider(), startedAt);
      model(model).abandonProbe(trial.model(), now);
    } else {
      provider().onSuccess(now, trial.provider(), startedAt);
      model(model).breaker().onFailure(now, trial.model(), startedAt);
    }
  }

  /** While a breaker is open, a timer makes its move to half-open happen (and be logged) on time. */
  void scheduleTick(long now) {
    long at = provider().nextTransitionAt().orElse(Long.MAX_VALUE);
    for (BreakerWatch w : models.values()) at = Math.min(at, w.breaker().nextTransitionAt().orElse(Long.MAX_VALUE));
    if (at != Long.MAX_VALUE) out.breakerTickIn(Math.max(1, at - now));
  }

  /** The timer {@link #scheduleTick} asked for: open breakers whose time has come move to half-open. */
  void tick(long now) {
    provider().state(now);
    models.values().forEach(w -> w.breaker().state(now));
    scheduleTick(now);
  }

  /** The provider's breaker state now, as operators read it ({@code "half_open"}). */
  String state(long now) {
    return providerWatch.state(now);
  }

  /** How often the provider's breaker entered each state. */
  Map<String, Long> transitionCounts() {
    return providerWatch.transitionCounts();
  }

  /** Every model breaker, by upstream model: its state now and how often it entered each state. */
  Map<String, ModelBreaker> modelStatus(long now) {
    Map<String, ModelBreaker> status = new TreeMap<>();
    models.forEach((model, w) -> {
      Map<String, Long> counts = w.transitionCounts(); // before state(now) may move it on
      status.put(model, new ModelBreaker(w.state(now), counts));
    });
    return status;
  }

  /** The provider breaker's snapshot, for the checkpoint. */
  CircuitBreaker.Snapshot snapshot() {
    return provider().snapshot();
  }

  /** The model breakers with something to remember, by upstream model, for the checkpoint. */
  Map<String, CircuitBreaker.Snapshot> modelSnapshots() {
    Map<String, CircuitBreaker.Snapshot> saved = new TreeMap<>();
    models.forEach((model, w) -> {
      if (w.worthSaving()) saved.put(model, w.breaker().snapshot());
    });
    return saved;
  }

  private BreakerWatch model(String model) {
    return models.computeIfAbsent(model, m -> newWatch(m, null));
  }

  private void watch(String model, CircuitBreaker.Snapshot restored) {
    models.put(model, newWatch(model, restored));
  }

  private BreakerWatch newWatch(String model, CircuitBreaker.Snapshot restored) {
    return new BreakerWatch("model '" + model + "' of provider '" + provider + "'", settings, restored, checkpoints, out,
        t -> opened(t, model));
  }

  /** A breaker changed state; when it opened, the requests it covers ({@code model}; null: all) are turned away. */
  private void opened(CircuitBreaker.Transition t, String model) {
    if (t.to() != CircuitBreaker.State.OPEN) return;
    CircuitBreaker breaker = model == null ? provider() : models.get(model).breaker();
    long retry = Math.max(1000, breaker.nextTransitionAt().orElse(t.atEpochMillis()) - t.atEpochMillis());
    Predicate<WaitQueue.Waiting<R>> covered = model == null ? w -> true : w -> model.equals(w.ask().model());
    for (WaitQueue.Waiting<R> waiting : queue.removeIf(covered)) {
      out.cancelWait(waiting.ticket());
      abandon(waiting.trial(), waiting.ask().model(), t.atEpochMillis());
      out.reply(waiting.ask().replyTo(), model == null
          ? Rejections.openedWhileWaiting(provider, retry)
          : Rejections.modelOpenedWhileWaiting(provider, model, retry));
    }
  }
}
