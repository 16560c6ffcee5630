package io.switchboard.provider;

import com.fasterxml.jackson.annotation.JsonCreator;
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
import java.util.Collections;
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
import org.slf4j.event.Level;

/**
 * The actor around one provider account's {@link Admission}: it hands the state machine each command
 * with the time, and carries out its decisions (replies, timers, log lines, checkpoints). Request and
 * response bodies never pass through it. Its state is loaded before the first command (commands are
 * stashed meanwhile) and checkpointed in batches; see {@link ProviderLimits} for why a crash never lets
 * through a burst. The permits in flight ({@link InFlight}) outlive supervised restarts, so a restart
 * neither forgets running requests nor double-counts them; a lost JVM loses them (their reservations
 * are in the persisted floors already). Requests waiting when the actor fails are answered
 * {@link Reason#PROVIDER_RESTARTING} at once, and {@link ProviderHandle} asks again within their deadline.
 */
public final class ProviderActor extends AbstractBehavior<ProviderActor.Command> {

  /** Messages the provider actor understands. */
  public sealed interface Command extends JsonSerializable {}

  /** In a cluster, one entity per provider account (entity id: the provider's id); see {@link #initSharding}. */
  public static final EntityTypeKey<Command> ENTITY_TYPE = EntityTypeKey.create(Command.class, "provider");

  /**
   * Ask to call the upstream for {@code model}, reserving one request and {@code tokens}; answered
   * {@link Granted} now or later, or {@link Rejected}. A {@code retry} only goes within the retry budget.
   * {@code admission}: the request's admission id, the same on every ask of one request, so an ask sent
   * again because no answer came in time takes no second permit (0: none; see {@link ProviderHandle}).
   */
  public record Acquire(String model, int tokens, long deadlineEpochMillis, boolean retry,
      ActorRef<AdmissionResult> replyTo, long admission) implements Command {

    @JsonCreator
    public Acquire {}

    /** An ask without an admission id: each one is a request of its own. */
    public Acquire(String model, int tokens, long deadlineEpochMillis, boolean retry,
        ActorRef<AdmissionResult> replyTo) {
      this(model, tokens, deadlineEpochMillis, retry, replyTo, 0);
    }
  }

  /** Grant up to {@code count} permits now for a node's stock, never queued; see {@link Admission#prefetch}. */
  public record Prefetch(String model, int tokensEach, int count, ActorRef<Prefetched> replyTo) implements Command {}

  /** The permits a {@link Prefetch} got: each is released like any other, {@code NotSent} if unused. */
  public record Prefetched(List<Long> permitIds) implements JsonSerializable {}

  /** Hand a granted permit back, saying how the call ended. */
  public record Release(long permitId, CallOutcome outcome) implements Command {}

  /** Ask for a snapshot of the admission state. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  private record StateLoaded(Optional<StateStore.Stored<ProviderState>> stored) implements Internal {}
  private record StateLoadFailed(Throwable error) implements Internal {}
  private record WaitExpired(long ticket) implements Internal {}
  private record CheckpointWritten(long revision) implements Internal {}
  private record CheckpointFailed(Throwable error) implements Internal {}
  /** A cluster member left or was downed: the permits its requests held are freed. */
  private record MemberGone(ClusterEvent.MemberRemoved event) implements Internal {}
  private enum Tick implements Internal { WAKE, CHECKPOINT, SWEEP_LEASES, BREAKER }
  /**
   * Sharding's stop message, sent when the entity's shard is handed off to another node (a rebalance, or
   * this node leaving): see {@link #initSharding}.
   */
  enum HandOff implements Internal { STOP }
  private sealed interface Internal extends Command, NoSerializationVerificationNeeded {}

  /** The answer to {@link Acquire}. */
  public sealed interface AdmissionResult extends JsonSerializable {}

  /** Admitted; hand the permit back with {@link Release}. {@code probe}: the breaker's half-open trial. */
  public record Granted(long permitId, boolean probe) implements AdmissionResult {}

  /** Not admitted: why, in words a client can act on, and when it is worth trying again. */
  public record Rejected(Reason reason, String message, Duration retryAfter) implements AdmissionResult {}

  /** Why admission was refused. */
  public enum Reason {
    /** The queue is full. */ QUEUE_FULL,
    /** The request cannot be admitted before its deadline, known on arrival. */ DEADLINE_UNREACHABLE,
    /** The request waited until its deadline. */ QUEUE_TIMEOUT,
    /** The actor restarted (or could not load its state) while the request waited. */ PROVIDER_RESTARTING,
    /** The circuit breaker is open. */ CIRCUIT_OPEN,
    /** A retry, but retries already make up the provider's whole retry budget. */ RETRY_BUDGET_EXHAUSTED,
    /** More tokens than a token bucket holds when full: never admissible (the client's max_tokens). */ TOO_LARGE
  }

  /**
   * Admission state at one moment, as {@code GET /admin/providers} shows it. {@code breaker} is the
   * provider's own breaker (transport failures); {@code modelBreakers} those of its upstream models, by
   * name (empty from a node that predates them).
   */
  public record Status(String provider, int inFlight, int maxInFlight, int queued, int queueCapacity,
      List<ProviderLimits.BucketStatus> buckets, long pausedUntilEpochMillis, long pauseRemainingMillis, String breaker,
      Map<String, Long> breakerTransitions, long lastCheckpointEpochMillis, String node,
      Map<String, ModelBreaker> modelBreakers) implements JsonSerializable {

    public Status {
      modelBreakers = modelBreakers == null ? Map.of() : modelBreakers;
    }

    /** The state of {@code upstreamModel}'s breaker ({@code "closed"} when it has none yet). */
    public String modelBreaker(String upstreamModel) {
      ModelBreaker b = modelBreakers.get(upstreamModel);
      return b == null ? "closed" : b.state();
    }
  }

