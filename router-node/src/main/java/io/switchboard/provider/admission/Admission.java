package io.switchboard.provider.admission;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.breaker.CircuitBreakerSettings;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Prefetched;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Status;
import io.switchboard.provider.ProviderState;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.ratelimit.ProviderLimits;
import io.switchboard.retry.RetryBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Admission for one provider account, as a state machine: commands in, {@link Decisions} out. A request
 * is admitted when a slot is free ({@code max-in-flight}), every token bucket that applies to it holds
 * its reservation, the upstream has not asked for a pause, no checkpoint must be written first, and the
 * circuit breaker lets it through; otherwise it waits in a bounded FIFO queue until it can be, or is
 * rejected at once when its deadline cannot be met.
 *
 * <p>It owns the queue ({@link WaitQueue}), the buckets and pause ({@link ProviderLimits}), the breaker
 * and the retry budget, and uses the permits in flight ({@link InFlight}, which outlive it). It touches
 * no actor, timer, logger or clock: every command takes the time, and what must happen next comes back
 * in its {@link Decisions}. {@code R} is what the shell replies to. Not thread-safe: one actor drives it.
 */
public final class Admission<R> {

  /**
   * A request asking to be admitted for {@code model}, reserving one request and {@code tokens}, by its
   * deadline. A {@code retry} is admitted only within the retry budget. {@code holder}: the address of
   * the node the request runs on, whose leaving frees its permit.
   */
  public record Ask<R>(String model, int tokens, long deadlineEpochMillis, boolean retry, R replyTo, String holder) {}

  /** A query's answer, and what must happen besides. */
  public record Answer<A, R>(A value, Decisions<R> decisions) {}

