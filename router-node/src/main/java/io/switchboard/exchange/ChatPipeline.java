package io.switchboard.exchange;

import io.switchboard.cache.CacheScope;
import io.switchboard.cache.CachedAnswer;
import io.switchboard.cache.ResponseCache;
import io.switchboard.cache.StreamReplay;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.ProviderKind;
import io.switchboard.keys.Caller;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.logging.RequestLog;
import io.switchboard.metrics.Telemetry;
import io.switchboard.orchestration.AutoRoutes;
import io.switchboard.orchestration.FallbackCondition;
import io.switchboard.orchestration.NoQualifyingModelException;
import io.switchboard.orchestration.RouteChoice;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelNotFoundException;
import io.switchboard.routing.ModelRouter;
import io.switchboard.routing.SessionAffinity;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Meter;
import io.switchboard.usage.Metering;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat call from its decoded form to its answer, in the order every call takes, whichever
 * dialect it came in:
 *
 * <ol>
 *   <li><b>resolve</b> the model alias to its deployments ({@link ModelNotFoundException}); an auto route's
 *       name to the model its scorer chooses ({@link AutoRoutes}; {@link NoQualifyingModelException}); the
 *       conversation's own deployment first ({@link SessionAffinity});
 *   <li><b>permit</b>: the caller's key may use the model ({@link ModelNotAllowedException});
 *   <li><b>cache</b>: a stored answer, when the call uses the cache, ends the call here;
 *   <li><b>estimate</b> the prompt once ({@link PromptEstimate}), for every reservation below;
 *   <li><b>admit the key</b>: its limits and budget ({@link Metering}; {@code KeyRefusedException});
 *   <li><b>dispatch</b>: candidates, provider admission, retries and fallbacks, the upstream call
 *       ({@link Dispatcher}; {@code AdmissionRejectedException}, {@code UpstreamException},
 *       {@code ContextTooLongException}); for an auto route, a model that fails in a way the route has a
 *       fallback rule for ({@link FallbackCondition}) hands the request to the rule's model, each model once;
 *   <li><b>settle</b> once: the provider permit, the key's spend, the usage record, the metrics and
 *       the cache; for a stream, when it ends ({@link Answer.Streaming#settle}); a model with
 *       {@code mid-stream-failover} has a stream that breaks continued on its next deployment
 *       ({@link StreamContinuation}), each call settled on its own.
 * </ol>
 *
 * <p>Failures keep their domain types; only the HTTP layer turns them into statuses and envelopes,
 * and translates an OpenAI answer for a caller that spoke Anthropic's dialect.
 *
 * <pre>{@code
 * pipeline.serve(Call.openAi(trace, System.nanoTime(), caller, chat, body, Optional.empty(), false))
 *     .thenApply(answer -> switch (answer) {
 *       case Answer.Complete whole -> ...     // settled already
 *       case Answer.Streaming stream -> ...   // send stream.events(), then stream.settle()
 *     });
 * }</pre>
 */
public final class ChatPipeline {
  private static final Logger log = LoggerFactory.getLogger(ChatPipeline.class);

  private final ModelRouter router;
  private final AutoRoutes routes;
  private final TokenEstimator estimator;
  private final Metering metering;
  private final Dispatcher dispatcher;
  private final ResponseCache cache;
  private final StreamReplay replay;
  private final Telemetry telemetry;
  private final UsageReader openAiUsage;
  private final AnthropicUsage anthropicUsage;
  private final Function<Throwable, String> errorLabel;
  private final SessionAffinity affinity;
  private final FanOut fanOut;
  private final StreamContinuation continuation;

  /** A pipeline without session affinity. */
  public ChatPipeline(ModelRouter router, TokenEstimator estimator, Metering metering, Dispatcher dispatcher,
      ResponseCache cache, StreamReplay replay, Telemetry telemetry, UsageReader openAiUsage,
      AnthropicUsage anthropicUsage, Function<Throwable, String> errorLabel) {
    this(router, estimator, metering, dispatcher, cache, replay, telemetry, openAiUsage, anthropicUsage, errorLabel,
        SessionAffinity.OFF);
  }

  /**
   * @param errorLabel the label a failed call's metrics carry (the HTTP layer's status for it: a small
   *     fixed set, whatever the upstreams say)
   * @param affinity keeps a conversation's requests on the deployment that last served it
   */
  public ChatPipeline(ModelRouter router, TokenEstimator estimator, Metering metering, Dispatcher dispatcher,
      ResponseCache cache, StreamReplay replay, Telemetry telemetry, UsageReader openAiUsage,
      AnthropicUsage anthropicUsage, Function<Throwable, String> errorLabel, SessionAffinity affinity) {
    this(router, AutoRoutes.NONE, estimator, metering, dispatcher, cache, replay, telemetry, openAiUsage, anthropicUsage,
        errorLabel, affinity);
  }

  /** @param routes the auto routes a client may ask for by name, beside the router's models */
  public ChatPipeline(ModelRouter router, AutoRoutes routes, TokenEstimator estimator, Metering metering,
      Dispatcher dispatcher, ResponseCache cache, StreamReplay replay, Telemetry telemetry, UsageReader openAiUsage,
      AnthropicUsage anthropicUsage, Function<Throwable, String> errorLabel, SessionAffinity affinity) {
    this(router, routes, FanOut.Setup.NONE, estimator, metering, dispatcher, cache, replay, telemetry, openAiUsage,
        anthropicUsage, errorLabel, affinity);
  }

  /** @param fanOuts the fan-outs a client may ask for by name, beside the models and auto routes */
  public ChatPipeline(ModelRouter router, AutoRoutes routes, FanOut.Setup fanOuts, TokenEstimator estimator,
      Metering metering, Dispatcher dispatcher, ResponseCache cache, StreamReplay replay, Telemetry telemetry,
      UsageReader openAiUsage, AnthropicUsage anthropicUsage, Function<Throwable, String> errorLabel,
      SessionAffinity affinity) {
    this.fanOut = new FanOut(fanOuts, this::candidate, router, telemetry, replay);
    this.affinity = affinity;
    this.router = router;
    this.routes = routes;
    this.estimator = estimator;
    this.metering = metering;
    this.dispatcher = dispatcher;
    this.cache = cache;
    this.replay = replay;
    this.telemetry = telemetry;
    this.openAiUsage = openAiUsage;
    this.anthropicUsage = anthropicUsage;
    this.errorLabel = errorLabel;
    this.continuation = new StreamContinuation(dispatcher, estimator, telemetry, this::ended);
  }

  public CompletionStage<Answer> serve(Call call) {
    CompletionStage<Answer> answer;
    if (fanOut.serves(call.model())) {
      try {
        answer = fanOut.serve(call);
      } catch (RuntimeException refused) {
        answer = CompletableFuture.failedFuture(refused);
      }
    } else {
      RouteChoice choice;
      try {
        choice = routes.serves(call.model()) ? routes.choose(call.model(), call.chat(), call.objective()) : null;
      } catch (NoQualifyingModelException refused) {
        return CompletableFuture.failedFuture(refused);
      }
      String model = choice != null ? choice.model() : call.model();
      List<Deployment> routed = router.route(model).orElse(null);
      if (routed == null) return CompletableFuture.failedFuture(new ModelNotFoundException(call.model()));
      List<Deployment> deployments = affinity.order(model, session(call), routed);
      try {
        answer = admitted(call, deployments, choice);
      } catch (RuntimeException refused) {
        answer = CompletableFuture.failedFuture(refused);
      }
    }
    // Only routed calls are measured, so an unknown model name never becomes a metric label.
    return answer.whenComplete((ok, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        telemetry.requestEnded(call.model(), null, null, System.nanoTime() - call.startedNanos(),
            errorLabel.apply(cause));
      }
    });
  }

  private CompletionStage<Answer> admitted(Call call, List<Deployment> deployments, RouteChoice choice) {
    Caller caller = call.caller();
    caller.key().filter(key -> !key.mayUse(call.model())).ifPresent(key -> {
      throw new ModelNotAllowedException(key, call.model());
    });
    Optional<String> cacheKey = call.cacheRequested()
        ? Optional.of(cache.key(scope(caller).namespace(), call.model(), call.clientBody()))
        : Optional.empty();
    if (cacheKey.isPresent()) {
      Optional<CachedAnswer> stored = cache.get(cacheKey.get());
      telemetry.cacheLookup(stored.isPresent());
      if (stored.isPresent()) return CompletableFuture.completedFuture(fromCache(call, stored.get()));
    }
    return metered(call, deployments, choice, cacheKey, choice == null ? null : choice.route(),
        choice == null ? null : choice.reason());
  }

  /**
   * One call of a fan-out ({@link FanOut}) to {@code model}, a model or an auto route: resolved, metered
   * under the fan-out's name ({@code call.model()}) as its route with {@code reason}, dispatched and settled
   * like any call, without the response cache. The key's permission was checked for the fan-out.
   */
  private CompletionStage<Answer> candidate(Call call, String model, String reason) {
    RouteChoice choice;
    try {
      choice = routes.serves(model) ? routes.choose(model, call.chat(), call.objective()) : null;
    } catch (NoQualifyingModelException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    String resolved = choice != null ? choice.model() : model;
    List<Deployment> routed = router.route(resolved).orElse(null);
    if (routed == null) return CompletableFuture.failedFuture(new ModelNotFoundException(model));
    List<Deployment> deployments = affinity.order(resolved, session(call), routed);
    return metered(call, deployments, choice, Optional.empty(), call.model(),
        choice == null ? reason : reason + "; " + choice.reason());
  }

  /**
   * Estimates the prompt, admits the key, dispatches and settles: the steps every call takes once it is
   * resolved. Usage records name {@code route} and {@code reason} (null when the client named a model).
   */
  private CompletionStage<Answer> metered(Call call, List<Deployment> deployments, RouteChoice choice,
      Optional<String> cacheKey, String route, String reason) {
    Caller caller = call.caller();
    PromptEstimate prompt = new PromptEstimate(estimator, call.chat());
    if (choice == null) {
      return metering.open(caller, call.chat(), prompt, deployments, call.requestId(), route, reason).thenCompose(meter ->
          meter.watch(dispatcher.dispatch(request(call, prompt, deployments, meter)))
              .thenApply(dispatched -> settle(call, dispatched, meter, cacheKey, null, deployments))
              .thenCompose(meter::afterRecord));
    }
    // The key's reservation covers every model a fallback rule could hand the request to.
    List<Deployment> reachable = new ArrayList<>(deployments);
    choice.reachable().stream().skip(1).forEach(model -> router.route(model).ifPresent(reachable::addAll));
    StringBuilder fellBack = new StringBuilder();
    return metering.open(caller, call.chat(), prompt, reachable, call.requestId(), route, reason)
        .thenCompose(meter -> meter.watch(routed(call, prompt, meter, choice, deployments,
                new HashSet<>(Set.of(choice.model())), fellBack))
            .thenApply(dispatched -> settle(call, dispatched, meter, cacheKey, new Answer.Routed(
                dispatched.deployment().model(), choice.reason() + fellBack),
                router.route(dispatched.deployment().model()).orElse(List.of())))
            .thenCompose(meter::afterRecord));
  }

  private static Dispatcher.Request request(Call call, PromptEstimate prompt, List<Deployment> deployments,
      Meter meter) {
    return new Dispatcher.Request(call.chat(), call.openAiBody(), call.anthropicBody(), prompt, deployments,
        call.maxWait(), call.trace(), meter);
  }

  /**
   * Dispatches to one model of an auto route; when all its deployments fail in a way the route has a
   * fallback rule for, dispatches to the rule's model (each model at most once), noting it in {@code fellBack}.
   */
  private CompletionStage<Dispatcher.Dispatched> routed(Call call, PromptEstimate prompt, Meter meter,
      RouteChoice choice, List<Deployment> deployments, Set<String> tried, StringBuilder fellBack) {
    return dispatcher.dispatch(request(call, prompt, deployments, meter)).handle((ok, error) -> {
      if (error == null) return CompletableFuture.completedFuture(ok);
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      Optional<AutoRouteSettings.Condition> condition = FallbackCondition.of(cause);
      Optional<String> next = condition.flatMap(when -> choice.fallbackFor(when, tried));
      Optional<List<Deployment>> nextDeployments = next.flatMap(router::route);
      if (nextDeployments.isEmpty()) return CompletableFuture.<Dispatcher.Dispatched>failedFuture(cause);
      String failed = deployments.get(0).model();
      String when = condition.get().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      tried.add(next.get());
      synchronized (fellBack) {
        fellBack.append("; ").append(failed).append(' ').append(when).append(", fell back to ").append(next.get());
      }
      RequestLog.with(call.requestId(), () -> log.info("route '{}': model {} failed ({}); falling back to {}",
          choice.route(), failed, when, next.get()));
      return routed(call, prompt, meter, choice, nextDeployments.get(), tried, fellBack);
    }).thenCompose(stage -> stage);
  }

  private String session(Call call) {
    return affinity.session(call.session(), call.chat().user());
  }

  private static CacheScope scope(Caller caller) {
    return caller.keyId().map(id -> new CacheScope(id, caller.cache())).orElse(CacheScope.OPEN);
  }

  /** A stored completion, whole or replayed as a stream; it costs the key nothing and calls no upstream. */
  private Answer fromCache(Call call, CachedAnswer stored) {
    Answer.Served served = new Answer.Served(stored.deployment(), false, Answer.Cache.HIT);
    if (!call.chat().isStream()) return new Answer.Complete(stored.body(), Dialect.OPENAI, served);
    Source<ByteString, NotUsed> events = Source.from(replay.events(stored.body(), call.chat().includeUsage()));
    return new Answer.Streaming(events, Dialect.OPENAI, served,
        UpstreamSignals.NONE, outcome -> {});
  }

  /**
   * The dispatched call's answer, settled now when it is whole; a stream's settlement is handed on.
   * An Anthropic upstream answers an Anthropic caller in Anthropic's dialect; every other answer is
   * OpenAI's.
   */
  private Answer settle(Call call, Dispatcher.Dispatched dispatched, Meter meter, Optional<String> cacheKey,
      Answer.Routed routed, List<Deployment> order) {
    Deployment deployment = dispatched.deployment();
    affinity.served(deployment.model(), session(call), deployment);
    boolean anthropic = call.anthropicBody() != null && deployment.provider().upstream().passesAnthropicThrough();
    Dialect dialect = anthropic ? Dialect.ANTHROPIC : Dialect.OPENAI;
    Answer.Served served = new Answer.Served(deployment.label(),
        deployment.provider().settings().kind() == ProviderKind.SIMULATED,
        cacheKey.isPresent() && !anthropic ? Answer.Cache.MISS : Answer.Cache.NOT_USED, routed);
    Permit permit = dispatched.permit();
    if (dispatched.reply() instanceof UpstreamReply.Streaming streaming) {
      long firstEvent = System.nanoTime();
      if (!call.trace().isBranch()) telemetry.firstEvent(call.model(), deployment, firstEvent - call.startedNanos());
      if (StreamContinuation.applies(call, deployment)) {
        return continuation.stream(call, dispatched, streaming, meter, dialect, served, order,
            firstEvent - dispatched.sentNanos());
      }
      Consumer<CallOutcome> release = outcome -> {
        permit.release(outcome);
        ended(call, dispatched, outcome, firstEvent - dispatched.sentNanos());
      };
      Meter.Streaming metered = meter.streaming(deployment, streaming.events(), release);
      return new Answer.Streaming(metered.events(), dialect, served, streaming.signals(), metered.settle(),
          metered.recorded());
    }
    UpstreamReply.Complete complete = (UpstreamReply.Complete) dispatched.reply();
    TokenUsage used = (anthropic ? anthropicUsage.fromMessage(complete.body())
        : openAiUsage.fromCompletion(complete.body())).orElse(null);
    CallOutcome outcome = new CallOutcome.Succeeded(used, complete.signals());
    permit.release(outcome);
    ended(call, dispatched, outcome, -1);
    meter.answered(deployment, used, complete.body());
    if (served.cache() == Answer.Cache.MISS) {
      cache.put(cacheKey.get(), new CachedAnswer(complete.body(), deployment.label()));
    }
    return new Answer.Complete(complete.body(), dialect, served);
  }

  /**
   * The served call ended (a stream: at its last event, failure or the client leaving); a stream's first
   * event came {@code firstEventNanos} after it was sent, -1 for a whole answer.
   */
  private void ended(Call call, Dispatcher.Dispatched dispatched, CallOutcome outcome, long firstEventNanos) {
    long now = System.nanoTime();
    telemetry.callEnded(dispatched.deployment(), outcome, now - dispatched.sentNanos(), firstEventNanos);
    TokenUsage used = outcome instanceof CallOutcome.Succeeded s ? s.usage() : null;
    if (call.trace().isBranch()) {
      telemetry.candidateEnded(call.model(), dispatched.deployment(), used);
      return;
    }
    String error = outcome instanceof CallOutcome.Succeeded ? null
        : outcome instanceof CallOutcome.NotSent ? "client_closed" : "stream_failed";
    telemetry.requestEnded(call.model(), dispatched.deployment(), used, now - call.startedNanos(), error);
  }
}
