package io.switchboard.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.StateStore;
import io.switchboard.provider.anthropic.AnthropicUpstream;
import io.switchboard.provider.ollama.OllamaUpstream;
import io.switchboard.provider.openai.OpenAiUpstream;
import io.switchboard.provider.simulated.SimulatedUpstream;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Every configured provider, started: its admission actor spawned and its upstream client built. */
public final class Providers {
  private final Map<String, ProviderHandle> byId;

  private Providers(Map<String, ProviderHandle> byId) {
    this.byId = Collections.unmodifiableMap(byId);
  }

  /** Spawns one supervised provider actor per configured provider as children of {@code context}. */
  public static Providers start(ActorContext<?> context, SwitchboardSettings settings, ObjectMapper mapper, Clock clock,
      StateStore<ProviderState> store) {
    Map<String, ProviderHandle> handles = new LinkedHashMap<>();
    for (ProviderSettings provider : settings.providers().values()) {
      ActorRef<ProviderActor.Command> admission =
          context.spawn(ProviderActor.create(provider, store, clock), "provider-" + actorSafe(provider.id()));
      warnIfKeyMissing(context, provider);
      Upstream upstream = switch (provider.kind()) {
        case OPENAI -> new OpenAiUpstream(context.getSystem(), provider, mapper, clock);
        case SIMULATED -> new SimulatedUpstream(context.getSystem(), provider, mapper, clock);
        case ANTHROPIC -> new AnthropicUpstream(context.getSystem(), provider, mapper, clock);
        case OLLAMA -> new OllamaUpstream(context.getSystem(), provider, mapper, clock);
      };
      handles.put(provider.id(),
          new ProviderHandle(provider, admission, upstream, context.getSystem().scheduler(), clock));
    }
    return new Providers(handles);
  }

  public Optional<ProviderHandle> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Map<String, ProviderHandle> all() {
    return byId;
  }

  /** A key variable that is named but unset shows up here, at start-up, rather than as 502s later. */
  private static void warnIfKeyMissing(ActorContext<?> context, ProviderSettings provider) {
    if (provider.openai() != null && !provider.openai().apiKeyEnv().isBlank() && provider.openai().apiKey().isEmpty()) {
      context.getLog().warn("provider '{}': environment variable {} is not set; its requests go without an API key",
          provider.id(), provider.openai().apiKeyEnv());
    }
    if (provider.anthropic() != null && provider.anthropic().apiKey().isEmpty()) {
      context.getLog().warn("provider '{}': environment variable {} is not set; Anthropic will refuse its requests",
          provider.id(), provider.anthropic().apiKeyEnv());
    }
  }

  private static String actorSafe(String id) {
    return id.replaceAll("[^A-Za-z0-9_-]", "_");
  }
}
