package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.exchange.Answer;
import io.switchboard.exchange.PassThrough;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.ResponsesCall;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UsageReader;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelNotFoundException;
import io.switchboard.routing.ModelRouter;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Meter;
import io.switchboard.usage.Metering;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code POST /v1/responses} passed through to upstreams that serve the Responses API themselves
 * ({@code openai.responses-api = native}), with the machinery of a chat: the model resolved and the key
 * permitted to use it; only the model's native deployments tried, in order, with retries and fallbacks
 * among them (a chat-only deployment of the same model is not a fallback: its answer would be a chat
 * completion); the input counted as text (its JSON, a deliberate over-estimate) and
 * {@code max_output_tokens} (else the deployment's {@code max-output-tokens}) reserved at the key and at
 * the provider; settled with the usage the upstream reported in the Responses shape
 * ({@code input_tokens}, {@code output_tokens}), plain or when the stream ends.
 *
 * <p>Which requests come here is {@link #serves}: a model with at least one native deployment.
 */
public final class NativeResponsesPipeline {
  private final ModelRouter router;
  private final TokenEstimator estimator;
  private final Metering metering;
  private final Dispatcher dispatcher;
  private final PassThrough passThrough;

  public NativeResponsesPipeline(ModelRouter router, TokenEstimator estimator, Metering metering,
      Dispatcher dispatcher, Telemetry telemetry, UsageReader usage, Function<Throwable, String> errorLabel) {
    this.router = router;
    this.estimator = estimator;
    this.metering = metering;
    this.dispatcher = dispatcher;
    this.passThrough = new PassThrough(telemetry, usage, errorLabel);
  }

  /** Whether {@code model} has a deployment on a provider with {@code openai.responses-api = native}. */
  public boolean serves(String model) {
    return router.route(model).map(ds -> ds.stream().anyMatch(NativeResponsesPipeline::isNative)).orElse(false);
  }

  private static boolean isNative(Deployment d) {
    return d.provider().upstream().servesResponses();
  }

  /** The answer in OpenAI's dialect: settled already when whole, by whoever sends it when a stream. */
  public CompletionStage<Answer> serve(NativeResponsesCall call) {
    List<Deployment> routed = router.route(call.model()).orElse(null);
    CompletionStage<Answer> answer;
    if (routed == null) {
      answer = CompletableFuture.failedFuture(new ModelNotFoundException(call.model()));
    } else {
      try {
        answer = admitted(call, routed.stream().filter(NativeResponsesPipeline::isNative).toList());
      } catch (RuntimeException refused) {
        answer = CompletableFuture.failedFuture(refused);
      }
    }
    return passThrough.counted(call.model(), call.startedNanos(), answer);
  }

  private CompletionStage<Answer> admitted(NativeResponsesCall call, List<Deployment> deployments) {
    call.caller().key().filter(key -> !key.mayUse(call.model())).ifPresent(key -> {
      throw new ModelNotAllowedException(key, call.model());
    });
    if (deployments.isEmpty()) throw new ModelNotFoundException(call.model());
    String promptText = call.body().path("instructions").asText("") + call.body().path("input").toString();
    PromptEstimate prompt = PromptEstimate.of(estimator, upstreamModel -> estimator.textTokens(promptText, upstreamModel));
    JsonNode maxOutput = call.body().path("max_output_tokens");
    Function<Deployment, Integer> output = d -> maxOutput.canConvertToInt() && maxOutput.intValue() > 0
        ? maxOutput.intValue() : d.settings().maxOutputTokens();
    Dispatcher.Work work = new Dispatcher.Work() {
      @Override
      public int outputReservation(Deployment deployment) {
        return output.apply(deployment);
      }

      @Override
      public CompletionStage<UpstreamReply> send(Deployment d) {
        return d.provider().upstream().respond(new ResponsesCall(call.body(), d.upstreamModel(), call.stream()));
      }
    };
    return metering.open(call.caller(), call.model(), prompt, output::apply, deployments, call.trace().requestId())
        .thenCompose(meter -> meter.watch(dispatcher.dispatch(Dispatcher.Request.of(work, prompt, deployments,
                call.maxWait(), call.trace(), meter)))
            .thenApply(dispatched -> passThrough.settle(call.model(), call.startedNanos(), dispatched, meter))
            .thenCompose(meter::afterRecord));
  }
}
