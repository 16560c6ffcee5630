package io.switchboard.routing;

import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.ProviderSettings;
import io.switchboard.logging.RequestLog;
import io.switchboard.provider.Abandonment;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.retry.Backoff;
import io.switchboard.tokens.PromptEstimate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets one call served (a chat completion, or another {@link Work} such as embeddings): tries the model's deployments in order, each with admission at its
 * provider and retries of retryable failures (exponential backoff with full jitter, the upstream's
 * Retry-After honoured, within the provider's retry budget), and falls back to the next deployment
 * when one cannot serve: breaker open, no admission before the deadline, retries exhausted, a provider
 * fault, or a prompt too long for its context window. A failure that is the request's own fault (a 4xx
 * other than 408, 409, 429) is not retried and not sent elsewhere.
 *
 * <p>A stream is retried only before it reaches the client: the dispatcher waits for the first event
 * before it hands the stream over, so a stream that fails before its first event is retried like any
 * other call.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /**
   * A call that is under way: the deployment serving it, the answer, the permit to release at its end, and
   * when it was sent ({@link System#nanoTime}).
   */
  public record Dispatched(Deployment deployment, UpstreamReply reply, Permit permit, int attempts, long sentNanos) {}

  /** Told of every upstream call that was sent and failed (the usage ledger records them too). */
  @FunctionalInterface
  public interface CallListener {
    CallListener NONE = (deployment, cause) -> {};

    void callFailed(Deployment deployment, Throwable cause);
  }

  private final Clock clock;
  private final ActorSystem<?> system;
  private final Materializer materializer;
  private final RandomGenerator random;
  private final DispatchListener listener;
  private final CallCutoff cutoff;
  private final StreamStart streamStart;

  public Dispatcher(Clock clock, ActorSystem<?> system, RandomGenerator random, DispatchListener listener) {
    this.listener = listener;
    this.clock = clock;
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.random = random;
    this.cutoff = new CallCutoff(system, materializer);
    this.streamStart = new StreamStart(materializer);
  }

  /**
   * What one dispatch needs. For a request that came in Anthropic's dialect, {@code chat} is its
   * translation (for routing, admission and the upstreams that need it) and {@code anthropicBody} the
   * client's own bytes, which an upstream that speaks Anthropic gets instead (see {@link UpstreamCall});
   * {@code body} is then null, as there are no OpenAI bytes to forward.
   *
   * @param prompt the prompt's estimate, shared with the key's reservation and the usage record
   * @param maxWait how long the client allows admission to take at each deployment; empty: the provider's own
   * @param trace where upstream time is summed
   * @param calls told of each call that reached an upstream and failed
   */
  public record Request(ChatCompletionRequest chat, ByteString body, ByteString anthropicBody, PromptEstimate prompt,
      List<Deployment> deployments, Optional<Duration> maxWait, RequestTrace trace, CallListener calls, Work work) {

    /** A chat completion: each deployment is sent {@code chat} (or the client's bytes) as an {@link UpstreamCall}. */
    public Request(ChatCompletionRequest chat, ByteString body, ByteString anthropicBody, PromptEstimate prompt,
        List<Deployment> deployments, Optional<Duration> maxWait, RequestTrace trace, CallListener calls) {
      this(chat, body, anthropicBody, prompt, deployments, maxWait, trace, calls,
          new ChatWork(chat, body, anthropicBody));
    }

    /** Another kind of call ({@code work}), which has no chat request: embeddings, text completions. */
    public static Request of(Work work, PromptEstimate prompt, List<Deployment> deployments,
        Optional<Duration> maxWait, RequestTrace trace, CallListener calls) {
      return new Request(null, null, null, prompt, deployments, maxWait, trace, calls, work);
    }
  }

  /**
   * What one dispatch sends to a deployment, and what it reserves there beyond its prompt. A chat
   * completion is one kind; embeddings and text completions are others, dispatched the same way
   * (admission, retries, fallbacks), each sent to its own upstream endpoint.
   */
  public interface Work {
    /** Output tokens to reserve at {@code deployment}, on top of the prompt. */
    int outputReservation(Deployment deployment);

    /**
     * Whether the prompt plus the output reservation must fit the deployment's context window (a chat);
     * embeddings check each input on their own, since the window applies to each input, not their sum.
     */
    default boolean checksContextWindow() {
      return true;
    }

    /** Whether the answer is a stream, to which a first-token limit applies. */
    default boolean streams() {
      return false;
    }

    /** Sends the call to {@code deployment}'s upstream; may throw, or fail the stage, with {@link UpstreamException}. */
    CompletionStage<UpstreamReply> send(Deployment deployment);
  }

  /** A chat completion's work. */
  private record ChatWork(ChatCompletionRequest chat, ByteString body, ByteString anthropicBody) implements Work {
    @Override
    public int outputReservation(Deployment deployment) {
      return Dispatcher.outputReservation(chat, deployment);
    }

    @Override
    public boolean streams() {
      return chat.isStream();
    }

    @Override
    public CompletionStage<UpstreamReply> send(Deployment d) {
      return d.provider().upstream().send(new UpstreamCall(chat, body, d.upstreamModel(),
          d.settings().maxOutputTokens(), anthropicBody));
    }
  }

  /** Serves {@code request} from its deployments, in order. */
  public CompletionStage<Dispatched> dispatch(Request request) {
    if (request.deployments().isEmpty()) return tryDeployment(request, 0, null, null);
    Deadline deadline = request.trace().deadline(() -> Deadline.of(clock, request.deployments().get(0)));
    return tryDeployment(request, 0, null, deadline);
  }

  private CompletionStage<Dispatched> tryDeployment(Request r, int index, Throwable lastFailure, Deadline deadline) {
    if (index >= r.deployments().size()) return CompletableFuture.failedFuture(lastFailure);
    if (r.trace().clientGone().toCompletableFuture().isDone()) {
      return CompletableFuture.failedFuture(new ClientGoneException());
    }
    if (deadline.remaining(clock) <= 0) return CompletableFuture.failedFuture(deadline.exceeded());
    Deployment d = r.deployments().get(index);
    int output = r.work().outputReservation(d);
    int prompt = r.prompt().tokens(d.upstreamModel());
    int window = d.settings().contextWindow();
    if (r.work().checksContextWindow() && window > 0 && (long) prompt + output > window) {
      return tryDeployment(r, index + 1, new ContextTooLongException(d, prompt, output), deadline);
    }
    return attempt(r, d, reservation(prompt, output), 1, deadline).handle((ok, error) -> {
      if (error == null) return CompletableFuture.completedFuture(ok);
      Throwable cause = unwrap(error);
      if (!fallsBack(cause)) return CompletableFuture.<Dispatched>failedFuture(cause);
      if (index + 1 < r.deployments().size()) {
        listener.fallingBack(d, r.deployments().get(index + 1));
        RequestLog.with(r.trace().requestId(), () -> log.info(
            "deployment {} could not serve model '{}' ({}); trying {}",
            d.label(), d.model(), cause.getMessage(), r.deployments().get(index + 1).label()));
      }
      return tryDeployment(r, index + 1, preferred(cause, lastFailure), deadline);
    }).thenCompose(stage -> stage);
  }

  /** The failure worth reporting when nothing serves: an upstream's own answer beats a skipped deployment. */
  private static Throwable preferred(Throwable latest, Throwable earlier) {
    if (earlier == null) return latest;
    boolean latestIsSkip = latest instanceof AdmissionRejectedException || latest instanceof ContextTooLongException;
    boolean earlierIsUpstream = earlier instanceof UpstreamException;
    return latestIsSkip && earlierIsUpstream ? earlier : latest;
  }

  private static boolean fallsBack(Throwable cause) {
    if (cause instanceof AdmissionRejectedException || cause instanceof ContextTooLongException) return true;
    if (cause instanceof UpstreamException e) return e.kind() != UpstreamException.Kind.REQUEST_REJECTED
        || Retryable.shouldRetry(e);
    return false;
  }

  private CompletionStage<Dispatched> attempt(Request r, Deployment d, int tokens, int attempt, Deadline deadline) {
    ProviderSettings provider = d.provider().settings();
    if (r.trace().clientGone().toCompletableFuture().isDone()) {
      return CompletableFuture.failedFuture(new ClientGoneException());
    }
    long remaining = deadline.remaining(clock);
    if (remaining <= 0) return CompletableFuture.failedFuture(deadline.exceeded());
    Duration asked = r.maxWait()
        .map(max -> max.compareTo(provider.queue().maxWaitOverrideCap()) > 0 ? provider.queue().maxWaitOverrideCap() : max)
        .orElse(provider.queue().maxWait());
    // Admission may wait at most what is left of the request's deadline.
    Duration wait = asked.toMillis() > remaining ? Duration.ofMillis(remaining) : asked;
    long admitBy = clock.millis() + wait.toMillis();
    long askedAt = System.nanoTime();
    return d.provider().acquire(d.upstreamModel(), tokens, admitBy, attempt > 1)
        .whenComplete((permit, rejected) -> listener.admission(d, System.nanoTime() - askedAt, rejected == null))
        .thenCompose(permit -> call(r, d, permit, attempt, deadline))
        .handle((ok, error) -> {
          if (error == null) return CompletableFuture.completedFuture(ok);
          Throwable cause = unwrap(error);
          if (cause instanceof UpstreamException e && Retryable.retriesSameDeployment(e)
              && attempt < provider.retries().maxAttempts()) {
            Duration delay = new Backoff(provider.retries().baseDelay(), provider.retries().maxDelay(), random)
                .delay(attempt, e.retryAfter());
            // A retry whose backoff would outlast the admission wait or the request's deadline is not made.
            if (delay.compareTo(wait) <= 0 && delay.toMillis() < deadline.remaining(clock)) {
              listener.retrying(d);
              RequestLog.with(r.trace().requestId(), () -> log.info("retrying {} in {} ms after attempt {}: {}",
                  d.label(), delay.toMillis(), attempt, e.getMessage()));
              return after(delay, () -> attempt(r, d, tokens, attempt + 1, deadline)).handle((retried, retryError) -> {
                if (retryError == null) return CompletableFuture.completedFuture(retried);
                Throwable retryCause = unwrap(retryError);
                // A retry the budget refused: the call's own failure is what the client should hear.
                if (retryCause instanceof AdmissionRejectedException rejected
                    && rejected.rejection().reason() == ProviderActor.Reason.RETRY_BUDGET_EXHAUSTED) {
                  return CompletableFuture.<Dispatched>failedFuture(e);
                }
                return CompletableFuture.<Dispatched>failedFuture(retryCause);
              }).thenCompose(stage -> stage);
            }
          }
          return CompletableFuture.<Dispatched>failedFuture(cause);
        })
        .thenCompose(stage -> stage);
  }

  private CompletionStage<Dispatched> call(Request r, Deployment d, Permit permit, int attempt, Deadline deadline) {
    CompletionStage<UpstreamReply> reply;
    long sent = System.nanoTime();
    long sentMillis = clock.millis();
    CompletableFuture<Void> abandon = new CompletableFuture<>();
    try {
      reply = Abandonment.watching(abandon, () -> r.work().send(d));
    } catch (RuntimeException e) {
      permit.release(CallOutcome.NOT_SENT);
      listener.callEnded(d, CallOutcome.NOT_SENT, System.nanoTime() - sent);
      return CompletableFuture.failedFuture(e);
    }
    deadline.attempted();
    long firstToken = r.work().streams() ? d.settings().firstTokenTimeout().toMillis() : 0;
    CompletionStage<UpstreamReply> answered = reply
        .thenCompose(answer -> answer instanceof UpstreamReply.Streaming streaming
            ? streamStart.begun(streaming, firstToken > 0) : CompletableFuture.completedFuture(answer));
    // A stream's first-token limit, when it comes before the request's deadline, is what may cut the call.
    long remaining = deadline.remaining(clock);
    boolean tokenFirst = firstToken > 0 && firstToken < remaining;
    return cutoff.race(answered, abandon, tokenFirst ? firstToken : remaining,
            tokenFirst ? () -> noFirstToken(d, firstToken) : deadline::exceeded, r.trace().clientGone())
        .handle((answer, error) -> {
          long took = System.nanoTime() - sent;
          r.trace().addUpstream(took);
          if (error != null) {
            // Latency balancing steers away from a deployment that fails, not from one whose caller erred.
            if (fallsBack(unwrap(error))) d.latency().failed(clock.millis() - sentMillis, clock.millis());
            CallOutcome outcome = failed(unwrap(error));
            r.trace().upstreamRequestId(unwrap(error) instanceof UpstreamException e ? e.requestId().orElse(null) : null);
            permit.release(outcome);
            listener.callEnded(d, outcome, took);
            r.calls().callFailed(d, unwrap(error));
            throw new CompletionException(unwrap(error));
          }
          d.latency().observe(clock.millis() - sentMillis, clock.millis());
          r.trace().upstreamRequestId(answer.requestId());
          return new Dispatched(d, answer, permit, attempt, sent);
        });
  }

  private static UpstreamException noFirstToken(Deployment d, long limitMillis) {
    return new UpstreamException(UpstreamException.Kind.TIMEOUT, d.provider().id(), "Deployment " + d.label()
        + " sent no first token within " + limitMillis + " ms (first-token-timeout of model '" + d.model() + "').");
  }

  /** How a failed call settles at its provider. */
  public static CallOutcome failed(Throwable cause) {
    if (!(cause instanceof UpstreamException e)) return CallOutcome.NOT_SENT;
    UpstreamSignals signals = e.retryAfter().map(d -> UpstreamSignals.pause(d.toMillis())).orElse(UpstreamSignals.NONE);
    return new CallOutcome.Failed(Retryable.countsAsProviderFailure(e),
        e.kind() == UpstreamException.Kind.RATE_LIMITED, signals, Retryable.isTransportFailure(e));
  }

  /**
   * Output tokens to reserve: what the client allows, or the deployment's cap when it sets nothing,
   * times the number of choices. Providers count the allowance, not the answer, against their limits.
   */
  public static int outputReservation(ChatCompletionRequest chat, Deployment d) {
    Integer limit = chat.outputTokenLimit();
    int perChoice = limit != null && limit > 0 ? limit : d.settings().maxOutputTokens();
    int choices = chat.n() != null && chat.n() > 1 ? chat.n() : 1;
    return (int) Math.min(Integer.MAX_VALUE, (long) perChoice * choices);
  }

  /**
   * The tokens a call reserves: its prompt and its output reservation, saturating at
   * {@link Integer#MAX_VALUE} rather than overflowing into a negative reservation. Admission refuses a
   * reservation bigger than a limit can hold.
   */
  static int reservation(int promptTokens, int outputTokens) {
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.max(0, promptTokens) + Math.max(0, outputTokens));
  }

  private <T> CompletionStage<T> after(Duration delay, java.util.concurrent.Callable<CompletionStage<T>> next) {
    return Patterns.after(delay, system.classicSystem().scheduler(), system.executionContext(), next);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }

  /** The prompt and its output reservation do not fit a deployment's context window. */
  public static final class ContextTooLongException extends RuntimeException {
    private final transient Deployment deployment;

    ContextTooLongException(Deployment deployment, int prompt, int output) {
      super("This request needs about " + prompt + " prompt tokens plus " + output + " output tokens, more than the "
          + deployment.settings().contextWindow() + "-token context window of " + deployment.label()
          + ". Shorten the messages or lower max_tokens.");
      this.deployment = deployment;
    }

    public Deployment deployment() {
      return deployment;
    }
  }
}
