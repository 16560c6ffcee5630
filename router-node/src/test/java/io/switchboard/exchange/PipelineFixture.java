package io.switchboard.exchange;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ProviderKind;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.ApiKeyActor;
import io.switchboard.keys.KeyAdmission;
import io.switchboard.keys.KeyEntities;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.Permit;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.Providers;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import io.switchboard.usage.Metering;
import io.switchboard.usage.UsageLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;

/**
 * The request path's steps wired as a node wires them, with only the upstreams and the key actors
 * replaced: settings from HOCON, each provider's real admission actor ({@link ProviderActor}, state in
 * memory) behind a real {@link ProviderHandle}, a {@link ScriptedUpstream} per provider, the
 * {@link ModelRouter} over them, and {@link RecordingKeys} that admit every key and remember what was
 * reserved and settled. Shared by {@code ChatPipelineTest}, {@code DispatcherTest} and
 * {@code MeteringTest}; no sockets are opened.
 *
 * <pre>{@code
 * PipelineFixture f = new PipelineFixture(testKit, clock, """
 *     switchboard.providers.a.kind = openai
 *     switchboard.models.m { provider = a, upstream-model = "gpt-4o-mini" }
 *     """);
 * f.upstream("a").fails(PipelineFixture.serverError("a"));
 * List<Deployment> deployments = f.deployments("m");
 * }</pre>
 */
public final class PipelineFixture {
  public static final ObjectMapper MAPPER = OpenAiJson.newMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Clock clock;
  private final SwitchboardSettings settings;
  private final Map<String, ScriptedUpstream> upstreams = new LinkedHashMap<>();
  private final Providers providers;
  private final ModelRouter router;
  private final RecordingKeys keys = new RecordingKeys();

  /**
   * @param hocon {@code switchboard.providers} and {@code switchboard.models} entries; the default simulated
   *     provider and model are removed. A provider of kind {@code anthropic} gets an upstream that passes
   *     Anthropic requests through, every other one an upstream that answers in OpenAI's dialect
   */
  public PipelineFixture(ActorTestKit testKit, Clock clock, String hocon) {
    this.clock = clock;
    this.settings = SwitchboardSettings.from(ConfigFactory.parseString(
            "switchboard.providers.simulated = null\nswitchboard.models.switchboard-sim = null\n" + hocon)
        .withFallback(ConfigFactory.load()).resolve(), name -> null);
    Map<String, ProviderHandle> handles = new LinkedHashMap<>();
    for (ProviderSettings provider : settings.providers().values()) {
      ScriptedUpstream upstream = new ScriptedUpstream(provider.id(), provider.kind() == ProviderKind.ANTHROPIC, clock);
      upstreams.put(provider.id(), upstream);
      ActorRef<ProviderActor.Command> admission =
          testKit.spawn(ProviderActor.create(provider, new InMemoryStateStore<>(), clock));
      handles.put(provider.id(), Providers.handle(testKit.system(), provider, admission, upstream, clock));
    }
    this.providers = Providers.of(handles);
    this.router = ModelRouter.of(settings, providers);
  }

  public SwitchboardSettings settings() {
    return settings;
  }

  public ModelRouter router() {
    return router;
  }

  public RecordingKeys keys() {
    return keys;
  }

  /** The model's deployments in configuration order (the first is tried first under {@code ordered}). */
  public List<Deployment> deployments(String model) {
    return router.route(model).orElseThrow();
  }

  public ScriptedUpstream upstream(String providerId) {
    return upstreams.get(providerId);
  }

  /** Every upstream call made, at any provider. */
  public int upstreamCalls() {
    return upstreams.values().stream().mapToInt(u -> u.calls().size()).sum();
  }

  /** Admitted calls the provider holds permits for, as its admission actor reports them. */
  public int inFlight(String providerId) {
    return join(providers.get(providerId).orElseThrow().status()).inFlight();
  }

