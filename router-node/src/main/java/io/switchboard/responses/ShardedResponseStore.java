package io.switchboard.responses;

import static java.util.Objects.requireNonNull;

import io.switchboard.config.ResponseStoreSettings;
import io.switchboard.persistence.PersistenceConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * The {@link ResponseStore} of a node: every response is its own {@link ResponseEntity}, persisted
 * through Pekko Persistence JDBC in the node's database (an H2 file on a single node, PostgreSQL in a
 * cluster). In a cluster the entities are Cluster Sharding entities, so a response written through one
 * node is read through any other, and when a node dies its responses recover on the survivors from
 * the shared database. On a single node a {@link ResponseRegistry} plays the shard region's part.
 * Starting the store also starts the {@link ResponseSweeper} that removes expired responses nobody asks
 * for: a Cluster Singleton in a cluster, a plain actor on a single node.
 *
 * <pre>{@code
 * ResponseStore store = ShardedResponseStore.start(system, Clock.systemUTC(),
 *     ResponseStoreSettings.from(system.settings().config()));
 * store.put(response).thenCompose(done -> store.get(response.id(), response.owner()));
 * }</pre>
 *
 * <p>Start it once per actor system, on every node of a cluster, after the persistence tables exist
 * ({@code persistence.Schema}).
 */
public final class ShardedResponseStore implements ResponseStore {

  /** How a command reaches the entity of a response id: through the shard region or the local registry. */
  private interface Entities {
    <R> CompletionStage<R> ask(String responseId, Function<ActorRef<R>, ResponseEntity.Command> command);
  }

  private static final String SWEEPER_NAME = "stored-response-sweeper";

  private final Entities entities;

  private ShardedResponseStore(Entities entities) {
    this.entities = entities;
  }

  /**
   * Starts the entities of stored responses on this node: the shard region when the actor system is a
   * cluster member, the single node's registry otherwise.
   *
   * @param clock the wall clock retention is measured on
   */
  public static ShardedResponseStore start(ActorSystem<?> system, Clock clock, ResponseStoreSettings settings) {
    return start(system, clock, settings, new Spawn() {
      @Override
      public <T> ActorRef<T> apply(Behavior<T> behavior, String name) {
        return system.systemActorOf(behavior, name, Props.empty());
      }
    });
  }

  /**
   * As {@link #start(ActorSystem, Clock, ResponseStoreSettings)}, with a single node's registry and sweeper
   * children of {@code context}: a node started again in the same actor system (as tests do) gets its own.
   */
  public static ShardedResponseStore start(ActorContext<?> context, Clock clock, ResponseStoreSettings settings) {
    return start(context.getSystem(), clock, settings, new Spawn() {
      @Override
      public <T> ActorRef<T> apply(Behavior<T> behavior, String name) {
        return context.spawn(behavior, name);
      }
    });
  }

  /** Where a single node's actors of the store start. */
  private interface Spawn {
    <T> ActorRef<T> apply(Behavior<T> behavior, String name);
  }

  private static ShardedResponseStore start(ActorSystem<?> system, Clock clock, ResponseStoreSettings settings,
      Spawn spawn) {
    requireNonNull(system, "system");
    requireNonNull(clock, "clock");
    requireNonNull(settings, "settings");
    Duration timeout = settings.askTimeout();
    if ("cluster".equals(system.settings().config().getString("pekko.actor.provider"))) {
      ClusterSharding sharding = ClusterSharding.get(system);
      // Passivation is the entity's own (after passivate-after without a command), the same on a single
      // node, so the shard's automatic strategy is off.
      ShardedResponseStore store = new ShardedResponseStore(new Entities() {
        @Override
        public <R> CompletionStage<R> ask(String id, Function<ActorRef<R>, ResponseEntity.Command> command) {
          return AskPattern.ask(sharding.entityRefFor(ResponseEntity.ENTITY_TYPE, id), command::apply, timeout,
              system.scheduler());
        }
      });
      sharding.init(Entity.of(ResponseEntity.ENTITY_TYPE, entity -> ResponseEntity.create(entity.getEntityId(), clock,
              settings, self -> entity.getShard().tell(new ClusterSharding.Passivate<>(self))))
          .withStopMessage(ResponseEntity.Stop.INSTANCE)
          .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
      ClusterSingleton.get(system).init(SingletonActor.of(sweeper(system, store, settings), SWEEPER_NAME));
      return store;
    }
    ActorRef<ResponseRegistry.Command> registry = spawn.apply(ResponseRegistry.create(clock, settings), "stored-responses");
    ShardedResponseStore store = new ShardedResponseStore(new Entities() {
      @Override
      public <R> CompletionStage<R> ask(String id, Function<ActorRef<R>, ResponseEntity.Command> command) {
        return AskPattern.ask(registry, replyTo -> new ResponseRegistry.Deliver(id, command.apply(replyTo)), timeout,
            system.scheduler());
      }
    });
    spawn.apply(sweeper(system, store, settings), SWEEPER_NAME);
    return store;
  }

  /** The sweeper over the persistence ids of the JDBC journal, restarted if it ever fails. */
  private static Behavior<ResponseSweeper.Command> sweeper(ActorSystem<?> system, ShardedResponseStore store,
      ResponseStoreSettings settings) {
    Supplier<Source<String, NotUsed>> persistenceIds = () -> PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, PersistenceConfig.READ_JOURNAL_PLUGIN)
        .currentPersistenceIds();
    return Behaviors.supervise(ResponseSweeper.create(settings, persistenceIds, store::sweep))
        .onFailure(SupervisorStrategy.restart());
  }

  /**
   * Removes the response {@code id} if its retention has ended, whoever owns it; true when it did.
   * For the {@link ResponseSweeper}, not for clients.
   */
  CompletionStage<Boolean> sweep(String id) {
    return entities.<ResponseEntity.Swept>ask(id, ResponseEntity.Sweep::new).thenApply(ResponseEntity.Swept::removed);
  }

  @Override
  public CompletionStage<Done> put(StoredResponse response) {
    requireNonNull(response, "response");
    requireNonNull(response.id(), "response.id");
    requireNonNull(response.owner(), "response.owner");
    return entities.<ResponseEntity.PutResult>ask(response.id(), replyTo -> new ResponseEntity.Put(response, replyTo))
        .thenApply(result -> {
          if (result instanceof ResponseEntity.PutRefused refused) {
            throw new IllegalStateException("response " + response.id() + " was not stored: " + refused.reason());
          }
          return Done.getInstance();
        });
  }

  @Override
  public CompletionStage<Optional<StoredResponse>> get(String id, String owner) {
    requireNonNull(owner, "owner");
    if (id == null || id.isEmpty()) return CompletableFuture.completedFuture(Optional.empty());
    return entities.<ResponseEntity.Found>ask(id, replyTo -> new ResponseEntity.Get(owner, replyTo))
        .thenApply(found -> Optional.ofNullable(found.response()));
  }

  @Override
  public CompletionStage<Boolean> delete(String id, String owner) {
    requireNonNull(owner, "owner");
    if (id == null || id.isEmpty()) return CompletableFuture.completedFuture(false);
    return entities.<ResponseEntity.Deleted>ask(id, replyTo -> new ResponseEntity.Delete(owner, replyTo))
        .thenApply(ResponseEntity.Deleted::deleted);
  }
}
