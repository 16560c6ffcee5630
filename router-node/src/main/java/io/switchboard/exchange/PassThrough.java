package io.switchboard.exchange;

import io.switchboard.config.ProviderKind;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UsageReader;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.usage.Meter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The end of a call whose upstream answers in OpenAI's dialect and whose bytes are passed through
 * (legacy text completions, a native Responses upstream): the permit released, the key settled by the
 * {@link Meter}, the telemetry told once, whole answers at once and streams when their sender ends them.
 */
public final class PassThrough {
  private final Telemetry telemetry;
  private final UsageReader usage;
  private final Function<Throwable, String> errorLabel;

  /** @param errorLabel the label a failed call's metrics carry (the HTTP layer's status for it) */
  public PassThrough(Telemetry telemetry, UsageReader usage, Function<Throwable, String> errorLabel) {
    this.telemetry = telemetry;
    this.usage = usage;
    this.errorLabel = errorLabel;
  }

  /** {@code answer}, with its failure (a refusal, or every deployment failing) counted once for {@code model}. */
  public CompletionStage<Answer> counted(String model, long startedNanos, CompletionStage<Answer> answer) {
    return answer.whenComplete((ok, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        telemetry.requestEnded(model, null, null, System.nanoTime() - startedNanos, errorLabel.apply(cause));
      }
    });
  }

  /** The answer of a dispatched call for {@code model}, settled already when whole, by its sender when a stream. */
  public Answer settle(String model, long startedNanos, Dispatcher.Dispatched dispatched, Meter meter) {
    Deployment d = dispatched.deployment();
    Answer.Served served = new Answer.Served(d.label(), d.provider().settings().kind() == ProviderKind.SIMULATED,
        Answer.Cache.NOT_USED);
    if (dispatched.reply() instanceof UpstreamReply.Streaming streaming) {
      telemetry.firstEvent(model, d, System.nanoTime() - startedNanos);
      Consumer<CallOutcome> release = outcome -> {
        dispatched.permit().release(outcome);
        ended(model, startedNanos, dispatched, outcome);
      };
      Meter.Streaming metered = meter.streaming(d, streaming.events(), release);
      return new Answer.Streaming(metered.events(), Dialect.OPENAI, served, streaming.signals(), metered.settle(),
          metered.recorded());
    }
    UpstreamReply.Complete complete = (UpstreamReply.Complete) dispatched.reply();
    TokenUsage used = usage.fromCompletion(complete.body()).orElse(null);
    CallOutcome outcome = new CallOutcome.Succeeded(used, complete.signals());
    dispatched.permit().release(outcome);
    ended(model, startedNanos, dispatched, outcome);
    meter.answered(d, used, complete.body());
    return new Answer.Complete(complete.body(), Dialect.OPENAI, served);
  }

  private void ended(String model, long startedNanos, Dispatcher.Dispatched dispatched, CallOutcome outcome) {
    long now = System.nanoTime();
    telemetry.callEnded(dispatched.deployment(), outcome, now - dispatched.sentNanos());
    TokenUsage used = outcome instanceof CallOutcome.Succeeded s ? s.usage() : null;
    String error = outcome instanceof CallOutcome.Succeeded ? null
        : outcome instanceof CallOutcome.NotSent ? "client_closed" : "stream_failed";
    telemetry.requestEnded(model, dispatched.deployment(), used, now - startedNanos, error);
  }
}
