package io.switchboard.completions;

import io.switchboard.exchange.Answer;
import io.switchboard.exchange.PassThrough;
import io.switchboard.exchange.RequestRefusedException;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.TextCompletionCall;
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
 * One legacy {@code POST /v1/completions} call, passed through to the OpenAI-compatible hosts that
 * still serve it ({@code openai.completions = on}), with the machinery of a chat: the model resolved
 * and the key permitted to use it; only the deployments whose upstream serves text completions kept
 * (none: 400 {@code completions_not_supported}, naming the model's provider); the prompt counted
 * (texts by {@link TokenEstimator}, token arrays by their length) and {@code max_tokens} (default 16)
 * times {@code max(n, best_of)} reserved for output, at the key and at the provider; dispatched with
 * retries and fallbacks; settled with the usage the upstream reported (else counted from the text),
 * plain or when the stream ends.
 */
public final class TextCompletionsPipeline {
  private final ModelRouter router;
  private final TokenEstimator estimator;
  private final Metering metering;
  private final Dispatcher dispatcher;
  private final PassThrough passThrough;

  public TextCompletionsPipeline(ModelRouter router, TokenEstimator estimator, Metering metering,
      Dispatcher dispatcher, Telemetry telemetry, UsageReader usage, Function<Throwable, String> errorLabel) {
    this.router = router;
    this.estimator = estimator;
    this.metering = metering;
    this.dispatcher = dispatcher;
    this.passThrough = new PassThrough(telemetry, usage, errorLabel);
  }

  /** The answer in OpenAI's dialect: settled already when whole, by whoever sends it when a stream. */
  public CompletionStage<Answer> serve(TextCompletionsCall call) {
    String model = call.request().model();
    List<Deployment> deployments = router.route(model).orElse(null);
    if (deployments == null) return CompletableFuture.failedFuture(new ModelNotFoundException(model));
    CompletionStage<Answer> answer;
    try {
      answer = admitted(call, deployments);
    } catch (RuntimeException refused) {
      answer = CompletableFuture.failedFuture(refused);
    }
    return passThrough.counted(model, call.startedNanos(), answer);
  }

  private CompletionStage<Answer> admitted(TextCompletionsCall call, List<Deployment> routed) {
    TextCompletionRequest request = call.request();
    call.caller().key().filter(key -> !key.mayUse(request.model())).ifPresent(key -> {
      throw new ModelNotAllowedException(key, request.model());
    });
    List<Deployment> deployments = routed.stream().filter(d -> d.provider().upstream().completesText()).toList();
    if (deployments.isEmpty()) {
      throw new RequestRefusedException("completions_not_supported", "model", "The provider of model '"
          + request.model() + "' (" + routed.get(0).provider().id() + ") does not offer text completions"
          + " (POST /v1/completions). Use POST /v1/chat/completions, or a model served by an OpenAI-compatible"
          + " host that has them (switchboard.providers.<id>.openai.completions = on).");
    }
    PromptEstimate prompt = PromptEstimate.of(estimator, upstreamModel -> {
      long tokens = request.promptTokenIds();
      for (String text : request.promptTexts()) tokens += estimator.textTokens(text, upstreamModel);
      return (int) Math.min(Integer.MAX_VALUE, tokens);
    });
    Dispatcher.Work work = new Dispatcher.Work() {
      @Override
      public int outputReservation(Deployment deployment) {
        return request.outputReservation();
      }

      @Override
      public CompletionStage<UpstreamReply> send(Deployment d) {
        return d.provider().upstream().completeText(
            new TextCompletionCall(request.body(), request.model(), d.upstreamModel(), request.stream()));
      }
    };
    return metering.open(call.caller(), request.model(), prompt, d -> request.outputReservation(), deployments,
            call.trace().requestId())
        .thenCompose(meter -> meter.watch(dispatcher.dispatch(Dispatcher.Request.of(work, prompt, deployments,
                call.maxWait(), call.trace(), meter)))
            .thenApply(dispatched -> passThrough.settle(call.request().model(), call.startedNanos(), dispatched, meter))
            .thenCompose(meter::afterRecord));
  }
}
