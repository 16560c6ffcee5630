package io.switchboard.provider.simulated;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.ChunkChoice;
import io.switchboard.api.openai.Choice;
import io.switchboard.api.openai.Delta;
import io.switchboard.api.openai.Usage;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.EmbeddingCall;
import io.switchboard.provider.EmbeddingList;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import scala.concurrent.ExecutionContext;

/**
 * An in-process provider that answers like OpenAI, with no network and no key: deterministic text,
 * a configured time to first token, a configured pace of tokens, and a configured share of failures.
 * Every answer says it is simulated ({@code system_fingerprint} {@value #FINGERPRINT}).
 *
 * <p>Delays run on the actor system's scheduler, so tests can drive them with Pekko's
 * {@code ManualTime}. Failures follow a sequence fixed by the seed: the n-th request fails or not
 * whatever the content, so the same run of requests fails in the same places every time.
 */
public final class SimulatedUpstream implements Upstream {
  public static final String FINGERPRINT = "switchboard-simulated";

  private static final ByteString DONE = ByteString.fromString("data: [DONE]\n\n");

  private final ProviderSettings settings;
  private final ProviderSettings.Simulated sim;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final org.apache.pekko.actor.Scheduler scheduler;
  private final ExecutionContext executor;
  private final AtomicLong requests = new AtomicLong();
  /** Keeps response ids unique across restarts; the text and the failure sequence stay seeded. */
  private final long idSalt = new SplittableRandom().nextLong();

  public SimulatedUpstream(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper, Clock clock) {
    this.settings = settings;
    this.sim = settings.simulated();
    this.mapper = mapper;
    this.clock = clock;
    this.scheduler = system.classicSystem().scheduler();
    this.executor = system.executionContext();
  }

  @Override
  public EmbeddingSupport embeddings() {
    return EmbeddingSupport.TEXT_AND_TOKENS;
  }

  /**
   * Deterministic vectors ({@link SimulatedEmbeddings}) after the provider's {@code latency}, failing
   * as often as its {@code error-rate} says; no usage is reported, so the gateway's own count is used.
   */
  @Override
  public CompletionStage<UpstreamReply> embed(EmbeddingCall call) {
    long sequence = requests.getAndIncrement();
    if (fails(sequence)) {
      return after(sim.latency(), () -> CompletableFuture.failedFuture(new UpstreamException(
          UpstreamException.Kind.SERVER_ERROR, settings.id(),
          "Provider '" + settings.id() + "' (simulated) failed this request on purpose: its error-rate is "
              + sim.errorRate() + ".",
          500, null, null, null)));
    }
    List<float[]> vectors = call.inputs().stream()
        .map(input -> SimulatedEmbeddings.vector(call.upstreamModel(), input, call.dimensions())).toList();
    ByteString body = new EmbeddingList(vectors, call.upstreamModel(), null).toJson(mapper);
    return after(sim.latency(), () -> CompletableFuture.completedFuture(new UpstreamReply.Complete(body)));
  }

  @Override
  public CompletionStage<UpstreamReply> send(UpstreamCall call) {
    long sequence = requests.getAndIncrement();
    if (fails(sequence)) {
      return after(sim.latency(), () -> CompletableFuture.failedFuture(new UpstreamException(
          UpstreamException.Kind.SERVER_ERROR, settings.id(),
          "Provider '" + settings.id() + "' (simulated) failed this request on purpose: its error-rate is "
              + sim.errorRate() + ".",
          500, null, null, null)));
    }
    Answer answer = answer(call, sequence);
    if (!call.stream()) {
      Duration total = sim.latency().plus(interval().multipliedBy(Math.max(0, answer.tokens.size() - 1)));
      return after(total, () -> CompletableFuture.completedFuture(new UpstreamReply.Complete(completion(answer))));
    }
    return CompletableFuture.completedFuture(new UpstreamReply.Streaming(Source.from(events(answer))
        .mapAsync(1, timed -> after(timed.delay(), () -> CompletableFuture.completedFuture(timed.bytes())))));
  }

