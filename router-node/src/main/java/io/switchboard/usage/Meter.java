package io.switchboard.usage;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.keys.KeyAdmission;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamException;
import io.switchboard.routing.ClientGoneException;
import io.switchboard.routing.Deployment;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.routing.Dispatcher;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One request's accounting, from admission to its end: records each upstream call in the ledger and
 * settles the key's reservation exactly once, with the cost of the call that answered (failed calls
 * cost nothing), or with nothing when no call answered. A stream that broke and was continued on another
 * deployment ({@link Streaming#failedOver}) is the exception: what it streamed is charged too, with the
 * call that ends the request.
 */
public final class Meter implements Dispatcher.CallListener {
  /** @param route the auto route asked for, with {@code routeReason}; both null when the client named a model */
  record Context(String requestId, String keyId, String model, PromptEstimate prompt, long startNanos,
      String route, String routeReason) {}

  private final Metering metering;
  private final Context context;
  private final KeyAdmission.Permit permit;
  private final AtomicBoolean settled = new AtomicBoolean();
  /** The prompts of calls cancelled after they were sent, charged when nothing else answers. */
  private volatile long cancelledTokens;
  private volatile BigDecimal cancelledCost = BigDecimal.ZERO;
  /** What calls of this request that were continued elsewhere used: charged with the call that ends it. */
  private long carriedTokens;
  private BigDecimal carriedCost = BigDecimal.ZERO;
  /** The whole answer's record, durable (see {@link Metering}); complete until {@link #answered}. */
  private volatile CompletionStage<Done> answerRecorded = CompletableFuture.completedFuture(Done.getInstance());

  Meter(Metering metering, Context context, KeyAdmission.Permit permit) {
    this.metering = metering;
    this.context = context;
    this.permit = permit;
  }

  /**
   * {@code dispatch}, settling the key's reservation when no upstream answered: with nothing spent, or with
   * the prompt of a call that was cancelled after it was sent (see {@link #callFailed}).
   */
  public <T> CompletionStage<T> watch(CompletionStage<T> dispatch) {
    return dispatch.whenComplete((ok, error) -> {
      if (error != null) settle(cancelledTokens, cancelledCost);
    });
  }

  /**
   * Records a call that was sent and failed. A failed call costs nothing; a call cancelled after it was
   * sent (its client left, or a fan-out no longer needed it) is charged its prompt, which the upstream has
   * read by then and bills.
   */
  @Override
  public void callFailed(Deployment deployment, Throwable cause) {
    if (cause instanceof ClientGoneException) {
      int prompt = promptEstimate(deployment);
      UsageRecord record = usageRecord(deployment, prompt, 0, null, UsageRecord.CLIENT_CANCELLED);
      cancelledTokens += prompt;
      cancelledCost = cancelledCost.add(record.costUsd());
      metering.record(record);
      return;
    }
    String outcome = cause instanceof UpstreamException e
        ? "upstream_" + e.kind().name().toLowerCase(Locale.ROOT) : "upstream_error";
    metering.record(usageRecord(deployment, 0, 0, null, outcome));
  }

  /** A whole (non-streaming) answer: recorded with the usage it reported, or counted from its text. */
  public void answered(Deployment deployment, TokenUsage usage, ByteString body) {
    TokenUsage used = usage != null ? usage
        : new TokenUsage(promptEstimate(deployment), context.prompt().estimator().textTokens(content(body), deployment.upstreamModel()));
    answerRecorded = finish(deployment, used, null, UsageRecord.SUCCESS);
  }

  /**
   * {@code answer} once the whole answer's usage record is durable (at once in {@code batched} mode, or
   * for a stream, whose end waits instead through {@link Streaming#recorded}): the last step before a
   * whole answer is sent.
   */
  public <T> CompletionStage<T> afterRecord(T answer) {
    return answerRecorded.thenApply(done -> answer);
  }

  /**
   * A stream about to be passed to the client: its events are watched for text, and {@code release}
   * (the provider permit's) is wrapped so that the stream's end is recorded too. The time to first
   * token is now: the dispatcher hands a stream over once its first event has arrived. The stream is
   * settled once: the first outcome {@link Streaming#settle} is called with wins, later calls do nothing.
   */
  public Streaming streaming(Deployment deployment, Source<ByteString, NotUsed> events, Consumer<CallOutcome> release) {
    long ttftMs = elapsedMs();
    StreamTally tally = new StreamTally(metering.mapper());
    AtomicBoolean ended = new AtomicBoolean();
    CompletableFuture<Done> recorded = new CompletableFuture<>();
    Consumer<CallOutcome> settle = outcome -> {
      if (!ended.compareAndSet(false, true)) return;
      release.accept(outcome);
      TokenUsage reported = outcome instanceof CallOutcome.Succeeded s ? s.usage() : null;
      TokenUsage used = reported != null ? reported
          : new TokenUsage(promptEstimate(deployment),
              context.prompt().estimator().textTokens(tally.text(), deployment.upstreamModel()));
      String result = outcome instanceof CallOutcome.Succeeded ? UsageRecord.SUCCESS
          : outcome instanceof CallOutcome.NotSent ? UsageRecord.CLIENT_CANCELLED : "upstream_stream_error";
      finish(deployment, used, ttftMs, result).whenComplete((done, error) -> recorded.complete(Done.getInstance()));
    };
    BiFunction<CallOutcome, String, CompletionStage<Done>> failedOver = (outcome, streamed) -> {
      if (!ended.compareAndSet(false, true)) return CompletableFuture.completedFuture(Done.getInstance());
      release.accept(outcome);
      String text = tally.text().isEmpty() ? streamed : tally.text();
      TokenUsage used = new TokenUsage(promptEstimate(deployment),
          context.prompt().estimator().textTokens(text, deployment.upstreamModel()));
      UsageRecord record = usageRecord(deployment, used.promptTokens(), used.completionTokens(), ttftMs,
          "upstream_stream_error");
      carry(used.total(), record.costUsd());
      return metering.recordFinal(record);
    };
    return new Streaming(events.map(tally::observe), settle, recorded, failedOver);
  }

  /**
   * Settles the key with what the calls continued elsewhere used, when no later call did (the
   * continuation could not be made, or its client left before it began).
   */
  public void settleCarried() {
    settle(0, BigDecimal.ZERO);
  }

  private synchronized void carry(long tokens, BigDecimal cost) {
    carriedTokens += tokens;
    carriedCost = carriedCost.add(cost);
  }

  /**
   * A stream's events to send and what to call when it ends.
   *
   * @param recorded completes once the record {@code settle} made is durable (see {@link Metering}): the
   *     stream's last byte waits for it
   * @param failedOver instead of {@code settle}, for a stream that broke and is continued on another
   *     deployment (mid-stream failover): releases the call as failed with {@code outcome} and records it
   *     as failed with what it streamed (the tally's text, or the text given when the tally read none:
   *     Anthropic's events), without settling the key: what it used is charged with the call that ends the
   *     request. Completes when that record is durable; does nothing once the stream was settled
   */
  public record Streaming(Source<ByteString, NotUsed> events, Consumer<CallOutcome> settle,
      CompletionStage<Done> recorded, BiFunction<CallOutcome, String, CompletionStage<Done>> failedOver) {}

  /** Records the call that ended the request and settles the key; completes when the record is durable. */
  private CompletionStage<Done> finish(Deployment deployment, TokenUsage used, Long ttftMs, String outcome) {
    UsageRecord record = usageRecord(deployment, used.promptTokens(), used.completionTokens(), ttftMs, outcome);
    settle(used.total(), record.costUsd());
    return metering.recordFinal(record);
  }

  private UsageRecord usageRecord(Deployment deployment, long prompt, long completion, Long ttftMs, String outcome) {
    BigDecimal cost = deployment.settings().pricing().cost(prompt, completion);
    String model = context.route() != null ? deployment.model() : context.model();
    return new UsageRecord(metering.nowMillis(), context.requestId(), context.keyId(), model, deployment.label(),
        prompt, completion, cost, elapsedMs(), ttftMs, outcome, context.route(), context.routeReason());
  }

  private void settle(long tokens, BigDecimal cost) {
    if (!settled.compareAndSet(false, true) || permit == null) return;
    long carried;
    BigDecimal carriedUsd;
    synchronized (this) {
      carried = carriedTokens;
      carriedUsd = carriedCost;
    }
    permit.release(tokens + carried, cost.add(carriedUsd));
  }

  private int promptEstimate(Deployment deployment) {
    return context.prompt().tokens(deployment.upstreamModel());
  }

  private long elapsedMs() {
    return (System.nanoTime() - context.startNanos()) / 1_000_000;
  }

  private String content(ByteString body) {
    StringBuilder text = new StringBuilder();
    try {
      JsonNode answer = metering.mapper().readTree(body.toArrayUnsafe());
      for (JsonNode choice : answer.path("choices")) {
        JsonNode content = choice.path("message").path("content");
        if (content.isTextual()) text.append(content.textValue());
        if (choice.path("text").isTextual()) text.append(choice.path("text").textValue()); // a legacy completion
      }
      for (JsonNode item : answer.path("output")) { // a Responses API Response
        for (JsonNode part : item.path("content")) {
          if (part.path("text").isTextual()) text.append(part.path("text").textValue());
        }
        if (item.path("arguments").isTextual()) text.append(item.path("arguments").textValue());
      }
    } catch (IOException unreadable) {
      // nothing to count
    }
    return text.toString();
  }
}