  /** How long an upstream 429 without Retry-After pauses the provider. */
  static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);
  /** A pause that moves the end of the current one by less than this is not logged again. */
  private static final Duration PAUSE_LOGGED_AFTER = Duration.ofSeconds(1);

  /** What holds a request back now; see {@link #hold}. */
  private enum Hold { NONE, SLOTS, LIMITS, CHECKPOINT }

  private final ProviderSettings settings;
  private final String provider;
  private final InFlight inFlight;
  private final ProviderLimits limits;
  private final CircuitBreaker breaker;
  private final RetryBudget retryBudget;
  private final WaitQueue<R> queue;
  private final Map<CircuitBreaker.State, Long> transitions = new EnumMap<>(CircuitBreaker.State.class);
  private boolean dirty;
  private boolean writing;
  private boolean writeAgain;
  private long lastCheckpoint;
  private Decisions.Builder<R> out = new Decisions.Builder<>();

  /**
   * Admission for {@code settings}, its buckets and breaker restored from {@code restored} (or new),
   * holding {@code inFlight}. Call {@link #start} before any command.
   */
  public Admission(ProviderSettings settings, InFlight inFlight, Optional<ProviderState> restored, long now) {
    this.settings = settings;
    this.provider = settings.id();
    this.inFlight = inFlight;
    ProviderState state = restored.orElse(null);
    this.limits = ProviderLimits.restore(settings.limits(), settings.checkpoint().allowance(),
        state == null ? ProviderLimits.Snapshot.EMPTY : state.limits(), now);
    CircuitBreakerSettings breakerSettings = breakerSettings(settings.breaker());
    this.breaker = state != null && state.breaker() != null
        ? CircuitBreaker.restore(breakerSettings, state.breaker(), this::onTransition)
        : new CircuitBreaker(breakerSettings, this::onTransition);
    this.queue = new WaitQueue<>(limits);
    ProviderSettings.Retries r = settings.retries();
    this.retryBudget = new RetryBudget(r.budgetRatio(), r.budgetMinPerSecond(), r.budgetWindow());
  }

  static CircuitBreakerSettings breakerSettings(ProviderSettings.Breaker b) {
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

  /** The first decisions: the breaker's timer, and the checkpoint that gives the buckets their allowance. */
  public Decisions<R> start(long now, String stateDescription) {
    scheduleBreakerTick(now);
    out.info("provider '" + provider + "' ready: " + limits.status(now).size() + " bucket(s), breaker "
        + breaker.state(now) + ", " + inFlight.size() + " request(s) in flight, state " + stateDescription);
    // Buckets start with no allowance: the first grant waits for a checkpoint of the restored floors.
    if (!limits.isEmpty()) writeCheckpoint(now);
    return done();
  }

  // ---- the one admission predicate ---------------------------------------------------------------

  /**
   * What holds a request for {@code model} reserving {@code tokens} back now, the breaker aside: a busy
   * slot, then the buckets or a pause, then a checkpoint that must be written first; NONE when nothing.
   */
  private Hold hold(String model, int tokens, long now) {
    if (inFlight.size() >= settings.maxInFlight()) return Hold.SLOTS;
    if (limits.millisUntilAdmissible(model, tokens, now) > 0) return Hold.LIMITS;
    if (limits.needsCheckpoint(model, tokens)) return Hold.CHECKPOINT;
    return Hold.NONE;
  }

  /** Whether a request arriving now may go at once: nothing waits ahead of it and nothing holds it. */
  private boolean admissibleNow(String model, int tokens, long now) {
    return queue.isEmpty() && hold(model, tokens, now) == Hold.NONE;
  }

  // ---- commands ----------------------------------------------------------------------------------

  /** A request asks to be admitted: granted now, queued, or rejected. */
  public Decisions<R> acquire(Ask<R> ask, long now) {
    Optional<Rejected> tooLarge = tooLarge(ask.model(), ask.tokens(), now);
    if (tooLarge.isPresent()) {
      out.reply(ask.replyTo(), tooLarge.get());
      return done();
    }
    CircuitBreaker.Decision decision = breaker.tryAcquire(now);
    if (decision instanceof CircuitBreaker.Refused refused) {
      out.reply(ask.replyTo(), Rejections.circuitOpen(provider, refused.retryAfterMillis()));
      return done();
    }
    boolean probe = decision instanceof CircuitBreaker.Probe;
    if (ask.retry()) {
      if (!retryBudget.tryRetry(now)) {
        abandonProbe(probe, now);
        out.reply(ask.replyTo(), Rejections.retryBudgetExhausted(provider, settings.retries().budgetRatio()));
        return done();
      }
    } else {
      retryBudget.onRequest(now);
    }
    if (admissibleNow(ask.model(), ask.tokens(), now)) {
      grant(ask, probe, now);
      return done();
    }
    if (queue.size() >= settings.queue().maxSize()) {
      abandonProbe(probe, now);
      out.reply(ask.replyTo(),
          Rejections.queueFull(provider, inFlight.size(), settings.maxInFlight(), settings.queue().maxSize()));
      return done();
    }
    long wait = limits.millisUntilAdmissibleBehindQueue(ask.model(), ask.tokens(), now);
    if (now + wait > ask.deadlineEpochMillis()) {
      abandonProbe(probe, now);
      out.reply(ask.replyTo(), Rejections.deadlineUnreachable(provider, ask.model(), limits, now, wait,
          ask.deadlineEpochMillis() - now));
      return done();
    }
    out.startWait(queue.add(ask, probe).ticket(), ask.deadlineEpochMillis() - now);
    drainQueue(now);
    return done();
  }

  /**
   * A request that no wait could admit: its reservation is more than a token bucket holds when full (or
   * not a reservation at all). Turned away before it touches the breaker, the retry budget or a bucket.
   */
  private Optional<Rejected> tooLarge(String model, int tokens, long now) {
    if (tokens < 0) return Optional.of(Rejections.invalidReservation(tokens));
    return limits.tooSmallFor(model, tokens, now).map(bucket -> Rejections.tooLarge(provider, tokens, bucket));
  }

  /**
   * Up to {@code count} permits of {@code tokensEach} for {@code model}, granted now for a node's stock
   * (held by {@code holder}): fewer, or none, when not that many are admissible at once. Never queues,
   * never probes: nothing while requests are queued or the breaker is not closed.
   */
  public Answer<Prefetched, R> prefetch(String model, int tokensEach, int count, String holder, long now) {
    List<Long> ids = new ArrayList<>();
    while (ids.size() < count && admissibleNow(model, tokensEach, now)
        && breaker.state(now) == CircuitBreaker.State.CLOSED
        && breaker.tryAcquire(now) instanceof CircuitBreaker.Allowed) {
      retryBudget.onRequest(now);
      ids.add(admit(model, tokensEach, false, holder, now));
    }
    return new Answer<>(new Prefetched(ids), done());
  }

  /** A permit is handed back: its reservation is settled, the breaker and the buckets learn how it went. */
  public Decisions<R> release(long permitId, CallOutcome outcome, long now) {
    InFlight.Held held = inFlight.release(permitId);
    if (held != null) {
      if (outcome instanceof CallOutcome.Succeeded s) {
        long used = s.usage() != null ? s.usage().total() : held.tokens();
        limits.settle(held.model(), held.tokens() - used, false, now);
        breaker.onSuccess(now, held.probe(), held.grantedAt());
        heed(held.model(), s.signals(), false, now);
      } else if (outcome instanceof CallOutcome.Failed f) {
        // The upstream saw the request: its reservation stands, as the provider may count it.
        if (f.providerFault()) breaker.onFailure(now, held.probe(), held.grantedAt());
        else breaker.onSuccess(now, held.probe(), held.grantedAt());
        heed(held.model(), f.signals(), f.rateLimited(), now);
      } else {
        limits.settle(held.model(), held.tokens(), true, now);
        abandonProbe(held.probe(), now);
      }
      dirty = true;
      scheduleBreakerTick(now);
    }
    drainQueue(now);
    return done();
  }

  /**
   * Learns limits the upstream announced, and pauses when it asked for one: for its Retry-After, at most
   * {@code limits.max-pause}, or {@link #DEFAULT_PAUSE} after a 429 that named no wait.
   */
  private void heed(String model, UpstreamSignals signals, boolean rateLimited, long now) {
    if (signals.saysAnything()) {
      limits.learn(model, signals.limitRequests(), signals.limitTokens(), signals.remainingRequests(),
          signals.remainingTokens(), now);
    }
    long asked = signals.pauseMillis() > 0 ? signals.pauseMillis() : rateLimited ? DEFAULT_PAUSE.toMillis() : 0;
    if (asked <= 0) return;
    boolean wasPaused = limits.pausedUntil() > now;
    long before = limits.pausedUntil();
    long applied = limits.pause(asked, now);
    // Once per pause, not once per answer of a burst of 429s (each moves the end by a little); the
    // value only, never the header itself.
    if (!wasPaused || limits.pausedUntil() - before >= PAUSE_LOGGED_AFTER.toMillis()) {
      Instant until = Instant.ofEpochMilli(limits.pausedUntil());
      if (applied < asked) {
        out.warn("provider '" + provider + "' paused for " + applied + " ms until " + until + ": the upstream asked for "
            + asked + " ms, capped by limits.max-pause");
      } else {
        out.info("provider '" + provider + "' paused for " + applied + " ms until " + until + " at the upstream's request");
      }
    }
  }

  /** The time {@link Decisions#wakeIn} asked for: admits what fits now. */
  public Decisions<R> wake(long now) {
    drainQueue(now);
    return done();
  }

  /** The deadline of the request queued under {@code ticket} has come: rejected, saying what held it back. */
  public Decisions<R> expire(long ticket, long now) {
    // The scheduler's tick can deliver the deadline before the wake-up due in the same tick: admit
    // whatever fits now first, so a request that became admissible at its deadline is not turned away.
    drainQueue(now);
    WaitQueue.Waiting<R> waiting = queue.remove(ticket);
    if (waiting != null) {
      Ask<R> ask = waiting.ask();
      abandonProbe(waiting.probe(), now);
      long refill = limits.millisUntilAdmissible(ask.model(), ask.tokens(), now);
      out.reply(ask.replyTo(), refill > 0
          ? Rejections.heldByLimit(provider, ask.model(), limits, now, refill)
          : hold(ask.model(), ask.tokens(), now) == Hold.CHECKPOINT
              ? Rejections.heldByCheckpoint(provider, ask.model(), limits, now)
              : Rejections.heldBySlots(provider, inFlight.size(), settings.maxInFlight(), queue.size()));
    }
    drainQueue(now);
    return done();
  }

  /**
   * The node at {@code address} left the cluster: its requests will never release their permits. Their
   * slots are freed at once instead of when their leases run out; their token reservations stand, as
   * the upstream may have counted those calls.
   */
  public Decisions<R> memberGone(String address, long now) {
    List<InFlight.Freed> freed = inFlight.free(held -> address.equals(held.holder()));
    for (InFlight.Freed f : freed) abandonProbe(f.held().probe(), now);
    if (!freed.isEmpty()) {
      out.warn("provider '" + provider + "': node " + address + " left the cluster holding " + freed.size()
          + " permit(s); their slots are freed");
    }
    drainQueue(now);
    return done();
  }

  /** Frees the slots of permits whose lease ran out unreleased. */
  public Decisions<R> sweepLeases(long now) {
    for (InFlight.Freed f : inFlight.free(held -> held.leaseExpires() <= now)) {
      abandonProbe(f.held().probe(), now);
      out.warn("provider '" + provider + "': permit " + f.permitId() + " was not released within "
          + settings.permitLease() + "; its slot is freed");
    }
    drainQueue(now);
    return done();
  }

  /** The time {@link Decisions#breakerTickIn} asked for: the open breaker moves to half-open. */
  public Decisions<R> breakerTick(long now) {
    breaker.state(now);
    return done();
  }

  /** The periodic checkpoint: written when anything changed since the last. */
  public Decisions<R> checkpointDue(long now) {
    if (dirty) writeCheckpoint(now);
    return done();
  }

  /** The checkpoint last decided is saved: its allowance may be spent. */
  public Decisions<R> checkpointWritten(long now) {
    writing = false;
    lastCheckpoint = now;
    limits.checkpointWritten();
    if (writeAgain) {
      writeAgain = false;
      writeCheckpoint(now);
    }
    drainQueue(now);
    return done();
  }

  /**
   * The checkpoint last decided could not be saved ({@code cause}): the next tick tries again, and grants
   * stop once the allowance is spent until one succeeds.
   */
  public Decisions<R> checkpointFailed(String cause) {
    writing = false;
    dirty = true;
    out.error("provider '" + provider + "': state checkpoint failed; admission waits once the"
        + " current allowance is spent, until a checkpoint succeeds: " + cause);
    return done();
  }

  /** The admission state now, as {@code GET /admin/providers} shows it; {@code node}: where this runs. */
  public Answer<Status, R> status(long now, String node) {
    Map<String, Long> counts = new TreeMap<>();
    transitions.forEach((state, count) -> counts.put(state.name().toLowerCase(Locale.ROOT), count));
    Status status = new Status(provider, inFlight.size(), settings.maxInFlight(), queue.size(),
        settings.queue().maxSize(), limits.status(now), limits.pausedUntil(), Math.max(0, limits.pausedUntil() - now),
        breaker.state(now).name().toLowerCase(Locale.ROOT), counts, lastCheckpoint, node);
    return new Answer<>(status, done());
  }

  /** This admission is being discarded (its actor restarts or stops): every waiting request is told so. */
  public Decisions<R> abandon() {
    for (WaitQueue.Waiting<R> waiting : queue.removeAll()) {
      out.reply(waiting.ask().replyTo(), Rejections.restarting(provider));
    }
    return done();
  }

  // ---- internals ---------------------------------------------------------------------------------

  private Decisions<R> done() {
    Decisions<R> decisions = out.build();
    out = new Decisions.Builder<>();
    return decisions;
  }

  /** Grants the queue's head for as long as it fits, in order; what holds the head back decides what waits for what. */
  private void drainQueue(long now) {
    while (!queue.isEmpty()) {
      WaitQueue.Waiting<R> head = queue.head();
      Ask<R> ask = head.ask();
      Hold hold = hold(ask.model(), ask.tokens(), now);
      if (hold == Hold.LIMITS) out.wakeIn(limits.millisUntilAdmissible(ask.model(), ask.tokens(), now));
      if (hold == Hold.CHECKPOINT) writeCheckpoint(now);
      if (hold != Hold.NONE) return;
      queue.removeHead();
      out.cancelWait(head.ticket());
      grant(ask, head.probe(), now);
    }
  }

  private void grant(Ask<R> ask, boolean probe, long now) {
    out.reply(ask.replyTo(), new Granted(admit(ask.model(), ask.tokens(), probe, ask.holder(), now), probe));
  }

  /** Takes a slot and the reservation from the buckets; the permit's id. */
  private long admit(String model, int tokens, boolean probe, String holder, long now) {
    long id = inFlight.hold(
        new InFlight.Held(model, tokens, probe, now, now + settings.permitLease().toMillis(), holder));
    if (!limits.isEmpty()) {
      limits.take(model, tokens, now);
      dirty = true;
      if (limits.allowanceRunningLow()) writeCheckpoint(now);
    }
    return id;
  }

  private void abandonProbe(boolean probe, long now) {
    if (probe) breaker.onProbeAbandoned(now);
  }

  private void onTransition(CircuitBreaker.Transition t) {
    transitions.merge(t.to(), 1L, Long::sum);
    dirty = true;
    out.warn("provider '" + provider + "' circuit breaker " + t.from() + " -> " + t.to() + ": " + t.reason());
    if (t.to() == CircuitBreaker.State.OPEN) {
      long retry = Math.max(1000, breaker.nextTransitionAt().orElse(t.atEpochMillis()) - t.atEpochMillis());
      for (WaitQueue.Waiting<R> waiting : queue.removeAll()) {
        out.cancelWait(waiting.ticket());
        out.reply(waiting.ask().replyTo(), Rejections.openedWhileWaiting(provider, retry));
      }
    }
  }

  /** While the breaker is open, a timer makes its move to half-open happen (and be logged) on time. */
  private void scheduleBreakerTick(long now) {
    long at = breaker.nextTransitionAt().orElse(0);
    if (at > 0) out.breakerTickIn(Math.max(1, at - now));
  }

  private void writeCheckpoint(long now) {
    if (writing) {
      writeAgain = true;
      return;
    }
    WaitQueue.Waiting<R> head = queue.head();
    out.checkpoint(new ProviderState(now, limits.checkpoint(now, head == null ? 0 : head.ask().tokens()),
        breaker.snapshot()));
    writing = true;
    dirty = false;
  }
}
