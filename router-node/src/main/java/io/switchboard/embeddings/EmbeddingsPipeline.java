package io.switchboard.embeddings;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.Capability;
import io.switchboard.config.ProviderKind;
import io.switchboard.exchange.Answer;
import io.switchboard.exchange.RequestRefusedException;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.EmbeddingCall;
import io.switchboard.provider.EmbeddingInput;
import io.switchboard.provider.EmbeddingList;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelNotFoundException;
import io.switchboard.routing.ModelRouter;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Meter;
import io.switchboard.usage.Metering;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.pekko.util.ByteString;

/**
 * One {@code POST /v1/embeddings} call, through the same machinery as a chat:
 *
 * <ol>
 *   <li><b>resolve</b> the model ({@link ModelNotFoundException}) and <b>permit</b> the key to use it
 *       ({@link ModelNotAllowedException});
 *   <li><b>choose</b> the deployments that can take the request: the catalog marks them
 *       {@code embeddings}, their upstream takes the inputs (token arrays only where the upstream speaks
 *       OpenAI or is simulated), their provider's {@code embeddings.max-inputs} is not exceeded, and no
 *       input is longer than their {@code context-window} (which for an embedding model is per input).
 *       None: 400 ({@link RequestRefusedException}) saying why. A batch too large is refused, not
 *       split: one request stays one upstream call, one admission and one usage record;
 *   <li><b>count</b> the inputs once per upstream model (jtokkit for OpenAI-family models, the
 *       documented estimate otherwise; a token array counts its length);
 *   <li><b>admit the key</b> ({@link Metering}: its limits and budget; nothing reserved for output);
 *   <li><b>dispatch</b> ({@link Dispatcher}): provider admission reserving the prompt tokens against its
 *       TPM, retries and fallbacks as for a chat;
 *   <li><b>settle</b>: the provider permit and the key with the upstream's prompt count (else ours),
 *       one usage record costing prompt tokens only, and the answer written in OpenAI's shape, as floats
 *       or base64.
 * </ol>
 */
public final class EmbeddingsPipeline {
  private final ModelRouter router;
  private final TokenEstimator estimator;
  private final Metering metering;
  private final Dispatcher dispatcher;
  private final Telemetry telemetry;
  private final ObjectMapper mapper;
  private final Function<Throwable, String> errorLabel;

  /** What the client is sent, and the deployment that served it. */
  public record Embedded(ByteString body, Answer.Served served) {}

  public EmbeddingsPipeline(ModelRouter router, TokenEstimator estimator, Metering metering, Dispatcher dispatcher,
      Telemetry telemetry, ObjectMapper mapper, Function<Throwable, String> errorLabel) {
    this.router = router;
    this.estimator = estimator;
    this.metering = metering;
    this.dispatcher = dispatcher;
    this.telemetry = telemetry;
    this.mapper = mapper;
    this.errorLabel = errorLabel;
  }