  /** Whether the request with this sequence number fails: a pure function of seed and sequence. */
  boolean fails(long sequence) {
    if (sim.errorRate() <= 0.0) return false;
    if (sim.errorRate() >= 1.0) return true;
    double draw = (mix(sim.seed() + sequence * 0x9E3779B97F4A7C15L) >>> 11) * 0x1.0p-53;
    return draw < sim.errorRate();
  }

  /** The pause before each token: the latency before the first, then one token interval each. */
  Duration interval() {
    return sim.tokensPerSecond() <= 0 ? Duration.ZERO
        : Duration.ofNanos(Math.round(1_000_000_000L / sim.tokensPerSecond()));
  }

  private record Answer(String id, long created, String model, int promptTokens, List<String> tokens,
      String finishReason, boolean includeUsage) {}

  private record Timed(Duration delay, ByteString bytes) {}

  private Answer answer(UpstreamCall call, long sequence) {
    ChatCompletionRequest request = call.request();
    Integer limit = request.outputTokenLimit();
    int natural = sim.defaultCompletionTokens();
    int count = limit == null ? natural : Math.max(0, Math.min(natural, limit));
    String finish = limit != null && limit < natural ? "length" : "stop";
    return new Answer(
        "chatcmpl-sim-" + Long.toHexString(mix(idSalt ^ sequence) & Long.MAX_VALUE),
        clock.instant().getEpochSecond(),
        call.upstreamModel(),
        SimulatedText.promptTokens(request.messages()),
        SimulatedText.tokens(sim.seed(), request.messages(), count),
        finish,
        request.includeUsage());
  }

  private ByteString completion(Answer a) {
    ChatMessage message = new ChatMessage("assistant", mapper.getNodeFactory().textNode(String.join("", a.tokens)),
        null, null, null, Map.of());
    return json(new ChatCompletion(a.id, ChatCompletion.OBJECT, a.created, a.model,
        List.of(new Choice(0, message, a.finishReason, NullNode.getInstance(), Map.of())), usage(a), FINGERPRINT,
        Map.of()));
  }

  private List<Timed> events(Answer a) {
    List<Timed> events = new ArrayList<>(a.tokens.size() + 4);
    events.add(new Timed(sim.latency(), chunk(a, new Delta("assistant", "", null, Map.of()), null)));
    for (int i = 0; i < a.tokens.size(); i++) {
      events.add(new Timed(i == 0 ? Duration.ZERO : interval(),
          chunk(a, new Delta(null, a.tokens.get(i), null, Map.of()), null)));
    }
    events.add(new Timed(Duration.ZERO, chunk(a, new Delta(null, null, null, Map.of()), a.finishReason)));
    if (a.includeUsage) {
      events.add(new Timed(Duration.ZERO, event(new ChatCompletionChunk(a.id, ChatCompletionChunk.OBJECT, a.created,
          a.model, FINGERPRINT, List.of(), usage(a), Map.of()))));
    }
    events.add(new Timed(Duration.ZERO, DONE));
    return events;
  }

  private ByteString chunk(Answer a, Delta delta, String finishReason) {
    return event(new ChatCompletionChunk(a.id, ChatCompletionChunk.OBJECT, a.created, a.model, FINGERPRINT,
        List.of(new ChunkChoice(0, delta, finishReason, NullNode.getInstance(), Map.of())), null, Map.of()));
  }

  private static Usage usage(Answer a) {
    return Usage.of(a.promptTokens, a.tokens.size());
  }

  private ByteString event(Object chunk) {
    return ByteString.fromString("data: ").concat(json(chunk)).concat(ByteString.fromString("\n\n"));
  }

  private ByteString json(Object value) {
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("simulated answer could not be written", e);
    }
  }

  private <T> CompletionStage<T> after(Duration delay, java.util.concurrent.Callable<CompletionStage<T>> value) {
    if (delay.isZero()) {
      try {
        return value.call();
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return Patterns.after(delay, scheduler, executor, value);
  }

  /** SplitMix64's finalizer: spreads a counter into well-mixed bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