  /** Takes a permit at the provider, as a request would, and holds it until the test releases it. */
  public Permit holdSlot(String providerId, String upstreamModel) {
    return join(providers.get(providerId).orElseThrow()
        .acquire(upstreamModel, 1, clock.millis() + WAIT.toMillis(), false));
  }

  /** The node's metering, with {@link #keys} as the key actors and {@code ledger} as the usage ledger. */
  public Metering metering(ActorRef<UsageLedger.Command> ledger) {
    return new Metering(new KeyAdmission(keys), ledger, MAPPER, clock);
  }

  /** As {@link #metering(ActorRef)}, writing usage with {@code usage}'s durability, waiting on {@code scheduler}. */
  public Metering metering(ActorRef<UsageLedger.Command> ledger, io.switchboard.config.UsageSettings usage,
      org.apache.pekko.actor.typed.Scheduler scheduler) {
    return new Metering(new KeyAdmission(keys), ledger, MAPPER, clock, usage, scheduler);
  }

  /** A key that goes through its own admission (it has a budget) when {@code limited}; empty models: any. */
  public static ApiKey key(String id, boolean limited, String... allowedModels) {
    return new ApiKey(id, id, Set.of(allowedModels), 0, 0,
        limited ? Optional.of(new BigDecimal("100")) : Optional.empty(), Optional.empty(), false,
        Instant.parse("2026-01-01T00:00:00Z"), Optional.empty());
  }

