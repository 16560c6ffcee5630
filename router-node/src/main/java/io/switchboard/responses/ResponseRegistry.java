package io.switchboard.responses;

import io.switchboard.config.ResponseStoreSettings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * On a single node, what a shard region is in a cluster: it delivers each command to the entity of its
 * response id, starting the entity on first use, and passivates idle entities the way a shard does.
 * While an entity is stopping, commands for its id are held and then handed to a fresh entity, so two
 * incarnations of one response never write at the same time and no command is lost in between.
 */
final class ResponseRegistry {
  private ResponseRegistry() {}

  /** The registry's messages; they never leave the node. */
  sealed interface Command extends NoSerializationVerificationNeeded {}

  /** Hand {@code command} to the entity of {@code responseId}, starting it if needed. */
  record Deliver(String responseId, ResponseEntity.Command command) implements Command {}

  /** The entity {@code entity} of {@code responseId} has been idle and asks to be stopped. */
  record Passivate(String responseId, ActorRef<ResponseEntity.Command> entity) implements Command {}

  private record Stopped(String responseId, ActorRef<ResponseEntity.Command> entity) implements Command {}

  static Behavior<Command> create(Clock clock, ResponseStoreSettings settings) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ResponseEntity.Command>> live = new HashMap<>();
      Map<String, List<ResponseEntity.Command>> held = new HashMap<>();
      long[] incarnations = {0};
      return Behaviors.receive(Command.class)
          .onMessage(Deliver.class, deliver -> {
            List<ResponseEntity.Command> waiting = held.get(deliver.responseId());
            if (waiting != null) waiting.add(deliver.command());
            else live.computeIfAbsent(deliver.responseId(),
                id -> spawn(context, id, ++incarnations[0], clock, settings)).tell(deliver.command());
            return Behaviors.same();
          })
          .onMessage(Passivate.class, passivate -> {
            if (passivate.entity().equals(live.get(passivate.responseId()))) {
              live.remove(passivate.responseId());
              held.put(passivate.responseId(), new ArrayList<>());
              passivate.entity().tell(ResponseEntity.Stop.INSTANCE);
            }
            return Behaviors.same();
          })
          .onMessage(Stopped.class, stopped -> {
            live.remove(stopped.responseId(), stopped.entity());
            List<ResponseEntity.Command> waiting = held.remove(stopped.responseId());
            if (waiting != null && !waiting.isEmpty()) {
              ActorRef<ResponseEntity.Command> fresh =
                  spawn(context, stopped.responseId(), ++incarnations[0], clock, settings);
              live.put(stopped.responseId(), fresh);
              waiting.forEach(fresh::tell);
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  private static ActorRef<ResponseEntity.Command> spawn(ActorContext<Command> context, String responseId,
      long incarnation, Clock clock, ResponseStoreSettings settings) {
    ActorRef<Command> registry = context.getSelf();
    ActorRef<ResponseEntity.Command> entity = context.spawn(
        ResponseEntity.create(responseId, clock, settings, self -> registry.tell(new Passivate(responseId, self))),
        "response-" + URLEncoder.encode(responseId, StandardCharsets.UTF_8) + "-" + incarnation);
    context.watchWith(entity, new Stopped(responseId, entity));
    return entity;
  }
}
