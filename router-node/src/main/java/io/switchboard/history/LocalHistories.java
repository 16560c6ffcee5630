package io.switchboard.history;

import io.switchboard.config.HistorySettings;
import io.switchboard.persistence.StateStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * On a single node, the registry of deployment histories: delivers each command to the deployment's
 * {@link DeploymentHistory}, starting it (and so loading its snapshot) on first use.
 */
public final class LocalHistories {
  private LocalHistories() {}

  /** Hand {@code command} to the history of {@code label}. */
  public record Deliver(String label, DeploymentHistory.Command command) {}

  public static Behavior<Deliver> create(HistorySettings settings, StateStore<HistorySnapshot> store) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<DeploymentHistory.Command>> actors = new HashMap<>();
      return Behaviors.receive(Deliver.class)
          .onMessage(Deliver.class, deliver -> {
            actors.computeIfAbsent(deliver.label(), label -> context.spawn(
                DeploymentHistory.supervised(label, settings, store),
                "history-" + URLEncoder.encode(label, StandardCharsets.UTF_8))).tell(deliver.command());
            return Behaviors.same();
          })
          .build();
    });
  }
}