  public static ChatCompletionRequest chat(String json) {
    try {
      return MAPPER.readValue(json, ChatCompletionRequest.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An OpenAI chat completion saying {@code text}, with the usage the upstream reports (none when negative). */
  public static ByteString completion(String text, int promptTokens, int completionTokens) {
    String usage = promptTokens < 0 ? "" : ",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}"
        .formatted(promptTokens, completionTokens, promptTokens + completionTokens);
    return ByteString.fromString("""
        {"id":"chatcmpl-1","object":"chat.completion","created":1767225600,"model":"m","choices":[{"index":0,\
        "message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}]%s}""".formatted(text, usage));
  }

  /** An Anthropic message saying {@code text}, as an Anthropic upstream answers. */
  public static ByteString anthropicMessage(String text, int inputTokens, int outputTokens) {
    return ByteString.fromString("""
        {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"%s"}],\
        "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":%d,"output_tokens":%d}}"""
        .formatted(text, inputTokens, outputTokens));
  }

  /** OpenAI stream events carrying {@code parts} as content, then {@code [DONE]}; no usage chunk. */
  public static List<ByteString> streamEvents(String... parts) {
    List<ByteString> events = new ArrayList<>();
    for (String part : parts) {
      events.add(ByteString.fromString("""
          data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"m","choices":[{"index":0,\
          "delta":{"content":"%s"},"finish_reason":null}]}

          """.formatted(part)));
    }
    events.add(ByteString.fromString("data: [DONE]\n\n"));
    return events;
  }

  /** An upstream 5xx: retried, and a provider fault that sends the request to the next deployment. */
  public static UpstreamException serverError(String provider) {
    return new UpstreamException(UpstreamException.Kind.SERVER_ERROR, provider,
        "Provider '" + provider + "' answered 503.", 503, "{\"error\":{\"message\":\"down\"}}", null, null);
  }

  /** An upstream 400: the request's own fault, neither retried nor sent elsewhere. */
  public static UpstreamException badRequest(String provider) {
    return new UpstreamException(UpstreamException.Kind.REQUEST_REJECTED, provider,
        "Provider '" + provider + "' answered 400.", 400, "{\"error\":{\"message\":\"bad\"}}", null, null);
  }

  private static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete: " + e, e);
    }
  }

  /**
   * An upstream that answers from a script, one step per call, and remembers each call with the time it
   * was made (on the fixture's clock). With the script empty it answers at once: a whole OpenAI completion
   * ({@code "ok"}, 11 prompt and 7 completion tokens), or, to an Anthropic request when it passes Anthropic
   * through, an Anthropic message (5 in, 3 out).
   */
  public static final class ScriptedUpstream implements Upstream {
    /** One call as the upstream received it. */
    public record Sent(UpstreamCall call, long atMillis) {}

    private final String provider;
    private final boolean anthropic;
    private final Clock clock;
    private final Queue<Function<UpstreamCall, CompletionStage<UpstreamReply>>> script = new ArrayDeque<>();
    private final List<Sent> calls = new CopyOnWriteArrayList<>();

    ScriptedUpstream(String provider, boolean anthropic, Clock clock) {
      this.provider = provider;
      this.anthropic = anthropic;
      this.clock = clock;
    }

    @Override
    public CompletionStage<UpstreamReply> send(UpstreamCall call) {
      synchronized (calls) {
        calls.add(new Sent(call, clock.millis()));
        calls.notifyAll();
      }
      Function<UpstreamCall, CompletionStage<UpstreamReply>> step;
      synchronized (script) {
        step = script.poll();
      }
      if (step != null) return step.apply(call);
      ByteString body = anthropic && call.anthropicBody() != null ? anthropicMessage("ok", 5, 3) : completion("ok", 11, 7);
      return CompletableFuture.completedFuture(new UpstreamReply.Complete(body));
    }

    @Override
    public boolean passesAnthropicThrough() {
      return anthropic;
    }

    /** The next call is answered by {@code step}. */
    public ScriptedUpstream then(Function<UpstreamCall, CompletionStage<UpstreamReply>> step) {
      synchronized (script) {
        script.add(step);
      }
      return this;
    }

    public ScriptedUpstream answers(UpstreamReply reply) {
      return then(call -> CompletableFuture.completedFuture(reply));
    }

    public ScriptedUpstream fails(UpstreamException failure) {
      return then(call -> CompletableFuture.failedFuture(failure));
    }

    public List<Sent> calls() {
      return calls;
    }

    /** Whether the upstream has been called {@code count} times, waiting up to {@code within} for it. */
    public boolean awaitCalls(int count, Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      synchronized (calls) {
        for (long left = within.toNanos(); calls.size() < count && left > 0; left = deadline - System.nanoTime()) {
          TimeUnit.NANOSECONDS.timedWait(calls, left);
        }
        return calls.size() >= count;
      }
    }

    public String provider() {
      return provider;
    }
  }

  /**
   * Key actors that admit every request and remember what each reserved ({@link ApiKeyActor.Acquire}) and
   * how each permit was settled ({@link ApiKeyActor.Release}), so a test can count settlements.
   */
  public static final class RecordingKeys implements KeyEntities {
    public record Reserved(String keyId, long tokens, BigDecimal maxCostUsd) {}

    public record Settled(String keyId, long permitId, long tokens, BigDecimal costUsd) {}

    private final AtomicLong permits = new AtomicLong();
    private final List<Reserved> reserved = new CopyOnWriteArrayList<>();
    private final List<Settled> settled = new CopyOnWriteArrayList<>();

    @Override
    public void tell(String keyId, ApiKeyActor.Command command) {
      if (command instanceof ApiKeyActor.Release release) {
        settled.add(new Settled(keyId, release.permitId(), release.tokens(), release.costUsd()));
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletionStage<R> ask(String keyId, Function<ActorRef<R>, ApiKeyActor.Command> message,
        Duration timeout) {
      ApiKeyActor.Command command = message.apply(null);
      if (command instanceof ApiKeyActor.Acquire acquire) {
        reserved.add(new Reserved(keyId, acquire.tokens(), acquire.maxCostUsd()));
        return CompletableFuture.completedFuture((R) new ApiKeyActor.Granted(permits.incrementAndGet()));
      }
      return CompletableFuture.failedFuture(new UnsupportedOperationException(command.toString()));
    }

    @Override
    public void forget(String keyId) {}

    public List<Reserved> reserved() {
      return reserved;
    }

    public List<Settled> settled() {
      return settled;
    }
  }
}
