package io.switchboard.history;

import io.switchboard.JsonSerializable;
import io.switchboard.config.HistorySettings;
import io.switchboard.persistence.StaleRevisionException;
import io.switchboard.persistence.StateStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The performance history of one deployment, one actor for the whole cluster (a Cluster Sharding entity
 * named by the deployment's label; on a single node, a child of {@link LocalHistories}). It holds an
 * {@link OutcomeRing} of the latest {@code history.size} outcomes, takes them in batches from every node
 * ({@link Record}), and answers summaries and the latest outcomes.
 *
 * <p>Why a persisted entity rather than per-node rings: the scorer on every node should see the same
 * picture of a deployment, built from all nodes' traffic, and that picture should outlive a node. The
 * ring is written as one snapshot at most every {@code history.checkpoint-interval} while it changes,
 * never once per call; a crash (or a node lost with the entity on it) loses at most that interval's
 * outcomes, and the entity restarts on a survivor from the last snapshot.
 */
public final class DeploymentHistory {
  private DeploymentHistory() {}

  /** Messages a deployment's history understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Outcomes a node observed since its last send, oldest first. */
  public record Record(List<Outcome> outcomes) implements Command {}

  /** Ask for the summary. */
  public record GetSummary(ActorRef<Summarized> replyTo) implements Command {}

  /** Ask for the summary and the latest {@code limit} outcomes. */
  public record GetLatest(int limit, ActorRef<Latest> replyTo) implements Command {}

  /** The answer to {@link GetSummary}. */
  public record Summarized(HistorySummary summary) implements JsonSerializable {}

  /** The answer to {@link GetLatest}: the summary, the ring's size and the outcomes, newest first. */
  public record Latest(HistorySummary summary, int size, List<Outcome> outcomes) implements JsonSerializable {}

  private sealed interface Internal extends Command, NoSerializationVerificationNeeded {}
  private record Loaded(Optional<StateStore.Stored<HistorySnapshot>> stored) implements Internal {}
  private record LoadFailed(Throwable error) implements Internal {}
  private record Written(long revision) implements Internal {}
  private record WriteFailed(Throwable error) implements Internal {}
  private enum Tick implements Internal { CHECKPOINT, RELOAD }

  /** Deployment history entities; entity id: the deployment's label, {@code provider/upstream-model}. */
  public static final EntityTypeKey<Command> ENTITY_TYPE = EntityTypeKey.create(Command.class, "deployment-history");

  static final int STASH = 10_000;

  /** Starts this node's shard region of history entities (not passivated: each is a few tens of KB). */
  public static HistoryEntities initSharding(ActorSystem<?> system, HistorySettings settings,
      StateStore<HistorySnapshot> store) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_TYPE, entity -> supervised(entity.getEntityId(), settings, store))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    return HistoryEntities.sharded(label -> sharding.entityRefFor(ENTITY_TYPE, label), system.scheduler());
  }

  public static String persistenceId(String label) {
    return "history|" + label;
  }

  static Behavior<Command> supervised(String label, HistorySettings settings, StateStore<HistorySnapshot> store) {
    return Behaviors.supervise(create(label, settings, store))
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  public static Behavior<Command> create(String label, HistorySettings settings, StateStore<HistorySnapshot> store) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
        stash -> new State(ctx, timers, stash, label, settings, store).loading())));
  }

  /** The actor's state: its ring and the store's revision. Touched only by the actor. */
  private static final class State {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StashBuffer<Command> stash;
    private final String label;
    private final HistorySettings settings;
    private final StateStore<HistorySnapshot> store;
    private final OutcomeRing ring;
    private long revision;
    private boolean dirty;
    private boolean writing;

    State(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash, String label,
        HistorySettings settings, StateStore<HistorySnapshot> store) {
      this.ctx = ctx;
      this.timers = timers;
      this.stash = stash;
      this.label = label;
      this.settings = settings;
      this.store = store;
      this.ring = new OutcomeRing(settings.size());
    }

    Behavior<Command> loading() {
      ctx.pipeToSelf(store.load(persistenceId(label)),
          (stored, error) -> error == null ? new Loaded(stored) : new LoadFailed(error));
      return Behaviors.receive(Command.class)
          .onMessage(Loaded.class, loaded -> {
            loaded.stored().ifPresent(stored -> {
              revision = stored.revision();
              stored.value().restoreInto(ring);
            });
            timers.startTimerWithFixedDelay(Tick.CHECKPOINT, Tick.CHECKPOINT, settings.checkpointInterval());
            return stash.unstashAll(active());
          })
          .onMessage(LoadFailed.class, failed -> {
            ctx.getLog().warn("history of {} could not be loaded ({}); trying again", label, failed.error().toString());
            timers.startSingleTimer(Tick.RELOAD, Tick.RELOAD, settings.checkpointInterval());
            return Behaviors.same();
          })
          .onMessageEquals(Tick.RELOAD, this::loading)
          .onAnyMessage(command -> {
            if (!stash.isFull()) stash.stash(command);
            return Behaviors.same();
          })
          .build();
    }

    Behavior<Command> active() {
      return Behaviors.receive(Command.class)
          .onMessage(Record.class, record -> {
            for (Outcome o : record.outcomes()) ring.add(o);
            dirty |= !record.outcomes().isEmpty();
            return Behaviors.same();
          })
          .onMessage(GetSummary.class, get -> {
            get.replyTo().tell(new Summarized(ring.summary()));
            return Behaviors.same();
          })
          .onMessage(GetLatest.class, get -> {
            get.replyTo().tell(new Latest(ring.summary(), ring.capacity(), ring.latest(get.limit())));
            return Behaviors.same();
          })
          .onMessageEquals(Tick.CHECKPOINT, () -> {
            if (dirty && !writing) {
              long next = revision + 1;
              writing = true;
              dirty = false;
              ctx.pipeToSelf(store.save(persistenceId(label), next, HistorySnapshot.of(ring)),
                  (done, error) -> error == null ? new Written(next) : new WriteFailed(error));
            }
            return Behaviors.same();
          })
          .onMessage(Written.class, written -> {
            revision = written.revision();
            writing = false;
            return Behaviors.same();
          })
          .onMessage(WriteFailed.class, failed -> {
            writing = false;
            dirty = true;
            if (failed.error() instanceof StaleRevisionException) {
              // Another writer got there (an old incarnation of this entity): take its revision, keep our ring.
              ctx.pipeToSelf(store.load(persistenceId(label)), (stored, error) ->
                  error == null ? new Written(stored.map(StateStore.Stored::revision).orElse(0L))
                      : new WriteFailed(error));
            } else {
              ctx.getLog().warn("history of {} could not be written ({}); trying again", label, failed.error().toString());
            }
            return Behaviors.same();
          })
          .build();
    }
  }
}
