package io.switchboard.keys;

import io.switchboard.JsonSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one place key actors are started. On a single node, a registry actor delivers each command to
 * its key's {@link ApiKeyActor}, starting the actor on the key's first request and stopping it when the
 * key is revoked. In a cluster ({@link #initSharding}), each key is a Cluster Sharding entity: one actor
 * per key in the whole cluster, so a key's limits and budget hold exactly wherever its requests arrive.
 *
 * <p>The actor loads its own state from its id alone (limits from the key table, spending from the usage
 * ledger). When an entity moves (a node leaves or dies) the new one reloads: the spending of records
 * still buffered on other nodes (at most {@code usage.flush-interval} old) and the reservations of
 * requests in flight are not in what it loads, which bounds what a failover can overspend.
 */
public final class ApiKeys {
  private ApiKeys() {}

  /** Messages the registry understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Hand {@code command} to the actor of {@code keyId}, starting it if needed. */
  public record Deliver(String keyId, ApiKeyActor.Command command) implements Command {}

  /** The key was revoked: stop its actor. */
  public record Forget(String keyId) implements Command {}

  private record Stopped(String keyId, ActorRef<ApiKeyActor.Command> actor) implements Command {}

  /** The key entities' type; entity id: the key's id. */
  public static final EntityTypeKey<ApiKeyActor.Command> ENTITY_TYPE =
      EntityTypeKey.create(ApiKeyActor.Command.class, "api-key");

  /** Starts this node's shard region of key entities. Entities are not passivated (see the providers'). */
  public static KeyEntities initSharding(ActorSystem<?> system, KeyState.Loader loader, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_TYPE, entity -> supervised(entity.getEntityId(), loader, clock))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    return KeyEntities.sharded(keyId -> sharding.entityRefFor(ENTITY_TYPE, keyId), system.scheduler());
  }

  private static Behavior<ApiKeyActor.Command> supervised(String keyId, KeyState.Loader loader, Clock clock) {
    return Behaviors.supervise(ApiKeyActor.create(keyId, loader, clock))
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  public static Behavior<Command> create(KeyState.Loader loader, Clock clock) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ApiKeyActor.Command>> actors = new HashMap<>();
      // A name is taken until its actor has stopped: a key's Release just after its Forget must not reuse it.
      long[] started = {0};
      return Behaviors.receive(Command.class)
          .onMessage(Deliver.class, deliver -> {
            actors.computeIfAbsent(deliver.keyId(), id -> {
              ActorRef<ApiKeyActor.Command> actor = context.spawn(supervised(id, loader, clock),
                  "key-" + id.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + ++started[0]);
              context.watchWith(actor, new Stopped(id, actor));
              return actor;
            }).tell(deliver.command());
            return Behaviors.same();
          })
          .onMessage(Forget.class, forget -> {
            ActorRef<ApiKeyActor.Command> actor = actors.remove(forget.keyId());
            if (actor != null) context.stop(actor);
            return Behaviors.same();
          })
          .onMessage(Stopped.class, stopped -> {
            actors.remove(stopped.keyId(), stopped.actor());
            return Behaviors.same();
          })
          .build();
    });
  }
}
