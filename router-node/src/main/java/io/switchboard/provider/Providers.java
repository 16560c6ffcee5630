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
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** Every configured provider, started: its admission actor spawned and its upstream client built. */
public final class Providers {
  private final Map<String, ProviderHandle> byId;

  private Providers(Map<String, ProviderHandle> byId) {
    this.byId = Collections.unmodifiableMap(byId);
  }

  /**
   * Starts admission for every configured provider: on a single node one supervised provider actor
   * per provider, spawned as a child of {@code context}; in a cluster the shard region of provider
   * entities, each entity living on one node and reached from every node.
   */
  public static Providers start(ActorContext<?> context, SwitchboardSettings settings, ObjectMapper mapper, Clock clock,
      StateStore<ProviderState> store) {
    Map<String, ProviderHandle> handles = new LinkedHashMap<>();
    Function<String, EntityRef<ProviderActor.Command>> entities = settings.cluster().enabled()
        ? ProviderActor.initSharding(context.getSystem(), settings.providers(), store, clock)
        : null;
    for (ProviderSettings provider : settings.providers().values()) {
      RecipientRef<ProviderActor.Command> admission = entities != null ? entities.apply(provider.id())
          : context.spawn(ProviderActor.create(provider, store, clock), "provider-" + actorSafe(provider.id()));
      warnIfKeyMissing(context, provider);
      Upstream upstream = switch (provider.kind()) {
        case OPENAI -> new OpenAiUpstream(context.getSystem(), provider, mapper, clock);
        case SIMULATED -> new SimulatedUpstream(context.getSystem(), provider, mapper, clock);
        case ANTHROPIC -> new AnthropicUpstream(context.getSystem(), provider, mapper, clock);
        case OLLAMA -> new OllamaUpstream(context.getSystem(), provider, mapper, clock);
      };
      handles.put(provider.id(), handle(context.getSystem(), provider, admission, upstream, clock));
    }
    return new Providers(handles);
  }

  /**
   * Providers whose admission and upstreams the caller built (see {@link #handle}), by id: for tests
   * and benchmarks that put their own {@link Upstream} behind a real admission actor.
   */
  public static Providers of(Map<String, ProviderHandle> handles) {
    return new Providers(new LinkedHashMap<>(handles));
  }

  /**
   * What the request path holds of {@code provider}: its admission (a local actor or its sharded
   * entity) and upstream, with permits fetched ahead when {@code prefetch.permits} is above 0 (and
   * their idle sweep scheduled on {@code system}).
   */
  public static ProviderHandle handle(ActorSystem<?> system, ProviderSettings provider,
      RecipientRef<ProviderActor.Command> admission, Upstream upstream, Clock clock) {
    BooleanSupplier leaving = nodeLeaving(system);
    if (provider.prefetch().permits() == 0) {
      return new ProviderHandle(provider, admission, upstream, system.scheduler(), clock, Optional.empty(), leaving);
    }
    PermitPrefetch prefetch = new PermitPrefetch(provider.prefetch(), admission, system.scheduler(), clock, leaving);
    Duration sweep = provider.prefetch().idle().dividedBy(2);
    system.scheduler().scheduleWithFixedDelay(sweep, sweep, prefetch::returnIdle, system.executionContext());
    return new ProviderHandle(provider, admission, upstream, system.scheduler(), clock, Optional.of(prefetch), leaving);
  }

  /** Whether {@code system} has begun its coordinated shutdown (SIGTERM, leaving, downed): true from its first phase. */
  static BooleanSupplier nodeLeaving(ActorSystem<?> system) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    return () -> shutdown.getShutdownReason().isPresent();
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
