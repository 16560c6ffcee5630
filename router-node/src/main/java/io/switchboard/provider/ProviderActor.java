package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.StateStore;
import io.switchboard.provider.admission.Admission;
import io.switchboard.provider.admission.Decisions;
import io.switchboard.provider.admission.InFlight;
import io.switchboard.provider.admission.Rejections;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
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
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The actor around one provider account's {@link Admission}: it feeds the state machine its commands
 * with the time, and carries out its {@link Decisions} (replies, timers, checkpoints, log lines). Only
 * these small control messages pass through it; request and response bodies never do.
 *
 * <p>State (bucket levels, pause, learned limits, breaker) is loaded before the first command is
 * handled (commands are stashed meanwhile) and checkpointed in batches; see {@link ProviderLimits} for
 * why a crash never lets through a burst.
 *
 * <p>Trade-offs: the permits in flight ({@link InFlight}) are kept outside the restartable behaviour, so
 * a supervised restart neither forgets running requests nor double-counts them, but a lost JVM loses
 * them (their reservations are in the persisted floors already). Requests waiting in the queue when
 * the actor fails are answered {@link Reason#PROVIDER_RESTARTING} at once, and {@link ProviderHandle}
 * asks again within their deadline, so they are served after the restart rather than left hanging.
 *
 * <p>Time comes from the injected {@link Clock} and waiting from the actor's timers, so tests drive
 * both with Pekko's {@code ManualTime}.
 */
public final class ProviderActor extends AbstractBehavior<ProviderActor.Command> {

  /** Messages the provider actor understands. */
  public sealed interface Command extends JsonSerializable {}

  /**
   * In a cluster, one entity per provider account (entity id: the provider's id), placed by Cluster
   * Sharding; {@link #initSharding} starts the shard region.
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
    RETRY_BUDGET_EXHAUSTED
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
      String breaker,
      Map<String, Long> breakerTransitions,
      long lastCheckpointEpochMillis,
      String node)
      implements JsonSerializable {}

  private final ProviderSettings settings;
  private final StateStore<ProviderState> store;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final Admission<ActorRef<AdmissionResult>> admission;
  private long revision;

  /** The provider actor under supervision: restarted with backoff when it fails. */
  public static Behavior<Command> create(ProviderSettings settings, StateStore<ProviderState> store, Clock clock) {
    InFlight inFlight = new InFlight();
    ProviderSettings.Supervision s = settings.supervision();
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            Behaviors.<Command>withStash(settings.queue().maxSize() + 1024,
                stash -> loading(ctx, timers, stash, settings, store, clock, inFlight)))))
        .onFailure(SupervisorStrategy.restartWithBackoff(s.minBackoff(), s.maxBackoff(), s.randomFactor()));
  }

  /**
   * Starts this node's shard region of provider entities, one per provider of {@code providers} in the
   * whole cluster, and returns the way to a provider's entity by its id. Every node must configure the
   * same providers: an entity is built from the configuration of the node it starts on. Entities are
   * not passivated: an idle provider keeps its breaker timers.
   */
  public static Function<String, EntityRef<Command>> initSharding(ActorSystem<?> system,
      Map<String, ProviderSettings> providers, StateStore<ProviderState> store, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_TYPE, entity -> {
          ProviderSettings provider = providers.get(entity.getEntityId());
          if (provider != null) return create(provider, store, clock);
          system.log().error("no provider '{}' is configured on this node; every node must configure the same"
              + " providers", entity.getEntityId());
          return Behaviors.stopped();
        })
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    return providerId -> sharding.entityRefFor(ENTITY_TYPE, providerId);
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
            if (command instanceof Acquire acquire) acquire.replyTo().tell(Rejections.restarting(settings.id()));
          });
          throw new IllegalStateException(
              "provider '" + settings.id() + "' could not load its persisted state", failed.error());
        })
        .onMessage(Command.class, command -> {
          if (!stash.isFull()) {
            stash.stash(command);
          } else if (command instanceof Acquire acquire) {
            acquire.replyTo().tell(Rejections.restarting(settings.id()));
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
    this.clock = clock;
    this.timers = timers;
    this.revision = stored.map(StateStore.Stored::revision).orElse(0L);
    this.admission = new Admission<>(settings, inFlight, stored.map(StateStore.Stored::value), clock.millis());
    timers.startTimerWithFixedDelay(Tick.CHECKPOINT, Tick.CHECKPOINT, settings.checkpoint().interval());
    Duration sweep = settings.permitLease().dividedBy(4).compareTo(Duration.ofSeconds(10)) < 0
        ? settings.permitLease().dividedBy(4) : Duration.ofSeconds(10);
    timers.startTimerWithFixedDelay(Tick.SWEEP_LEASES, Tick.SWEEP_LEASES, sweep);
    if ("cluster".equals(context.getSystem().settings().config().getString("pekko.actor.provider"))) {
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberGone::new), ClusterEvent.MemberRemoved.class));
    }
    carryOut(admission.start(clock.millis(), stored.isEmpty() ? "new" : "restored (revision " + revision + ")"));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, a -> carryOut(admission.acquire(new Admission.Ask<>(a.model(), a.tokens(),
            a.deadlineEpochMillis(), a.retry(), a.replyTo(), holder(a.replyTo())), clock.millis())))
        .onMessage(Release.class, r -> carryOut(admission.release(r.permitId(), r.outcome(), clock.millis())))
        .onMessage(Prefetch.class, this::onPrefetch)
        .onMessage(WaitExpired.class, w -> carryOut(admission.expire(w.ticket(), clock.millis())))
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessageEquals(Tick.WAKE, () -> carryOut(admission.wake(clock.millis())))
        .onMessageEquals(Tick.CHECKPOINT, () -> carryOut(admission.checkpointDue(clock.millis())))
        .onMessageEquals(Tick.SWEEP_LEASES, () -> carryOut(admission.sweepLeases(clock.millis())))
        .onMessageEquals(Tick.BREAKER, () -> carryOut(admission.breakerTick(clock.millis())))
        .onMessage(CheckpointWritten.class, this::onCheckpointWritten)
        .onMessage(CheckpointFailed.class, this::onCheckpointFailed)
        .onMessage(MemberGone.class, gone -> carryOut(
            admission.memberGone(gone.event().member().address().toString(), clock.millis())))
        .onSignal(PreRestart.class, signal -> carryOut(admission.abandon()))
        .onSignal(PostStop.class, signal -> carryOut(admission.abandon()))
        .build();
  }

  /** The node a reply target lives on, as {@link MemberGone} names it. */
  private static String holder(ActorRef<?> replyTo) {
    return replyTo.path().address().toString();
  }

  private Behavior<Command> onPrefetch(Prefetch prefetch) {
    Admission.Answer<List<Long>, ActorRef<AdmissionResult>> answer = admission.prefetch(prefetch.model(),
        prefetch.tokensEach(), prefetch.count(), holder(prefetch.replyTo()), clock.millis());
    prefetch.replyTo().tell(new Prefetched(answer.value()));
    return carryOut(answer.decisions());
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    Admission.Answer<Status, ActorRef<AdmissionResult>> answer =
        admission.status(clock.millis(), getContext().getSystem().address().toString());
    get.replyTo().tell(answer.value());
    return carryOut(answer.decisions());
  }

  private Behavior<Command> onCheckpointWritten(CheckpointWritten written) {
    revision = written.revision();
    return carryOut(admission.checkpointWritten(clock.millis()));
  }

  private Behavior<Command> onCheckpointFailed(CheckpointFailed failed) {
    admission.checkpointFailed();
    getContext().getLog().error("provider '{}': state checkpoint failed; admission waits once the current allowance"
        + " is spent, until a checkpoint succeeds: {}", settings.id(), failed.error().toString());
    return this;
  }

  /** Does what the state machine decided: replies, timers, log lines, and the checkpoint write. */
  private Behavior<Command> carryOut(Decisions<ActorRef<AdmissionResult>> decisions) {
    decisions.replies().forEach(reply -> reply.to().tell(reply.result()));
    decisions.waitTimers().forEach((ticket, in) ->
        timers.startSingleTimer(ticket, new WaitExpired(ticket), Duration.ofMillis(in)));
    decisions.cancelledWaits().forEach(timers::cancel);
    decisions.wakeIn().ifPresent(in -> timers.startSingleTimer(Tick.WAKE, Tick.WAKE, Duration.ofMillis(in)));
    decisions.breakerTickIn().ifPresent(in -> timers.startSingleTimer(Tick.BREAKER, Tick.BREAKER, Duration.ofMillis(in)));
    for (Decisions.Notice notice : decisions.notices()) {
      if (notice.warning()) getContext().getLog().warn(notice.message());
      else getContext().getLog().info(notice.message());
    }
    decisions.checkpoint().ifPresent(state -> {
      long next = revision + 1;
      getContext().pipeToSelf(store.save(persistenceId(settings.id()), next, state),
          (done, error) -> error == null ? new CheckpointWritten(next) : new CheckpointFailed(error));
    });
    return this;
  }
}
