package io.switchboard.keys;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Where the actor of a key is reached: on a single node through the node's {@link ApiKeys} registry,
 * in a cluster as the key's sharded entity, so one actor per key holds its limits and budget wherever
 * its requests arrive.
 */
public interface KeyEntities {

  void tell(String keyId, ApiKeyActor.Command command);

  <R> CompletionStage<R> ask(String keyId, Function<ActorRef<R>, ApiKeyActor.Command> message, Duration timeout);

  /** The key was revoked: its actor may stop. */
  void forget(String keyId);

  /** The single-node registry. */
  static KeyEntities local(ActorRef<ApiKeys.Command> registry, Scheduler scheduler) {
    return new KeyEntities() {
      @Override
      public void tell(String keyId, ApiKeyActor.Command command) {
        registry.tell(new ApiKeys.Deliver(keyId, command));
      }

      @Override
      public <R> CompletionStage<R> ask(String keyId, Function<ActorRef<R>, ApiKeyActor.Command> message,
          Duration timeout) {
        return AskPattern.ask(registry, replyTo -> new ApiKeys.Deliver(keyId, message.apply(replyTo)), timeout, scheduler);
      }

      @Override
      public void forget(String keyId) {
        registry.tell(new ApiKeys.Forget(keyId));
      }
    };
  }

  /** Entities reached through {@code refs} (Cluster Sharding's entity refs). */
  static KeyEntities sharded(Function<String, RecipientRef<ApiKeyActor.Command>> refs, Scheduler scheduler) {
    return new KeyEntities() {
      @Override
      public void tell(String keyId, ApiKeyActor.Command command) {
        refs.apply(keyId).tell(command);
      }

      @Override
      public <R> CompletionStage<R> ask(String keyId, Function<ActorRef<R>, ApiKeyActor.Command> message,
          Duration timeout) {
        return AskPattern.ask(refs.apply(keyId), message::apply, timeout, scheduler);
      }

      @Override
      public void forget(String keyId) {
        // A revoked key is refused before it reaches its entity; the idle entity keeps its few bytes.
      }
    };
  }
}
