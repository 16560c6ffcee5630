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
import io.switchboard.config.UsageSettings;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>With {@code switchboard.usage.durability = committed}, the record that ends a request (the
 * answer's, or the stream's) is asked of the ledger with a reply once it is durable, and the answer's
 * last byte waits for that ({@link Meter#afterRecord}, {@link Meter.Streaming#recorded}), at most
 * {@code commit-timeout}: past it, or as soon as the ledger says its database refused the write, the
 * answer goes on, the record stays queued, and a warning says so.
 */
public final class Metering {
  private static final Logger log = LoggerFactory.getLogger(Metering.class);
  private final KeyAdmission admission;
  private final ActorRef<UsageLedger.Command> ledger;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final List<Consumer<UsageRecord>> observers = new CopyOnWriteArrayList<>();
  private final UsageSettings usage;
  private final Scheduler scheduler;
  private final AtomicLong notCommitted = new AtomicLong();

  /** Every this many answers that went on before their record was committed, the warning is repeated. */
  static final long WARN_EVERY_NOT_COMMITTED = 1_000;

  /** Metering whose records are written off the request path ({@code batched}). */
  public Metering(KeyAdmission admission, ActorRef<UsageLedger.Command> ledger, ObjectMapper mapper, Clock clock) {
    this(admission, ledger, mapper, clock, null, null);
  }

  /** @param usage with {@code committed} durability, answers wait for their records on {@code scheduler} */
  public Metering(KeyAdmission admission, ActorRef<UsageLedger.Command> ledger, ObjectMapper mapper, Clock clock,
      UsageSettings usage, Scheduler scheduler) {
    this.admission = admission;
    this.ledger = ledger;
    this.mapper = mapper;
    this.clock = clock;
    this.usage = usage;
    this.scheduler = scheduler;
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
    observed(record);
  }

  /**
   * Records the call that ends a request: completes once the record is durable in {@code committed} and
   * {@code spooled} modes (committed, or appended to the spool; or after {@code commit-timeout}, or once
   * the database or spool refused it: the record still queued), at once in {@code batched} mode.
   * Records made before it by the same request are written no later: the ledger writes in order.
   */
  CompletionStage<Done> recordFinal(UsageRecord record) {
    if (usage == null || !usage.answersWait()) {
      record(record);
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletionStage<StatusReply<Done>> committed = AskPattern.<UsageLedger.Command, StatusReply<Done>>ask(ledger,
        replyTo -> new UsageLedger.Record(record, replyTo), usage.commitTimeout(), scheduler);
    observed(record);
    return committed.handle((reply, error) -> {
      if (error != null || reply.isError()) notCommitted(error != null ? "not within switchboard.usage.commit-timeout ("
          + usage.commitTimeout().toMillis() + " ms)" : reply.getError().getMessage());
      return Done.getInstance();
    });
  }

  private void notCommitted(String why) {
    long count = notCommitted.incrementAndGet();
    if (count % WARN_EVERY_NOT_COMMITTED == 1) {
      log.warn("usage ledger: an answer went on before its usage record was committed ({}); the record stays"
          + " queued. {} so far. Is the database slow or down?", why, count);
    }
  }

  private void observed(UsageRecord record) {
    for (Consumer<UsageRecord> observer : observers) observer.accept(record);
  }

  long nowMillis() {
    return clock.millis();
  }

  ObjectMapper mapper() {
    return mapper;
  }
}
