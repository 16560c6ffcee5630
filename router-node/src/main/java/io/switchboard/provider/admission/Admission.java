package io.switchboard.provider.admission;

import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Prefetched;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Status;
import io.switchboard.provider.ProviderState;
import io.switchboard.ratelimit.ProviderLimits;
import io.switchboard.retry.RetryBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Admission for one provider account, as a state machine: commands in, {@link Decisions} out. A request
 * is admitted when a slot is free ({@code max-in-flight}), every token bucket that applies to it holds
 * its reservation, the upstream has not asked for a pause, no checkpoint must be written first, and the
 * circuit breakers (the provider's and its model's) let it through; otherwise it waits in a bounded FIFO
 * queue until it can be, or is rejected at once when its deadline cannot be met.
 *
 * <p>Whether a request may go now is decided here alone, by {@link #hold}. The parts it decides over
 * are its own: the queue ({@link WaitQueue}), the buckets and pause ({@link ProviderLimits}), the breakers
 * ({@link Breakers}), the retry budget, the permits ({@link Permits}, over an {@link InFlight} that
 * outlives it) and when the state is saved ({@link Checkpoints}). It touches no actor, timer, logger or
 * clock: every command takes the time, and what must happen next comes back in its {@link Decisions}.
 * {@code R} is what the shell replies to. Not thread-safe: one actor drives it.
 */
public final class Admission<R> {

  /**
   * A request asking to be admitted for {@code model}, reserving one request and {@code tokens}, by its
   * deadline. A {@code retry} is admitted only within the retry budget. {@code holder}: the address of
   * the node the request runs on, whose leaving frees its permit. {@code admission}: the request's
   * admission id, the same on every ask of one request (0: none); see {@link #acquire}.
   */
  public record Ask<R>(String model, int tokens, long deadlineEpochMillis, boolean retry, R replyTo, String holder,
      long admission) {

    /** An ask without an admission id: each one is a request of its own. */
    public Ask(String model, int tokens, long deadlineEpochMillis, boolean retry, R replyTo, String holder) {
      this(model, tokens, deadlineEpochMillis, retry, replyTo, holder, 0);
    }

    /** The same ask, answered to {@code other}. */
    Ask<R> answeringTo(R other) {
      return new Ask<>(model, tokens, deadlineEpochMillis, retry, other, holder, admission);
    }
  }

  /** A query's answer, and what must happen besides. */
  public record Answer<A, R>(A value, Decisions<R> decisions) {}

  /** What holds a request back now; see {@link #hold}. */
  private enum Hold { NONE, SLOTS, LIMITS, CHECKPOINT }

  private final ProviderSettings settings;
  private final String provider;
  private final InFlight inFlight;
  private final ProviderLimits limits;
  private final RetryBudget retryBudget;
  private final WaitQueue<R> queue;
  private final Decisions.Builder<R> out = new Decisions.Builder<>();
  private final Checkpoints checkpoints;
  private final Breakers<R> breakers;
  private final Permits permits;

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
    this.queue = new WaitQueue<>(limits);
    this.checkpoints = new Checkpoints(provider, this::stateToSave, out);
    this.breakers = new Breakers<>(settings, state, queue, checkpoints, out);
    this.permits = new Permits(provider, settings.permitLease(), inFlight, limits, checkpoints, breakers, out);
    ProviderSettings.Retries r = settings.retries();
    this.retryBudget = new RetryBudget(r.budgetRatio(), r.budgetMinPerSecond(), r.budgetWindow());
  }

  /** The first decisions: the breaker's timer, and the checkpoint that gives the buckets their allowance. */
  public Decisions<R> start(long now, String stateDescription) {
    breakers.scheduleTick(now);
    out.info("provider '" + provider + "' ready: " + limits.status(now).size() + " bucket(s), breaker "
        + breakers.provider().state(now) + ", " + inFlight.size() + " request(s) in flight, state " + stateDescription);
    // Buckets start with no allowance: the first grant waits for a checkpoint of the restored floors.
    if (!limits.isEmpty()) checkpoints.write(now);
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

  /**
   * A request asks to be admitted: granted now, queued, or rejected. An ask whose admission id is already
   * here (asked again because no answer came in time, see {@code ProviderHandle}) takes nothing more: it
   * gets the permit already granted to that id once more, or takes over the waiting ask's place in the
   * queue (its answer goes to the new asker). An id is known only while its permit is held or its ask
   * waits; a request rejected before is judged afresh.
   */
  public Decisions<R> acquire(Ask<R> ask, long now) {
    if (ask.admission() != 0) {
      Optional<InFlight.Holding> granted = inFlight.grantedTo(ask.admission());
      if (granted.isPresent()) {
        out.reply(ask.replyTo(), new Granted(granted.get().permitId(), granted.get().held().trial().any()));
        return done();
      }
      if (queue.redirect(ask.admission(), ask.replyTo())) return done();
    }
    // A reservation no wait could admit (more than a bucket holds when full, or none at all) is turned
    // away before it touches the breaker, the retry budget or a bucket.
    if (ask.tokens() < 0) return refuse(ask, Breakers.Trial.NONE, Rejections.invalidReservation(ask.tokens()), now);
    Optional<ProviderLimits.BucketStatus> tooSmall = limits.tooSmallFor(ask.model(), ask.tokens(), now);
    if (tooSmall.isPresent()) {
      return refuse(ask, Breakers.Trial.NONE, Rejections.tooLarge(provider, ask.tokens(), tooSmall.get()), now);
    }
    Breakers.Verdict verdict = breakers.tryAcquire(ask.model(), now);
    if (verdict instanceof Breakers.Refusal refusal) return refuse(ask, Breakers.Trial.NONE, refusal.rejected(), now);
    Breakers.Trial probe = ((Breakers.Pass) verdict).trial();
    if (ask.retry() && !retryBudget.tryRetry(now)) {
      return refuse(ask, probe, Rejections.retryBudgetExhausted(provider, settings.retries().budgetRatio()), now);
    }
    if (!ask.retry()) retryBudget.onRequest(now);
    if (admissibleNow(ask.model(), ask.tokens(), now)) {
      grant(ask, probe, now);
      return done();
    }
    if (queue.size() >= settings.queue().maxSize()) {
      return refuse(ask, probe,
          Rejections.queueFull(provider, inFlight.size(), settings.maxInFlight(), settings.queue().maxSize()), now);
    }
    long wait = limits.millisUntilAdmissibleBehindQueue(ask.model(), ask.tokens(), now);
    if (now + wait > ask.deadlineEpochMillis()) {
      return refuse(ask, probe, Rejections.deadlineUnreachable(provider, ask.model(), limits, now, wait,
          ask.deadlineEpochMillis() - now), now);
    }
    out.startWait(queue.add(ask, probe).ticket(), ask.deadlineEpochMillis() - now);
    drainQueue(now);
    return done();
  }

  /** Answers {@code ask} with {@code rejected}, giving up the breakers' trials it held ({@code probe}). */
  private Decisions<R> refuse(Ask<R> ask, Breakers.Trial probe, Rejected rejected, long now) {
    breakers.abandon(probe, ask.model(), now);
    out.reply(ask.replyTo(), rejected);
    return done();
  }

  /**
   * Up to {@code count} permits of {@code tokensEach} for {@code model}, granted now for a node's stock
   * (held by {@code holder}): fewer, or none, when not that many are admissible at once. Never queues,
   * never probes: nothing while requests are queued or a breaker of the model (its provider's, its own)
   * is not closed.
   */
  public Answer<Prefetched, R> prefetch(String model, int tokensEach, int count, String holder, long now) {
    List<Long> ids = new ArrayList<>();
    while (ids.size() < count && admissibleNow(model, tokensEach, now) && breakers.closedFor(model, now)) {
      retryBudget.onRequest(now);
      ids.add(permits.grant(model, tokensEach, Breakers.Trial.NONE, holder, 0, now));
    }
    return new Answer<>(new Prefetched(ids), done());
  }

  /** A permit is handed back: its reservation is settled, the breakers and the buckets learn how it went. */
  public Decisions<R> release(long permitId, CallOutcome outcome, long now) {
    if (permits.handBack(permitId, outcome, now)) breakers.scheduleTick(now);
    drainQueue(now);
    return done();
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
      breakers.abandon(waiting.trial(), ask.model(), now);
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

  /** The node at {@code address} left the cluster: its permits will never come back, so their slots are freed now. */
  public Decisions<R> memberGone(String address, long now) {
    permits.freeHeldBy(address, now);
    drainQueue(now);
    return done();
  }

  /** Frees the slots of permits whose lease ran out unreleased. */
  public Decisions<R> sweepLeases(long now) {
    permits.freeExpired(now);
    drainQueue(now);
    return done();
  }

  /** The time {@link Decisions#breakerTickIn} asked for: open breakers whose time has come move to half-open. */
  public Decisions<R> breakerTick(long now) {
    breakers.tick(now);
    return done();
  }

  /** The periodic checkpoint: written when anything changed since the last. */
  public Decisions<R> checkpointDue(long now) {
    checkpoints.writeIfChanged(now);
    return done();
  }

  /** The checkpoint last decided is saved: its allowance may be spent. */
  public Decisions<R> checkpointWritten(long now) {
    limits.checkpointWritten();
    checkpoints.written(now);
    drainQueue(now);
    return done();
  }

  /**
   * The checkpoint last decided could not be saved ({@code cause}): the next tick tries again, and grants
   * stop once the allowance is spent until one succeeds.
   */
  public Decisions<R> checkpointFailed(String cause) {
    checkpoints.failed(cause);
    return done();
  }

  /** The admission state now, as {@code GET /admin/providers} shows it; {@code node}: where this runs. */
  public Answer<Status, R> status(long now, String node) {
    Map<String, Long> transitions = breakers.transitionCounts(); // before state(now) may move it on
    Status status = new Status(provider, inFlight.size(), settings.maxInFlight(), queue.size(),
        settings.queue().maxSize(), limits.status(now), limits.pausedUntil(), Math.max(0, limits.pausedUntil() - now),
        breakers.state(now), transitions, checkpoints.lastWrittenAt(), node, breakers.modelStatus(now));
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
    return out.drain();
  }

  /** Grants the queue's head for as long as it fits, in order; what holds the head back decides what waits for what. */
  private void drainQueue(long now) {
    while (!queue.isEmpty()) {
      WaitQueue.Waiting<R> head = queue.head();
      Ask<R> ask = head.ask();
      Hold hold = hold(ask.model(), ask.tokens(), now);
      if (hold == Hold.LIMITS) out.wakeIn(limits.millisUntilAdmissible(ask.model(), ask.tokens(), now));
      if (hold == Hold.CHECKPOINT) checkpoints.write(now);
      if (hold != Hold.NONE) return;
      WaitQueue.Waiting<R> granted = queue.removeHead(); // the head, answering to whoever asked for it last
      out.cancelWait(granted.ticket());
      grant(granted.ask(), granted.trial(), now);
    }
  }

  private void grant(Ask<R> ask, Breakers.Trial probe, long now) {
    long permit = permits.grant(ask.model(), ask.tokens(), probe, ask.holder(), ask.admission(), now);
    out.reply(ask.replyTo(), new Granted(permit, probe.any()));
  }

  /** What a checkpoint saves: the buckets at their floors (the head of the queue's demand allowed for), the breakers. */
  private ProviderState stateToSave(long now) {
    WaitQueue.Waiting<R> head = queue.head();
    return new ProviderState(now, limits.checkpoint(now, head == null ? 0 : head.ask().tokens()), breakers.snapshot(),
        breakers.modelSnapshots());
  }
}
