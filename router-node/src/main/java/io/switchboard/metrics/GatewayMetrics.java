package io.switchboard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.provider.TokenUsage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's meters, exposed at {@code GET /metrics} in Prometheus text format. Names follow the
 * OpenTelemetry GenAI semantic conventions where one exists (Micrometer writes their dots as
 * underscores and adds the unit and type suffixes Prometheus expects):
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><td>{@code gen_ai.client.token.usage}</td><td>{@code gen_ai_client_token_usage} histogram, by
 *       {@code gen_ai.token.type} = input | output</td></tr>
 *   <tr><td>{@code gen_ai.client.operation.duration}</td><td>{@code gen_ai_client_operation_duration_seconds}
 *       histogram; {@code error.type} is empty on success</td></tr>
 *   <tr><td>{@code gen_ai.server.time_to_first_token}</td><td>{@code gen_ai_server_time_to_first_token_seconds}
 *       histogram, streams only</td></tr>
 *   <tr><td>{@code switchboard.retries}</td><td>{@code switchboard_retries_total}, by provider</td></tr>
 *   <tr><td>{@code switchboard.fallbacks}</td><td>{@code switchboard_fallbacks_total}, by model, from and to
 *       provider</td></tr>
 *   <tr><td>{@code switchboard.cache.hits} / {@code .misses}</td><td>{@code switchboard_cache_hits_total},
 *       {@code switchboard_cache_misses_total}</td></tr>
 *   <tr><td>{@code switchboard.admission.wait}</td><td>{@code switchboard_admission_wait_seconds}, by provider
 *       and outcome (granted | rejected)</td></tr>
 *   <tr><td>{@code switchboard.spend.usd}</td><td>{@code switchboard_spend_usd_total}: what served requests
 *       cost at the configured prices, by model and provider</td></tr>
 * </table>
 *
 * The JVM's own meters (heap and other memory pools, threads, loaded classes, CPU, uptime) are bound
 * too, under Micrometer's usual names ({@code jvm_memory_used_bytes}, {@code process_cpu_usage}, ...).
 * The budget gauges are {@link KeyBudgetGauges}'.
 *
 * The provider gauges (queue depth, slots, bucket levels, breaker state) are {@link ProviderGauges}'.
 * Every GenAI meter carries the same tag keys ({@code gen_ai.operation.name}, {@code gen_ai.provider.name}
 * (the provider's kind), {@code gen_ai.request.model} (the model the client asked for),
 * {@code switchboard.provider} (the provider's id)), because Prometheus wants one label set per name.
 * Bucket boundaries are the ones the conventions advise.
 */
public final class GatewayMetrics {
  static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
      16777216, 67108864};
  static final Duration[] DURATION_BUCKETS = durations(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
      10.24, 20.48, 40.96, 81.92);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public GatewayMetrics() {
    // Binders that hold no listener or thread, so a node that stops leaves nothing behind.
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }
  /**
   * The meters of each label set, found once: building and registering a meter sorts and merges its
   * tags on every call, which is more work than the request path should do per request.
   */
  private final Map<Call, CallMeters> byCall = new ConcurrentHashMap<>();
  private final Map<String, Timer> grantedWaits = new ConcurrentHashMap<>();

  private record CallMeters(DistributionSummary input, DistributionSummary output, Timer succeeded,
      Timer firstToken) {}

  /** What one served call is labelled with. */
  public record Call(String requestModel, String providerKind, String providerId) {
    Tags tags() {
      return Tags.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", providerKind,
          "gen_ai.request.model", requestModel, "switchboard.provider", providerId);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public void tokens(Call call, TokenUsage usage) {
    if (usage == null) return;
    CallMeters meters = meters(call);
    meters.input().record(usage.promptTokens());
    meters.output().record(usage.completionTokens());
  }

  /** A request's whole duration; {@code errorType} null when it succeeded. */
  public void operation(Call call, long nanos, String errorType) {
    Timer timer = errorType == null ? meters(call).succeeded() : operationTimer(call, errorType);
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void timeToFirstToken(Call call, long nanos) {
    meters(call).firstToken().record(nanos, TimeUnit.NANOSECONDS);
  }

  private CallMeters meters(Call call) {
    return byCall.computeIfAbsent(call, c -> new CallMeters(tokenSummary(c, "input"), tokenSummary(c, "output"),
        operationTimer(c, ""),
        Timer.builder("gen_ai.server.time_to_first_token")
            .description("Time from the request's arrival until its stream's first event was ready to send")
            .tags(c.tags())
            .serviceLevelObjectives(DURATION_BUCKETS)
            .register(registry)));
  }

  private Timer operationTimer(Call call, String errorType) {
    return Timer.builder("gen_ai.client.operation.duration")
        .description("Duration of a chat request through the gateway, retries and the whole stream included")
        .tags(call.tags()).tag("error.type", errorType)
        .serviceLevelObjectives(DURATION_BUCKETS)
        .register(registry);
  }

  /** What a served request cost, in US dollars at the deployment's configured prices. */
  public void spend(Call call, double usd) {
    if (usd <= 0) return;
    Counter.builder("switchboard.spend.usd").description("What served requests cost at the configured prices, USD")
        .tags("model", call.requestModel(), "provider", call.providerId()).register(registry).increment(usd);
  }

  public void retry(String provider) {
    Counter.builder("switchboard.retries").description("Upstream calls retried on the same deployment")
        .tag("provider", provider).register(registry).increment();
  }

  public void fallback(String model, String fromProvider, String toProvider) {
    Counter.builder("switchboard.fallbacks").description("Requests sent on to a model's next deployment")
        .tags("model", model, "from", fromProvider, "to", toProvider).register(registry).increment();
  }

  /** A fan-out ended: {@code outcome} is answered, no_consensus, failed or client_gone. */
  public void fanOutEnded(String fanOut, String strategy, String outcome) {
    Counter.builder("switchboard.fanouts").description("Fan-out requests, by strategy and outcome")
        .tags("fan_out", fanOut, "strategy", strategy, "outcome", outcome).register(registry).increment();
  }

  /** A fan-out of strategy {@code first} started a candidate after its hedge delay (not at once). */
  public void hedgeFired(String fanOut) {
    Counter.builder("switchboard.fanout.hedges.fired").description("Hedge calls started after a hedge delay")
        .tag("fan_out", fanOut).register(registry).increment();
  }

  /** A hedge call (not the first candidate) gave the winning answer. */
  public void hedgeWon(String fanOut) {
    Counter.builder("switchboard.fanout.hedges.won").description("Fan-outs whose answer came from a hedge call")
        .tag("fan_out", fanOut).register(registry).increment();
  }

  public void cacheHit() {
    Counter.builder("switchboard.cache.hits").description("Requests answered from the response cache")
        .register(registry).increment();
  }

  public void cacheMiss() {
    Counter.builder("switchboard.cache.misses").description("Cacheable requests that had to go upstream")
        .register(registry).increment();
  }

  /** How long admission took at a provider, granted or not. */
  public void admissionWait(String provider, long nanos, boolean granted) {
    Timer timer = granted ? grantedWaits.computeIfAbsent(provider, p -> admissionTimer(p, "granted"))
        : admissionTimer(provider, "rejected");
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer admissionTimer(String provider, String outcome) {
    return Timer.builder("switchboard.admission.wait")
        .description("Time from asking a provider for admission to its answer")
        .tags("provider", provider, "outcome", outcome)
        .register(registry);
  }

  private DistributionSummary tokenSummary(Call call, String type) {
    return DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Tokens used per request, as the upstream reported them")
        .tags(call.tags()).tag("gen_ai.token.type", type)
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .register(registry);
  }

  private static Duration[] durations(double... seconds) {
    Duration[] out = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) out[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    return out;
  }
}
