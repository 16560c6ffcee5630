package io.switchboard.keys;

import io.switchboard.JsonSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The one place key actors are spawned: delivers each command to its key's {@link ApiKeyActor},
 * starting the actor on the key's first request, and stops it when the key is revoked.
 *
 * <p>{@link Deliver} plays the part of Cluster Sharding's {@code ShardingEnvelope}: the actor loads its
 * own state from its id alone, so replacing this registry with {@code ClusterSharding.init(Entity.of(
 * TYPE_KEY, ctx -> ApiKeyActor.create(ctx.getEntityId(), loader, clock)))} changes nothing else. Until
 * then, each node holds its own actor per key, which is exact for a single node.
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

  public static Behavior<Command> create(KeyState.Loader loader, Clock clock) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ApiKeyActor.Command>> actors = new HashMap<>();
      return Behaviors.receive(Command.class)
          .onMessage(Deliver.class, deliver -> {
            actors.computeIfAbsent(deliver.keyId(), id -> {
              ActorRef<ApiKeyActor.Command> actor = context.spawn(Behaviors.supervise(ApiKeyActor.create(id, loader, clock))
                  .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                  "key-" + id.replaceAll("[^A-Za-z0-9_-]", "_"));
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
