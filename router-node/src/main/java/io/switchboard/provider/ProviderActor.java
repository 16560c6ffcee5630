package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.StateStore;
import io.switchboard.ratelimit.ProviderLimits;
import io.switchboard.retry.RetryBudget;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Admission for one provider account. A request is admitted when a slot is free ({@code max-in-flight}),
 * every token bucket that applies to it holds its reservation, the upstream has not asked for a pause,
 * and the circuit breaker lets it through; otherwise it waits in a bounded FIFO queue until it can be,
 * or is rejected at once when its deadline cannot be met. Only these small control messages pass
 * through the actor; request and response bodies never do.
 *
 * <p>State (bucket levels, pause, learned limits, breaker) is loaded before the first command is
 * handled (commands are stashed meanwhile) and checkpointed in batches; see {@link ProviderLimits} for
 * why a crash never lets through a burst.
 *
 * <p>Trade-offs: the permits in flight are kept outside the restartable behaviour, so a supervised
 * restart neither forgets running requests nor double-counts them, but a lost JVM loses them (their
 * reservations are in the persisted floors already). Requests waiting in the queue when the actor
 * fails are answered {@link Reason#PROVIDER_RESTARTING} at once, and {@link ProviderHandle} asks again
 * within their deadline, so they are served after the restart rather than left hanging.
 *
 * <p>Time comes from the injected {@link Clock} and waiting from the actor's timers, so tests drive
 * both with Pekko's {@code ManualTime}.
 */
public final class ProviderActor extends AbstractBehavior<ProviderActor.Command> {

  /** Messages the provider actor understands. */
  public sealed interface Command extends JsonSerializable {}

  /**
   * In a cluster, one entity per provider account (entity id: the provider's id), placed by Cluster
   * Sharding; {@link io.switchboard.provider.Providers} starts the shard region.
   */
  public static final EntityTypeKey<Command> ENTITY_TYPE = EntityTypeKey.create(Command.class, "provider");

  /**
   * Ask to call the upstream for {@code model}, reserving one request and {@code tokens}. Answered
   * {@link Granted} now or later, or {@link Rejected}. A {@code retry} is admitted only within the
   * provider's retry budget.
   */
  public record Acquire(
      String model, int tokens, long deadlineEpochMillis, boolean retry, ActorRef<AdmissionResult> replyTo)
      implements Command {}

  /**
   * Grant up to {@code count} permits of {@code tokensEach} tokens for {@code model} now, for a node to
   * hand to its requests without asking again; answered {@link Prefetched}, with fewer (or none) when
   * not that many are admissible at once. Never queues, and grants nothing while requests are queued,
   * the breaker is not closed, or a checkpoint is due.
   */
  public record Prefetch(String model, int tokensEach, int count, ActorRef<Prefetched> replyTo) implements Command {}

  /** The permits a {@link Prefetch} got: each is released like any other, {@code NotSent} if unused. */
  public record Prefetched(List<Long> permitIds) implements JsonSerializable {}

  /** Hand a granted permit back, saying how the call ended. */
  public record Release(long permitId, CallOutcome outcome) implements Command {}

  /** Ask for a snapshot of the admission state. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  private record StateLoaded(Optional<StateStore.Stored<ProviderState>> stored) implements Command, NoSerializationVerificationNeeded {}

  private record StateLoadFailed(Throwable error) implements Command, NoSerializationVerificationNeeded {}

  private record WaitExpired(long ticket) implements Command, NoSerializationVerificationNeeded {}

  private enum Tick implements Command, NoSerializationVerificationNeeded {
    WAKE,
    CHECKPOINT,
    SWEEP_LEASES,
    BREAKER
  }

  private record CheckpointWritten(long revision) implements Command, NoSerializationVerificationNeeded {}

  private record CheckpointFailed(Throwable error) implements Command, NoSerializationVerificationNeeded {}

  /** A cluster member left or was downed: the permits its requests held are freed. */
  private record MemberGone(ClusterEvent.MemberRemoved event) implements Command, NoSerializationVerificationNeeded {}

  /** The answer to {@link Acquire}. */
  public sealed interface AdmissionResult extends JsonSerializable {}

  /** Admitted; hand the permit back with {@link Release}. {@code probe}: the breaker's half-open trial. */
  public record Granted(long permitId, boolean probe) implements AdmissionResult {}

  /** Not admitted: why, in words a client can act on, and when it is worth trying again. */
  public record Rejected(Reason reason, String message, Duration retryAfter) implements AdmissionResult {}

  /** Why admission was refused. */
  public enum Reason {
    /** The queue is full. */
    QUEUE_FULL,
    /** The request cannot be admitted before its deadline, known on arrival. */
    DEADLINE_UNREACHABLE,
    /** The request waited until its deadline. */
    QUEUE_TIMEOUT,
    /** The actor restarted (or could not load its state) while the request waited. */
    PROVIDER_RESTARTING,
    /** The circuit breaker is open. */
    CIRCUIT_OPEN,
    /** A retry, but retries already make up the provider's whole retry budget. */
    RETRY_BUDGET_EXHAUSTED,
    /**
     * The request reserves more tokens than one of its token buckets holds when full: it could never be
     * admitted, whatever it waits (the client's fault: its max_tokens).
     */
    TOO_LARGE
  }

  /** Admission state at one moment, as {@code GET /admin/providers} shows it. */
  public record Status(
      String provider,
      int inFlight,
      int maxInFlight,
      int queued,
      int queueCapacity,
      List<ProviderLimits.BucketStatus> buckets,
      long pausedUntilEpochMillis,
      long pauseRemainingMillis,
      String breaker,
      Map<String, Long> breakerTransitions,
      long lastCheckpointEpochMillis,
      String node)
      implements JsonSerializable {}

  private record Waiting(
      long ticket, String model, int tokens, long deadline, boolean probe, ActorRef<AdmissionResult> replyTo) {}

  /** A permit in flight: what it reserved and when its lease runs out. */
  private record Held(String model, int tokens, boolean probe, long grantedAt, long leaseExpires, Address holder) {}

  /** The permits in flight; outlives restarts of the behaviour (see the class comment). */
  private static final class InFlight {
    final Map<Long, Held> permits = new HashMap<>();
  }

  static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  /** How long an upstream 429 without Retry-After pauses the provider. */
  static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);
  /** A pause that moves the end of the current one by less than this is not logged again. */
  private static final Duration PAUSE_LOGGED_AFTER = Duration.ofSeconds(1);

  private final ProviderSettings settings;
  private final StateStore<ProviderState> store;
  private final String persistenceId;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final Map<Long, Held> inFlight;
  private final ProviderLimits limits;
  private final CircuitBreaker breaker;
  private final RetryBudget retryBudget;
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
  private final Map<CircuitBreaker.State, Long> transitions = new EnumMap<>(CircuitBreaker.State.class);
  private long nextPermit = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE / 2);
  private long nextTicket = 1;
  private long revision;
  private boolean dirty;
  private boolean writing;
  private boolean writeAgain;
  private long lastCheckpoint;

  /** The provider actor under supervision: restarted with backoff when it fails. */
  public static Behavior<Command> create(ProviderSettings settings, StateStore<ProviderState> store, Clock clock) {
    InFlight inFlight = new InFlight();
    ProviderSettings.Supervision s = settings.supervision();
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            Behaviors.<Command>withStash(settings.queue().maxSize() + 1024,
                stash -> loading(ctx, timers, stash, settings, store, clock, inFlight)))))
        .onFailure(SupervisorStrategy.restartWithBackoff(s.minBackoff(), s.maxBackoff(), s.randomFactor()));
  }

  public static String persistenceId(String providerId) {
    return "provider|" + providerId;
  }

  private static Behavior<Command> loading(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      StashBuffer<Command> stash, ProviderSettings settings, StateStore<ProviderState> store, Clock clock,
      InFlight inFlight) {
    ctx.pipeToSelf(store.load(persistenceId(settings.id())),
        (stored, error) -> error == null ? new StateLoaded(stored) : new StateLoadFailed(error));
    return Behaviors.receive(Command.class)
        .onMessage(StateLoaded.class, loaded -> stash.unstashAll(
            new ProviderActor(ctx, timers, settings, store, clock, inFlight, loaded.stored())))
        .onMessage(StateLoadFailed.class, failed -> {
          stash.forEach(command -> {
            if (command instanceof Acquire acquire) acquire.replyTo().tell(restarting(settings.id()));
          });
          throw new IllegalStateException(
              "provider '" + settings.id() + "' could not load its persisted state", failed.error());
        })
        .onMessage(Command.class, command -> {
          if (!stash.isFull()) {
            stash.stash(command);
          } else if (command instanceof Acquire acquire) {
            acquire.replyTo().tell(restarting(settings.id()));
          }
          return Behaviors.same();
        })
        .build();
  }

  private ProviderActor(ActorContext<Command> context, TimerScheduler<Command> timers, ProviderSettings settings,
      StateStore<ProviderState> store, Clock clock, InFlight inFlight,
      Optional<StateStore.Stored<ProviderState>> stored) {
    super(context);
    this.settings = settings;
    this.store = store;
    this.persistenceId = persistenceId(settings.id());
    this.clock = clock;
    this.timers = timers;
    this.inFlight = inFlight.permits;
    long now = clock.millis();
    ProviderState state = stored.map(StateStore.Stored::value).orElse(null);
    this.revision = stored.map(StateStore.Stored::revision).orElse(0L);
    this.limits = ProviderLimits.restore(settings.limits(), settings.checkpoint().allowance(),
        state == null ? ProviderLimits.Snapshot.EMPTY : state.limits(), now);
    CircuitBreaker.Settings breakerSettings = breakerSettings(settings.breaker());
    this.breaker = state != null && state.breaker() != null
        ? CircuitBreaker.restore(breakerSettings, state.breaker(), this::onTransition)
        : new CircuitBreaker(breakerSettings, this::onTransition);
    ProviderSettings.Retries r = settings.retries();
    this.retryBudget = new RetryBudget(r.budgetRatio(), r.budgetMinPerSecond(), r.budgetWindow());
    timers.startTimerWithFixedDelay(Tick.CHECKPOINT, Tick.CHECKPOINT, settings.checkpoint().interval());
    Duration sweep = settings.permitLease().dividedBy(4).compareTo(Duration.ofSeconds(10)) < 0
        ? settings.permitLease().dividedBy(4) : Duration.ofSeconds(10);
    timers.startTimerWithFixedDelay(Tick.SWEEP_LEASES, Tick.SWEEP_LEASES, sweep);
    scheduleBreakerTick();
    if (inCluster(context)) {
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberGone::new), ClusterEvent.MemberRemoved.class));
    }
    context.getLog().info("provider '{}' ready: {} bucket(s), breaker {}, {} request(s) in flight, state {}",
        settings.id(), limits.status(now).size(), breaker.state(now),
        this.inFlight.size(), state == null ? "new" : "restored (revision " + revision + ")");
    // Buckets start with no allowance: the first grant waits for a checkpoint of the restored floors.
    if (!limits.isEmpty()) writeCheckpoint();
  }

  private static boolean inCluster(ActorContext<?> context) {
    return "cluster".equals(context.getSystem().settings().config().getString("pekko.actor.provider"));
  }

  static CircuitBreaker.Settings breakerSettings(ProviderSettings.Breaker b) {
    return CircuitBreaker.Settings.custom()
        .consecutiveFailureThreshold(b.consecutiveFailures())
        .failureRateThreshold(b.failureRate())
        .slidingWindow(b.window(), CircuitBreaker.Settings.DEFAULT_WINDOW_BUCKETS)
        .minimumCalls(b.minimumCalls())
        .initialResetTimeout(b.resetTimeout())
        .resetTimeoutMultiplier(b.resetMultiplier())
        .maxResetTimeout(b.maxResetTimeout())
        .build();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Prefetch.class, this::onPrefetch)
        .onMessage(WaitExpired.class, this::onWaitExpired)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessageEquals(Tick.WAKE, this::drainQueue)
        .onMessageEquals(Tick.CHECKPOINT, this::onCheckpointTick)
        .onMessageEquals(Tick.SWEEP_LEASES, this::onSweepLeases)
        .onMessageEquals(Tick.BREAKER, this::onBreakerTick)
        .onMessage(CheckpointWritten.class, this::onCheckpointWritten)
        .onMessage(CheckpointFailed.class, this::onCheckpointFailed)
        .onMessage(MemberGone.class, this::onMemberGone)
        .onSignal(PreRestart.class, signal -> rejectAllWaiting())
        .onSignal(PostStop.class, signal -> rejectAllWaiting())
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    long now = clock.millis();
    Optional<Rejected> tooLarge = tooLarge(acquire.model(), acquire.tokens(), now);
    if (tooLarge.isPresent()) {
      acquire.replyTo().tell(tooLarge.get());
      return this;
    }
    CircuitBreaker.Decision decision = breaker.tryAcquire(now);
    if (decision instanceof CircuitBreaker.Refused refused) {
      acquire.replyTo().tell(new Rejected(Reason.CIRCUIT_OPEN,
          "Provider '" + settings.id() + "' is failing and its circuit breaker is open. Retry after "
              + seconds(refused.retryAfterMillis()) + "s.",
          Duration.ofMillis(Math.max(1000, refused.retryAfterMillis()))));
      return this;
    }
    boolean probe = decision instanceof CircuitBreaker.Probe;
    if (acquire.retry()) {
      if (!retryBudget.tryRetry(now)) {
        abandonProbe(probe, now);
        acquire.replyTo().tell(new Rejected(Reason.RETRY_BUDGET_EXHAUSTED,
            "Provider '" + settings.id() + "' has used its retry budget (" + settings.retries().budgetRatio()
                + " of requests); this retry is not made.",
            RETRY_AFTER));
        return this;
      }
    } else {
      retryBudget.onRequest(now);
    }
    // Fast path: nothing queued, a slot free, every bucket holding the reservation, allowance left.
    if (queue.isEmpty() && inFlight.size() < settings.maxInFlight()
        && limits.millisUntilAdmissible(acquire.model(), acquire.tokens(), now) == 0
        && !limits.needsCheckpoint(acquire.model(), acquire.tokens())) {
      grant(acquire.model(), acquire.tokens(), probe, acquire.replyTo(), now);
      return this;
    }
    if (queue.size() >= settings.queue().maxSize()) {
      abandonProbe(probe, now);
      acquire.replyTo().tell(new Rejected(Reason.QUEUE_FULL,
          "Provider '" + settings.id() + "' has " + inFlight.size() + " requests in flight (limit "
              + settings.maxInFlight() + ") and its queue of " + settings.queue().maxSize()
              + " is full. Retry after " + RETRY_AFTER.toSeconds() + "s.",
          RETRY_AFTER));
      return this;
    }
    long wait = limits.millisUntilAdmissibleBehindQueue(acquire.model(), acquire.tokens(), now);
    if (now + wait > acquire.deadlineEpochMillis()) {
      abandonProbe(probe, now);
      acquire.replyTo().tell(new Rejected(Reason.DEADLINE_UNREACHABLE,
          limitMessage(acquire.model(), wait, acquire.deadlineEpochMillis() - now), Duration.ofMillis(wait)));
      return this;
    }
    long ticket = nextTicket++;
    queue.addLast(new Waiting(ticket, acquire.model(), acquire.tokens(), acquire.deadlineEpochMillis(), probe,
        acquire.replyTo()));
    limits.queued(acquire.model(), acquire.tokens(), +1);
    timers.startSingleTimer(ticket, new WaitExpired(ticket), Duration.ofMillis(acquire.deadlineEpochMillis() - now));
    return drainQueue();
  }

  /**
   * A request that no wait could admit: its reservation is more than a token bucket holds when full (or
   * not a reservation at all). Turned away before it touches the breaker, the retry budget or a bucket.
   */
  private Optional<Rejected> tooLarge(String model, int tokens, long now) {
    if (tokens < 0) {
      return Optional.of(new Rejected(Reason.TOO_LARGE, "This request's token reservation (" + tokens
          + ") is not a valid number of tokens. Lower max_tokens.", null));
    }
    return limits.tooSmallFor(model, tokens, now).map(b -> new Rejected(Reason.TOO_LARGE,
        "This request reserves " + tokens + " tokens (its prompt plus max_tokens, or the model's max-output-tokens"
            + " when max_tokens is not set, times n), more than provider '" + settings.id() + "' can ever admit at"
            + " once: its limit of " + b.limitPerMinute() + " tokens per minute"
            + (b.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? "" : " for " + b.scope())
            + (b.learned() ? " (learned from the provider)" : "")
            + " admits at most " + (long) b.capacity() + " tokens per request. Lower max_tokens.",
        null));
  }

  private String limitMessage(String model, long waitMillis, long allowedMillis) {
    return limitReached(model) + " The request could be admitted in " + waitMillis + " ms, but "
        + (allowedMillis > 0 ? "may wait only " + allowedMillis + " ms" : "its wait is over")
        + ". Retry after " + seconds(waitMillis) + "s.";
  }

  /** Which of {@code model}'s limits apply and how much of each is left. */
  private String limitReached(String model) {
    long now = clock.millis();
    StringBuilder which = new StringBuilder();
    if (limits.pausedUntil() > now) which.append("the provider asked for a pause; ");
    for (ProviderLimits.BucketStatus b : limits.status(now)) {
      if (b.scope().equals(ProviderLimits.PROVIDER_SCOPE) || b.scope().equals(model)) {
        which.append(b.dimension() == ProviderLimits.Dimension.REQUESTS ? "requests" : "tokens")
            .append(" per minute ").append(b.limitPerMinute())
            .append(b.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? "" : " for " + b.scope())
            .append(b.learned() ? " (learned from the provider)" : "")
            .append(", ").append((long) Math.max(0, b.level())).append(" left; ");
      }
    }
    return "Provider '" + settings.id() + "' rate limit reached (" + which.toString().replaceAll("; $", "") + ").";
  }

  private Behavior<Command> drainQueue() {
    long now = clock.millis();
    while (!queue.isEmpty()) {
      Waiting head = queue.peekFirst();
      if (inFlight.size() >= settings.maxInFlight()) return this;
      long wait = limits.millisUntilAdmissible(head.model(), head.tokens(), now);
      if (wait > 0) {
        timers.startSingleTimer(Tick.WAKE, Tick.WAKE, Duration.ofMillis(wait));
        return this;
      }
      if (limits.needsCheckpoint(head.model(), head.tokens())) {
        writeCheckpoint();
        return this;
      }
      queue.pollFirst();
      timers.cancel(head.ticket());
      limits.queued(head.model(), head.tokens(), -1);
      grant(head.model(), head.tokens(), head.probe(), head.replyTo(), now);
    }
    return this;
  }

  private void grant(String model, int tokens, boolean probe, ActorRef<AdmissionResult> replyTo, long now) {
    replyTo.tell(new Granted(admit(model, tokens, probe, replyTo.path().address(), now), probe));
  }

  /** Takes a slot and the reservation from the buckets; the permit's id. */
  private long admit(String model, int tokens, boolean probe, Address holder, long now) {
    long id = nextPermit++;
    inFlight.put(id, new Held(model, tokens, probe, now, now + settings.permitLease().toMillis(), holder));
    if (!limits.isEmpty()) {
      limits.take(model, tokens, now);
      dirty = true;
      if (limits.allowanceRunningLow()) writeCheckpoint();
    }
    return id;
  }

  private Behavior<Command> onPrefetch(Prefetch prefetch) {
    long now = clock.millis();
    List<Long> ids = new java.util.ArrayList<>();
    while (ids.size() < prefetch.count() && queue.isEmpty() && inFlight.size() < settings.maxInFlight()
        && limits.millisUntilAdmissible(prefetch.model(), prefetch.tokensEach(), now) == 0
        && !limits.needsCheckpoint(prefetch.model(), prefetch.tokensEach())
        && breaker.state(now) == CircuitBreaker.State.CLOSED
        && breaker.tryAcquire(now) instanceof CircuitBreaker.Allowed) {
      retryBudget.onRequest(now);
      ids.add(admit(prefetch.model(), prefetch.tokensEach(), false, prefetch.replyTo().path().address(), now));
    }
    prefetch.replyTo().tell(new Prefetched(ids));
    return this;
  }

  private Behavior<Command> onRelease(Release release) {
    Held held = inFlight.remove(release.permitId());
    if (held == null) return drainQueue();
    long now = clock.millis();
    CallOutcome outcome = release.outcome();
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
    scheduleBreakerTick();
    return drainQueue();
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
      if (applied < asked) {
        getContext().getLog().warn("provider '{}' paused for {} ms until {}: the upstream asked for {} ms, capped by"
            + " limits.max-pause", settings.id(), applied, java.time.Instant.ofEpochMilli(limits.pausedUntil()), asked);
      } else {
        getContext().getLog().info("provider '{}' paused for {} ms until {} at the upstream's request", settings.id(),
            applied, java.time.Instant.ofEpochMilli(limits.pausedUntil()));
      }
    }
  }

  private Behavior<Command> onWaitExpired(WaitExpired expired) {
    // The scheduler's tick can deliver the deadline before the wake-up due in the same tick: admit
    // whatever fits now first, so a request that became admissible at its deadline is not turned away.
    drainQueue();
    long now = clock.millis();
    for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
      Waiting waiting = it.next();
      if (waiting.ticket() == expired.ticket()) {
        it.remove();
        limits.queued(waiting.model(), waiting.tokens(), -1);
        abandonProbe(waiting.probe(), now);
        long refill = limits.millisUntilAdmissible(waiting.model(), waiting.tokens(), now);
        if (refill > 0) {
          // The buckets, not the slots, held it back: say which limit, and when it would fit.
          waiting.replyTo().tell(new Rejected(Reason.QUEUE_TIMEOUT,
              limitMessage(waiting.model(), refill, 0), Duration.ofMillis(refill)));
          break;
        }
        if (inFlight.size() < settings.maxInFlight() && limits.needsCheckpoint(waiting.model(), waiting.tokens())) {
          // The buckets hold it, but their allowance since the last saved level is spent, and the
          // save did not complete in time (a slow database): still the rate limit that held it back.
          waiting.replyTo().tell(new Rejected(Reason.QUEUE_TIMEOUT, limitReached(waiting.model())
              + " The request waited until its deadline for the limit's level to be saved to the database."
              + " Retry after " + RETRY_AFTER.toSeconds() + "s.", RETRY_AFTER));
          break;
        }
        waiting.replyTo().tell(new Rejected(Reason.QUEUE_TIMEOUT,
            "Waited until this request's deadline for provider '" + settings.id() + "' (" + inFlight.size()
                + " of " + settings.maxInFlight() + " slots busy, " + queue.size() + " requests still queued)"
                + " without being admitted. Retry after " + RETRY_AFTER.toSeconds() + "s.",
            RETRY_AFTER));
        break;
      }
    }
    return drainQueue();
  }

  /**
   * The node that held these permits is gone from the cluster: its requests will never release them.
   * Their slots are freed at once instead of when their leases run out; their token reservations stand,
   * as the upstream may have counted those calls.
   */
  private Behavior<Command> onMemberGone(MemberGone gone) {
    Address address = gone.event().member().address();
    long now = clock.millis();
    int freed = 0;
    for (Iterator<Map.Entry<Long, Held>> it = inFlight.entrySet().iterator(); it.hasNext(); ) {
      Held held = it.next().getValue();
      if (address.equals(held.holder())) {
        it.remove();
        abandonProbe(held.probe(), now);
        freed++;
      }
    }
    if (freed > 0) {
      getContext().getLog().warn("provider '{}': node {} left the cluster holding {} permit(s); their slots are freed",
          settings.id(), address, freed);
    }
    return drainQueue();
  }

  private Behavior<Command> onSweepLeases() {
    long now = clock.millis();
    for (Iterator<Map.Entry<Long, Held>> it = inFlight.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Held> e = it.next();
      if (e.getValue().leaseExpires() <= now) {
        it.remove();
        abandonProbe(e.getValue().probe(), now);
        getContext().getLog().warn("provider '{}': permit {} was not released within {}; its slot is freed",
            settings.id(), e.getKey(), settings.permitLease());
      }
    }
    return drainQueue();
  }

  private void abandonProbe(boolean probe, long now) {
    if (probe) breaker.onProbeAbandoned(now);
  }

  private void onTransition(CircuitBreaker.Transition t) {
    transitions.merge(t.to(), 1L, Long::sum);
    dirty = true;
    getContext().getLog().warn("provider '{}' circuit breaker {} -> {}: {}", settings.id(), t.from(), t.to(), t.reason());
    if (t.to() == CircuitBreaker.State.OPEN) {
      long retry = Math.max(1000, breaker.nextTransitionAt().orElse(t.atEpochMillis()) - t.atEpochMillis());
      for (Waiting waiting : queue) {
        timers.cancel(waiting.ticket());
        waiting.replyTo().tell(new Rejected(Reason.CIRCUIT_OPEN,
            "Provider '" + settings.id() + "' started failing while this request waited, and its circuit breaker"
                + " opened. Retry after " + seconds(retry) + "s.",
            Duration.ofMillis(retry)));
        limits.queued(waiting.model(), waiting.tokens(), -1);
      }
      queue.clear();
    }
  }

  /** While the breaker is open, a timer makes its move to half-open happen (and be logged) on time. */
  private void scheduleBreakerTick() {
    long at = breaker.nextTransitionAt().orElse(0);
    if (at > 0) timers.startSingleTimer(Tick.BREAKER, Tick.BREAKER, Duration.ofMillis(Math.max(1, at - clock.millis())));
  }

  private Behavior<Command> onBreakerTick() {
    breaker.state(clock.millis());
    return this;
  }

  private Behavior<Command> onCheckpointTick() {
    if (dirty) writeCheckpoint();
    return this;
  }

  private void writeCheckpoint() {
    if (writing) {
      writeAgain = true;
      return;
    }
    long now = clock.millis();
    Waiting head = queue.peekFirst();
    ProviderState state = new ProviderState(now, limits.checkpoint(now, head == null ? 0 : head.tokens()),
        breaker.snapshot());
    long next = revision + 1;
    writing = true;
    dirty = false;
    getContext().pipeToSelf(store.save(persistenceId, next, state),
        (done, error) -> error == null ? new CheckpointWritten(next) : new CheckpointFailed(error));
  }

  private Behavior<Command> onCheckpointWritten(CheckpointWritten written) {
    writing = false;
    revision = written.revision();
    lastCheckpoint = clock.millis();
    limits.checkpointWritten();
    if (writeAgain) {
      writeAgain = false;
      writeCheckpoint();
    }
    return drainQueue();
  }

  private Behavior<Command> onCheckpointFailed(CheckpointFailed failed) {
    writing = false;
    dirty = true;
    getContext().getLog().error("provider '{}': state checkpoint failed; admission waits once the current allowance"
        + " is spent, until a checkpoint succeeds: {}", settings.id(), failed.error().toString());
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    long now = clock.millis();
    Map<String, Long> counts = new java.util.TreeMap<>();
    transitions.forEach((state, count) -> counts.put(state.name().toLowerCase(java.util.Locale.ROOT), count));
    get.replyTo().tell(new Status(settings.id(), inFlight.size(), settings.maxInFlight(), queue.size(),
        settings.queue().maxSize(), limits.status(now), limits.pausedUntil(), Math.max(0, limits.pausedUntil() - now),
        breaker.state(now).name().toLowerCase(java.util.Locale.ROOT), counts, lastCheckpoint,
        getContext().getSystem().address().toString()));
    return this;
  }

  private static Rejected restarting(String provider) {
    return new Rejected(Reason.PROVIDER_RESTARTING,
        "Provider '" + provider + "' is restarting and could not admit this request. Retry after "
            + RETRY_AFTER.toSeconds() + "s.",
        RETRY_AFTER);
  }

  private Behavior<Command> rejectAllWaiting() {
    for (Waiting waiting : queue) waiting.replyTo().tell(restarting(settings.id()));
    queue.clear();
    return this;
  }

  private static long seconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }
}
