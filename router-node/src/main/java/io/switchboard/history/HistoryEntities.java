package io.switchboard.history;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Where the history of a deployment is reached: on a single node through {@link LocalHistories}, in a
 * cluster as its sharded entity.
 */
public interface HistoryEntities {

  void tell(String label, DeploymentHistory.Command command);

  <R> CompletionStage<R> ask(String label, Function<ActorRef<R>, DeploymentHistory.Command> message, Duration timeout);

  /** The single-node registry. */
  static HistoryEntities local(ActorRef<LocalHistories.Deliver> registry, Scheduler scheduler) {
    return new HistoryEntities() {
      @Override
      public void tell(String label, DeploymentHistory.Command command) {
        registry.tell(new LocalHistories.Deliver(label, command));
      }

      @Override
      public <R> CompletionStage<R> ask(String label, Function<ActorRef<R>, DeploymentHistory.Command> message,
          Duration timeout) {
        return AskPattern.ask(registry, replyTo -> new LocalHistories.Deliver(label, message.apply(replyTo)), timeout,
            scheduler);
      }
    };
  }

  /** Entities reached through {@code refs} (Cluster Sharding's entity refs). */
  static HistoryEntities sharded(Function<String, RecipientRef<DeploymentHistory.Command>> refs, Scheduler scheduler) {
    return new HistoryEntities() {
      @Override
      public void tell(String label, DeploymentHistory.Command command) {
        refs.apply(label).tell(command);
      }

      @Override
      public <R> CompletionStage<R> ask(String label, Function<ActorRef<R>, DeploymentHistory.Command> message,
          Duration timeout) {
        return AskPattern.ask(refs.apply(label), message::apply, timeout, scheduler);
      }
    };
  }
}
