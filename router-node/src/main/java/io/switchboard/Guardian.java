package io.switchboard;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.http.HttpServer;
import io.switchboard.provider.Providers;
import io.switchboard.routing.ModelRouter;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/** Root of a node: starts the provider actors, the router over them, and the HTTP server. */
public final class Guardian {
  private Guardian() {}

  /** A node that is serving: where it listens and the providers it admits to. */
  public record Started(ServerBinding binding, Providers providers) {}

  /** @param started completed once the port is bound, or failed when it cannot be */
  public static Behavior<Void> create(SwitchboardSettings settings, CompletableFuture<Started> started) {
    return Behaviors.setup(context -> {
      var mapper = OpenAiJson.newMapper();
      Clock clock = Clock.systemUTC();
      Providers providers = Providers.start(context, settings, mapper, clock);
      ModelRouter router = ModelRouter.of(settings, providers);
      HttpServer.start(context.getSystem(), settings, router, mapper, clock)
          .whenComplete((binding, error) -> {
            if (error != null) started.completeExceptionally(error);
            else started.complete(new Started(binding, providers));
          });
      return Behaviors.empty();
    });
  }
}