  public CompletionStage<Embedded> serve(EmbeddingsCall call) {
    String model = call.request().model();
    List<Deployment> deployments = router.route(model).orElse(null);
    if (deployments == null) return CompletableFuture.failedFuture(new ModelNotFoundException(model));
    CompletionStage<Embedded> embedded;
    try {
      embedded = admitted(call, deployments);
    } catch (RuntimeException refused) {
      embedded = CompletableFuture.failedFuture(refused);
    }
    return embedded.whenComplete((ok, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        telemetry.requestEnded(model, null, null, System.nanoTime() - call.startedNanos(), errorLabel.apply(cause));
      }
    });
  }

  private CompletionStage<Embedded> admitted(EmbeddingsCall call, List<Deployment> routed) {
    EmbeddingsRequest request = call.request();
    call.caller().key().filter(key -> !key.mayUse(request.model())).ifPresent(key -> {
      throw new ModelNotAllowedException(key, request.model());
    });
    InputCounts counts = new InputCounts(request.inputs());
    List<Deployment> deployments = candidates(request, routed, counts);
    PromptEstimate prompt = PromptEstimate.of(estimator, counts::total);
    Dispatcher.Work work = new Dispatcher.Work() {
      @Override
      public int outputReservation(Deployment deployment) {
        return 0;
      }

      @Override
      public boolean checksContextWindow() {
        return false;
      }

      @Override
      public CompletionStage<UpstreamReply> send(Deployment d) {
        return d.provider().upstream().embed(
            new EmbeddingCall(request.inputs(), d.upstreamModel(), request.dimensions(), request.user()));
      }
    };
    return metering.open(call.caller(), request.model(), prompt, d -> 0, deployments, call.trace().requestId())
        .thenCompose(meter -> meter.watch(dispatcher.dispatch(Dispatcher.Request.of(work, prompt, deployments,
                call.maxWait(), call.trace(), meter)))
            .thenApply(dispatched -> settle(call, dispatched, prompt, meter))
            .thenCompose(meter::afterRecord));
  }

  /** The deployments that can serve {@code request}, in the model's order; a 400 saying why when none can. */
  private List<Deployment> candidates(EmbeddingsRequest request, List<Deployment> routed, InputCounts counts) {
    String model = request.model();
    List<Deployment> embedding = routed.stream()
        .filter(d -> d.settings().capabilities().contains(Capability.EMBEDDINGS)).toList();
    if (embedding.isEmpty()) {
      throw new RequestRefusedException("model_not_embeddings", "model", "The model '" + model
          + "' is not an embedding model. GET /v1/models?capability=embeddings lists the models that are.");
    }
    EmbeddingCall probe = new EmbeddingCall(request.inputs(), model, null, null);
    List<Deployment> taking = embedding.stream().filter(d -> d.provider().upstream().embeddings().takes(probe)).toList();
    if (taking.isEmpty()) {
      throw request.tokenized()
          ? new RequestRefusedException("unsupported_input", "input", "The providers of model '" + model
              + "' take text inputs only, not token arrays. Send the inputs as strings.")
          : new RequestRefusedException("model_not_embeddings", "model", "No provider of model '" + model
              + "' serves embeddings (only OpenAI-compatible, Ollama and simulated providers do).");
    }
    int inputs = request.inputs().size();
    List<Deployment> fitting = taking.stream()
        .filter(d -> inputs <= d.provider().settings().embeddings().maxInputs()).toList();
    if (fitting.isEmpty()) {
      int most = taking.stream().mapToInt(d -> d.provider().settings().embeddings().maxInputs()).max().orElse(0);
      throw new RequestRefusedException("too_many_inputs", "input", "This request has " + inputs
          + " inputs; model '" + model + "' takes at most " + most + " per request (embeddings.max-inputs of its"
          + " providers). Send them in several requests of at most " + most + " inputs.");
    }
    List<Deployment> windowed = fitting.stream().filter(d -> fitsWindow(d, counts)).toList();
    if (windowed.isEmpty()) {
      Deployment first = fitting.get(0);
      int index = counts.longest(first.upstreamModel());
      throw new RequestRefusedException("context_length_exceeded", "input", "Input " + index + " is about "
          + counts.of(first.upstreamModel())[index] + " tokens, more than the " + first.settings().contextWindow()
          + "-token limit per input of " + first.label() + ". Shorten it or split it into several inputs.");
    }
    return windowed;
  }

  private static boolean fitsWindow(Deployment d, InputCounts counts) {
    int window = d.settings().contextWindow();
    if (window <= 0) return true;
    int[] tokens = counts.of(d.upstreamModel());
    return tokens[counts.longest(d.upstreamModel())] <= window;
  }

  private Embedded settle(EmbeddingsCall call, Dispatcher.Dispatched dispatched, PromptEstimate prompt, Meter meter) {
    Deployment d = dispatched.deployment();
    UpstreamReply.Complete reply = (UpstreamReply.Complete) dispatched.reply();
    EmbeddingList list;
    try {
      list = EmbeddingList.read(mapper, reply.body());
    } catch (IllegalArgumentException unreadable) {
      // Every upstream checks its answer before it gets here; this is the last guard against passing garbage on.
      UpstreamException malformed = new UpstreamException(UpstreamException.Kind.MALFORMED_RESPONSE, d.provider().id(),
          "Provider '" + d.provider().id() + "' answered with " + unreadable.getMessage() + ".", 200, null, null, null);
      dispatched.permit().release(Dispatcher.failed(malformed));
      meter.callFailed(d, malformed);
      throw malformed;
    }
    int promptTokens = list.promptTokens() != null ? list.promptTokens() : prompt.tokens(d.upstreamModel());
    TokenUsage used = new TokenUsage(promptTokens, 0);
    CallOutcome outcome = new CallOutcome.Succeeded(used, reply.signals());
    dispatched.permit().release(outcome);
    long now = System.nanoTime();
    telemetry.callEnded(d, outcome, now - dispatched.sentNanos());
    telemetry.requestEnded(call.request().model(), d, used, now - call.startedNanos(), null);
    meter.answered(d, used, reply.body());
    String model = list.model() != null && !list.model().isBlank() ? list.model() : d.upstreamModel();
    ByteString body = list.toJson(mapper, call.request().base64(), model, promptTokens);
    return new Embedded(body, new Answer.Served(d.label(),
        d.provider().settings().kind() == ProviderKind.SIMULATED, Answer.Cache.NOT_USED));
  }

  /** Each input's tokens at an upstream model, counted once per model. */
  private final class InputCounts {
    private final List<EmbeddingInput> inputs;
    private final Map<String, int[]> byModel = new ConcurrentHashMap<>(2);

    InputCounts(List<EmbeddingInput> inputs) {
      this.inputs = inputs;
    }

    int[] of(String upstreamModel) {
      return byModel.computeIfAbsent(upstreamModel, model -> {
        int[] counts = new int[inputs.size()];
        for (int i = 0; i < counts.length; i++) {
          EmbeddingInput input = inputs.get(i);
          counts[i] = input instanceof EmbeddingInput.Text text ? estimator.textTokens(text.text(), model)
              : ((EmbeddingInput.Tokens) input).ids().length;
        }
        return counts;
      });
    }

    int total(String upstreamModel) {
      long sum = 0;
      for (int count : of(upstreamModel)) sum += count;
      return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    /** The index of the longest input at {@code upstreamModel}. */
    int longest(String upstreamModel) {
      int[] counts = of(upstreamModel);
      int longest = 0;
      for (int i = 1; i < counts.length; i++) if (counts[i] > counts[longest]) longest = i;
      return longest;
    }
  }
}