  /** One upstream model's breaker: its state ({@code "half_open"}) and how often it entered each state. */
  public record ModelBreaker(String state, Map<String, Long> transitions) implements JsonSerializable {}

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
   * Starts this node's shard region of provider entities and returns a provider's entity by its id. Every
   * node must configure the same {@code providers}: an entity is built from the configuration of the node
   * it starts on. Entities are not passivated: an idle provider keeps its breaker timers.
   *
   * <p>When the entity's shard moves (a rebalance, or its node leaving the cluster gracefully), sharding
   * sends it {@link HandOff#STOP} instead of stopping it outright. Without a stop message the entity
   * would be stopped after the message it is handling, and the asks already in its mailbox would be
   * dropped unanswered, their requests failing only after their deadline. With it, the entity first
   * handles everything that reached it before (grants what fits, takes releases), then answers every ask
   * still waiting {@link Reason#PROVIDER_RESTARTING}, and stops: {@link ProviderHandle} asks again at
   * once, and the ask reaches the entity on its new node. Asks that sharding itself drops during the
   * hand-off (its region does not deliver what it buffered for a shard being handed off) never reach
   * any entity: {@link ProviderHandle} asks those again when no answer comes within {@code reask-after}.
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
        .withStopMessage(HandOff.STOP)
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
        .onMessageEquals(HandOff.STOP, () -> {
          stash.forEach(command -> turnAway(command, settings));
          return Behaviors.stopped();
        })
        .onMessage(StateLoadFailed.class, failed -> {
          stash.forEach(command -> turnAway(command, settings));
          throw new IllegalStateException(
              "provider '" + settings.id() + "' could not load its persisted state", failed.error());
        })
        .onMessage(Command.class, command -> {
          if (stash.isFull()) turnAway(command, settings);
          else stash.stash(command);
          return Behaviors.same();
        })
        .build();
  }

  /** A request that arrived while the state was loading is answered: the provider is (re)starting. */
  private static void turnAway(Command command, ProviderSettings settings) {
    if (command instanceof Acquire acquire) acquire.replyTo().tell(Rejections.restarting(settings.id()));
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
    Duration sweep = Collections.min(List.of(settings.permitLease().dividedBy(4), Duration.ofSeconds(10)));
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
            a.deadlineEpochMillis(), a.retry(), a.replyTo(), a.replyTo().path().address().toString(), a.admission()),
            clock.millis())))
        .onMessage(Release.class, r -> carryOut(admission.release(r.permitId(), r.outcome(), clock.millis())))
        .onMessage(Prefetch.class, p -> answer(p.replyTo(), admission.prefetch(p.model(), p.tokensEach(), p.count(),
            p.replyTo().path().address().toString(), clock.millis())))
        .onMessage(GetStatus.class, get -> answer(get.replyTo(),
            admission.status(clock.millis(), getContext().getSystem().address().toString())))
        .onMessage(WaitExpired.class, w -> carryOut(admission.expire(w.ticket(), clock.millis())))
        .onMessageEquals(Tick.WAKE, () -> carryOut(admission.wake(clock.millis())))
        .onMessageEquals(Tick.CHECKPOINT, () -> carryOut(admission.checkpointDue(clock.millis())))
        .onMessageEquals(Tick.SWEEP_LEASES, () -> carryOut(admission.sweepLeases(clock.millis())))
        .onMessageEquals(Tick.BREAKER, () -> carryOut(admission.breakerTick(clock.millis())))
        .onMessage(CheckpointWritten.class, written -> {
          revision = written.revision();
          return carryOut(admission.checkpointWritten(clock.millis()));
        })
        .onMessage(CheckpointFailed.class, failed -> carryOut(admission.checkpointFailed(failed.error().toString())))
        .onMessage(MemberGone.class, gone -> carryOut(
            admission.memberGone(gone.event().member().address().toString(), clock.millis())))
        .onMessageEquals(HandOff.STOP, () -> {
          carryOut(admission.abandon());
          return Behaviors.stopped();
        })
        .onSignal(PreRestart.class, signal -> carryOut(admission.abandon()))
        .onSignal(PostStop.class, signal -> carryOut(admission.abandon()))
        .build();
  }

  private <A> Behavior<Command> answer(ActorRef<A> replyTo, Admission.Answer<A, ActorRef<AdmissionResult>> answer) {
    replyTo.tell(answer.value());
    return carryOut(answer.decisions());
  }

  /** Does what the state machine decided: replies, timers, log lines, then the checkpoint write. */
  private Behavior<Command> carryOut(Decisions<ActorRef<AdmissionResult>> decisions) {
    decisions.replies().forEach(reply -> reply.to().tell(reply.result()));
    decisions.waitTimers().forEach((ticket, in) ->
        timers.startSingleTimer(ticket, new WaitExpired(ticket), Duration.ofMillis(in)));
    decisions.cancelledWaits().forEach(timers::cancel);
    decisions.wakeIn().ifPresent(in -> timers.startSingleTimer(Tick.WAKE, Tick.WAKE, Duration.ofMillis(in)));
    decisions.breakerTickIn().ifPresent(in ->
        timers.startSingleTimer(Tick.BREAKER, Tick.BREAKER, Duration.ofMillis(in)));
    decisions.notices().forEach(n -> getContext().getLog().atLevel(Level.valueOf(n.level().name())).log(n.message()));
    decisions.checkpoint().ifPresent(state -> {
      long next = revision + 1;
      getContext().pipeToSelf(store.save(persistenceId(settings.id()), next, state),
          (done, error) -> error == null ? new CheckpointWritten(next) : new CheckpointFailed(error));
    });
    return this;
  }
}
