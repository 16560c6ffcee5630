package io.switchboard.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.Caller;
import io.switchboard.keys.KeyAdmission;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.tokens.PromptEstimate;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the request path asks of keys and usage, in one collaborator: before dispatch, whether the
 * caller's key may use the model and its limits and budget admit the request; after, one usage record
 * per upstream call and the settlement of the key's reservation. See {@link Meter}.
 *
 * <pre>{@code
 * metering.open(caller, chat, prompt, deployments, requestId)   // the key's refusals fail the stage
 *     .thenCompose(meter -> meter.watch(dispatcher.dispatch(new Dispatcher.Request(..., meter))))
 *     ...  meter.answered(deployment, usage)  or  meter.streaming(...)
 * }</pre>
 *
 * <p>The reservation is the request's maximal cost over its candidate deployments (a fallback may be
 * dearer than the primary): prompt estimate times the input price plus the output reservation
 * ({@code max_tokens}, or the deployment's {@code max-output-tokens}, times {@code n}) times the
 * output price, the same figures provider admission reserves.
 */
public final class Metering {
  private final KeyAdmission admission;
  private final ActorRef<UsageLedger.Command> ledger;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final List<Consumer<UsageRecord>> observers = new CopyOnWriteArrayList<>();

  public Metering(KeyAdmission admission, ActorRef<UsageLedger.Command> ledger, ObjectMapper mapper, Clock clock) {
    this.admission = admission;
    this.ledger = ledger;
    this.mapper = mapper;
    this.clock = clock;
  }

  /**
   * Admits the request for {@code caller}: fails with 403 {@code model_not_allowed} when the key may not
   * use the model, or with the key admission's 429 / 503.
   */
  public CompletionStage<Meter> open(Caller caller, ChatCompletionRequest chat, PromptEstimate prompt,
      List<Deployment> deployments, String requestId) {
    return open(caller, chat, prompt, deployments, requestId, null, null);
  }

  /**
   * As {@link #open(Caller, ChatCompletionRequest, PromptEstimate, List, String)} for a request to an auto
   * route: its records name the model that served, the {@code route} and the {@code routeReason}.
   */
  public CompletionStage<Meter> open(Caller caller, ChatCompletionRequest chat, PromptEstimate prompt,
      List<Deployment> deployments, String requestId, String route, String routeReason) {
    return open(caller, chat.model(), prompt, d -> Dispatcher.outputReservation(chat, d), deployments, requestId,
        route, routeReason);
  }

  /**
   * As for a chat, for a call of another kind to {@code model} (embeddings, text completions), which
   * reserves {@code output} tokens at each deployment on top of its prompt.
   */
  public CompletionStage<Meter> open(Caller caller, String model, PromptEstimate prompt,
      ToIntFunction<Deployment> output, List<Deployment> deployments, String requestId) {
    return open(caller, model, prompt, output, deployments, requestId, null, null);
  }

  private CompletionStage<Meter> open(Caller caller, String model, PromptEstimate prompt,
      ToIntFunction<Deployment> output, List<Deployment> deployments, String requestId, String route,
      String routeReason) {
    long startNanos = System.nanoTime();
    Optional<ApiKey> key = caller.key();
    if (key.isPresent() && !key.get().mayUse(model)) {
      return CompletableFuture.failedFuture(new ModelNotAllowedException(key.get(), model));
    }
    Meter.Context context = new Meter.Context(requestId, key.map(ApiKey::id).orElse(null), model, prompt, startNanos,
        route, routeReason);
    if (key.isEmpty() || !key.get().limited()) {
      return CompletableFuture.completedFuture(new Meter(this, context, null));
    }
    long tokens = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (Deployment d : deployments) {
      int promptTokens = prompt.tokens(d.upstreamModel());
      int outputTokens = output.applyAsInt(d);
      tokens = Math.max(tokens, (long) promptTokens + outputTokens);
      cost = cost.max(d.settings().pricing().cost(promptTokens, outputTokens));
    }
    return admission.acquire(key.get().id(), tokens, cost).thenApply(permit -> new Meter(this, context, permit));
  }

  /**
   * Has {@code observer} told of every usage record as it is made, on the thread that settles the call:
   * for this node's live views (the console's), which must be quick and never throw.
   */
  public void observe(Consumer<UsageRecord> observer) {
    observers.add(observer);
  }

  void record(UsageRecord record) {
    ledger.tell(new UsageLedger.Record(record));
    for (Consumer<UsageRecord> observer : observers) observer.accept(record);
  }

  long nowMillis() {
    return clock.millis();
  }

  ObjectMapper mapper() {
    return mapper;
  }
}
