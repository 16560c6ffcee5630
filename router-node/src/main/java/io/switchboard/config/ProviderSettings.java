package io.switchboard.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One provider account: its admission limits, its connection pool, its timeouts and the settings of
 * its kind. Built from {@code switchboard.providers.<id>} laid over {@code switchboard.provider-defaults}.
 */
public record ProviderSettings(
    String id,
    ProviderKind kind,
    int maxInFlight,
    Queue queue,
    int maxConnections,
    Client client,
    Timeouts timeouts,
    int maxStreamEvent,
    Supervision supervision,
    Limits limits,
    Breaker breaker,
    Retries retries,
    Duration permitLease,
    Duration reaskAfter,
    Prefetch prefetch,
    Checkpoint checkpoint,
    OpenAi openai,
    Simulated simulated,
    Anthropic anthropic,
    Ollama ollama,
    Embeddings embeddings) {

  /** The provider's admission queue: how many may wait and for how long. */
  public record Queue(int maxSize, Duration maxWait, Duration maxWaitOverrideCap) {}

  /**
   * The HTTP client the provider's calls go through ({@code connection-pool.client}): a Netty pool (the
   * default), which costs less CPU per request and can withdraw a call before its response headers
   * arrive, or Pekko HTTP's host pool.
   */
  public enum Client {
    PEKKO,
    NETTY;

    static Client parse(String value, String path) {
      return switch (value) {
        case "pekko" -> PEKKO;
        case "netty" -> NETTY;
        default -> throw new SettingsException(path + " = \"" + value + "\" must be pekko or netty");
      };
    }
  }

  /** Upstream timeouts; each one ends in a 504 (or, mid-stream, an error event). */
  public record Timeouts(Duration connect, Duration firstByte, Duration total, Duration streamIdle) {}

  /**
   * Permits a node fetches ahead from its provider's admission, to hand to requests without a round
   * trip to the provider's entity (which in a cluster may live on another node).
   *
   * @param permits how many a node holds ready per upstream model at most; 0 turns prefetching off
   * @param idle a fetched permit no request took within this long is handed back, refunded in full
   */
  public record Prefetch(int permits, Duration idle) {
    public static final Prefetch OFF = new Prefetch(0, Duration.ofMillis(200));
  }

  /** Restart-with-backoff parameters for the provider actor. */
  public record Supervision(Duration minBackoff, Duration maxBackoff, double randomFactor) {}

  /**
   * Requests and tokens per minute, each 0 when not set. A limit not set in config is learned from the
   * upstream's {@code x-ratelimit-limit-*} headers when {@code learnFromHeaders}.
   */
  public record Rate(long requestsPerMinute, long tokensPerMinute) {
    public static final Rate NONE = new Rate(0, 0);
  }

  /**
   * The provider's own limits, and those of single upstream models where they differ.
   *
   * @param maxPause the longest an upstream's Retry-After may pause the provider
   */
  public record Limits(
      Rate provider, Map<String, Rate> models, boolean learnFromHeaders, double headroom, Duration maxPause) {
    public Limits {
      models = Map.copyOf(models);
    }

    /** The configured limits for one upstream model; {@link Rate#NONE} when it has none of its own. */
    public Rate model(String upstreamModel) {
      return models.getOrDefault(upstreamModel, Rate.NONE);
    }
  }

  /** When the provider's circuit breaker opens, and how long it stays open. */
  public record Breaker(
      int consecutiveFailures,
      double failureRate,
      Duration window,
      int minimumCalls,
      Duration resetTimeout,
      double resetMultiplier,
      Duration maxResetTimeout) {}

  /** Retries of failed upstream calls: how many, how far apart, and what share of traffic they may be. */
  public record Retries(
      int maxAttempts,
      Duration baseDelay,
      Duration maxDelay,
      double budgetRatio,
      int budgetMinPerSecond,
      Duration budgetWindow) {}

  /**
   * How provider state is persisted: at most every {@code interval}, and a bucket may spend
   * {@code allowance} (a share of its capacity) between two writes, which is what a crash can lose.
   */
  public record Checkpoint(Duration interval, double allowance) {}

  /**
   * An OpenAI-compatible upstream. {@code apiKey} is empty when no key is configured or the named
   * environment variable is unset.
   *
   * @param completions whether the upstream serves the legacy {@code POST /completions} (vLLM and other
   *     OpenAI-compatible hosts do; OpenAI itself only for a few models), which {@code POST /v1/completions}
   *     is then passed through to
   * @param nativeResponses whether {@code POST /v1/responses} is passed through to the host's own
   *     {@code POST /responses} ({@code openai.responses-api = native}) rather than translated to chat
   */
  public record OpenAi(String baseUrl, String apiKeyEnv, Optional<Secret> apiKey, boolean completions,
      boolean nativeResponses) {
    public OpenAi(String baseUrl, String apiKeyEnv, Optional<Secret> apiKey) {
      this(baseUrl, apiKeyEnv, apiKey, false, false);
    }
  }

  /**
   * What this provider takes of {@code POST /v1/embeddings}.
   *
   * @param maxInputs the most inputs one request may carry here; a request with more is refused with 400
   *     (at every deployment of its model) rather than split
   */
  public record Embeddings(int maxInputs) {
    public static final int DEFAULT_MAX_INPUTS = 2048;
  }

  /** The in-process simulated upstream. */
  public record Simulated(
      Duration latency, double tokensPerSecond, double errorRate, long seed, int defaultCompletionTokens) {}

  /**
   * Anthropic's Messages API. {@code apiKey} is empty when the named environment variable is unset. A
   * request without an output limit is sent its deployment's {@code max-output-tokens} (Anthropic
   * requires one), so the provider has no default of its own.
   */
  public record Anthropic(String baseUrl, String apiKeyEnv, Optional<Secret> apiKey, String version) {}

  /**
   * An Ollama server's native API.
   *
   * @param tagsRefresh how long the server's list of pulled models ({@code /api/tags}) is trusted by the
   *     model catalog before it is asked again
   */
  public record Ollama(String baseUrl, Duration tagsRefresh) {}

  static ProviderSettings from(String id, Config c, Function<String, String> env) {
    String path = "switchboard.providers." + id;
    if (!c.hasPath("kind")) {
      throw new SettingsException(path + ".kind is missing; set it to openai, anthropic, ollama or simulated");
    }
    ProviderKind kind = ProviderKind.parse(c.getString("kind"), path + ".kind");
    int maxInFlight = positive(c.getInt("max-in-flight"), path + ".max-in-flight");
    Queue queue = new Queue(
        nonNegative(c.getInt("queue.max-size"), path + ".queue.max-size"),
        positive(c.getDuration("queue.max-wait"), path + ".queue.max-wait"),
        positive(c.getDuration("queue.max-wait-override-cap"), path + ".queue.max-wait-override-cap"));
    Timeouts timeouts = new Timeouts(
        c.getDuration("timeouts.connect"),
        c.getDuration("timeouts.first-byte"),
        c.getDuration("timeouts.total"),
        c.getDuration("timeouts.stream-idle"));
    Supervision supervision = new Supervision(
        c.getDuration("supervision.min-backoff"),
        c.getDuration("supervision.max-backoff"),
        c.getDouble("supervision.random-factor"));
    Limits limits = limits(c.getConfig("limits"), path);
    Breaker breaker = new Breaker(
        positive(c.getInt("breaker.consecutive-failures"), path + ".breaker.consecutive-failures"),
        share(c.getDouble("breaker.failure-rate"), path + ".breaker.failure-rate"),
        positive(c.getDuration("breaker.window"), path + ".breaker.window"),
        positive(c.getInt("breaker.minimum-calls"), path + ".breaker.minimum-calls"),
        positive(c.getDuration("breaker.reset-timeout"), path + ".breaker.reset-timeout"),
        atLeastOne(c.getDouble("breaker.reset-multiplier"), path + ".breaker.reset-multiplier"),
        positive(c.getDuration("breaker.max-reset-timeout"), path + ".breaker.max-reset-timeout"));
    if (breaker.maxResetTimeout().compareTo(breaker.resetTimeout()) < 0) {
      throw new SettingsException(path + ".breaker.max-reset-timeout = " + breaker.maxResetTimeout()
          + " must be at least breaker.reset-timeout = " + breaker.resetTimeout()
          + ": raise breaker.max-reset-timeout (default 10s) along with breaker.reset-timeout, or lower the latter");
    }
    Retries retries = new Retries(
        positive(c.getInt("retries.max-attempts"), path + ".retries.max-attempts"),
        positive(c.getDuration("retries.base-delay"), path + ".retries.base-delay"),
        positive(c.getDuration("retries.max-delay"), path + ".retries.max-delay"),
        share(c.getDouble("retries.budget.ratio"), path + ".retries.budget.ratio"),
        nonNegative(c.getInt("retries.budget.min-per-second"), path + ".retries.budget.min-per-second"),
        positive(c.getDuration("retries.budget.window"), path + ".retries.budget.window"));
    Checkpoint checkpoint = new Checkpoint(
        positive(c.getDuration("checkpoint.interval"), path + ".checkpoint.interval"),
        share(c.getDouble("checkpoint.allowance"), path + ".checkpoint.allowance"));
    OpenAi openai = kind == ProviderKind.OPENAI ? openAi(c.getConfig("openai"), path, env) : null;
    Simulated simulated = kind == ProviderKind.SIMULATED ? simulated(c.getConfig("simulated"), path) : null;
    Anthropic anthropic = kind == ProviderKind.ANTHROPIC ? anthropic(c.getConfig("anthropic"), path, env) : null;
    Ollama ollama = kind == ProviderKind.OLLAMA
        ? new Ollama(baseUrl(c.getString("ollama.base-url"), path + ".ollama.base-url"),
            positive(c.getDuration("ollama.tags-refresh"), path + ".ollama.tags-refresh"))
        : null;
    return new ProviderSettings(
        id,
        kind,
        maxInFlight,
        queue,
        positive(c.getInt("connection-pool.max-connections"), path + ".connection-pool.max-connections"),
        Client.parse(c.getString("connection-pool.client"), path + ".connection-pool.client"),
        timeouts,
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-stream-event")),
        supervision,
        limits,
        breaker,
        retries,
        positive(c.getDuration("permit-lease"), path + ".permit-lease"),
        positive(c.getDuration("reask-after"), path + ".reask-after"),
        prefetch(c, path),
        checkpoint,
        openai,
        simulated,
        anthropic,
        ollama,
        new Embeddings(positive(c.getInt("embeddings.max-inputs"), path + ".embeddings.max-inputs")));
  }

  private static Prefetch prefetch(Config c, String path) {
    int permits = c.getInt("prefetch.permits");
    if (permits < 0 || permits > 1024) {
      throw new SettingsException(path + ".prefetch.permits = " + permits + " must be between 0 (off) and 1024");
    }
    return new Prefetch(permits, positive(c.getDuration("prefetch.idle"), path + ".prefetch.idle"));
  }

  private static Anthropic anthropic(Config c, String path, Function<String, String> env) {
    String keyEnv = c.getString("api-key-env");
    Optional<Secret> key = Optional.empty();
    if (!keyEnv.isBlank()) {
      String value = env.apply(keyEnv);
      if (value != null && !value.isBlank()) key = Optional.of(Secret.of(value.strip()));
    }
    String version = c.getString("version");
    if (version.isBlank()) throw new SettingsException(path + ".anthropic.version must not be empty");
    // Removed rather than ignored: a node that silently sent a different max_tokens than its operator set
    // would be worse than one that refuses to start.
    if (c.hasPath("default-max-tokens")) {
      throw new SettingsException(path + ".anthropic.default-max-tokens is no longer read: a request without"
          + " max_tokens is sent its deployment's max-output-tokens. Set max-output-tokens on the model (or in"
          + " switchboard.model-defaults) and remove default-max-tokens.");
    }
    return new Anthropic(baseUrl(c.getString("base-url"), path + ".anthropic.base-url"), keyEnv, key, version);
  }

  private static String baseUrl(String value, String path) {
    String baseUrl = value.replaceAll("/+$", "");
    if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
      throw new SettingsException(path + " = \"" + baseUrl + "\" must start with http:// or https://");
    }
    return baseUrl;
  }

  private static OpenAi openAi(Config c, String path, Function<String, String> env) {
    String baseUrl = c.getString("base-url").replaceAll("/+$", "");
    if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
      throw new SettingsException(path + ".openai.base-url = \"" + baseUrl + "\" must start with http:// or https://");
    }
    String keyEnv = c.getString("api-key-env");
    Optional<Secret> key = Optional.empty();
    if (!keyEnv.isBlank()) {
      String value = env.apply(keyEnv);
      if (value != null && !value.isBlank()) key = Optional.of(Secret.of(value.strip()));
    }
    String responsesApi = c.getString("responses-api");
    if (!responsesApi.equals("chat") && !responsesApi.equals("native")) {
      throw new SettingsException(path + ".openai.responses-api = \"" + responsesApi + "\" must be chat or native");
    }
    return new OpenAi(baseUrl, keyEnv, key, c.getBoolean("completions"), responsesApi.equals("native"));
  }

  private static Simulated simulated(Config c, String path) {
    double errorRate = c.getDouble("error-rate");
    if (errorRate < 0.0 || errorRate > 1.0) {
      throw new SettingsException(path + ".simulated.error-rate = " + errorRate + " must be between 0.0 and 1.0");
    }
    double tps = c.getDouble("tokens-per-second");
    if (tps < 0) throw new SettingsException(path + ".simulated.tokens-per-second must not be negative");
    return new Simulated(
        c.getDuration("latency"),
        tps,
        errorRate,
        c.getLong("seed"),
        positive(c.getInt("default-completion-tokens"), path + ".simulated.default-completion-tokens"));
  }

  private static Limits limits(Config c, String path) {
    Map<String, Rate> models = new TreeMap<>();
    for (var entry : c.getObject("models").entrySet()) {
      if (entry.getValue().valueType() != ConfigValueType.OBJECT) continue;
      String key = "\"" + entry.getKey().replace("\"", "\\\"") + "\"";
      models.put(entry.getKey(), rate(c.getConfig("models").getConfig(key).withFallback(RATE_DEFAULTS),
          path + ".limits.models." + entry.getKey()));
    }
    double headroom = c.getDouble("headroom");
    if (headroom < 0.0 || headroom >= 1.0) {
      throw new SettingsException(path + ".limits.headroom = " + headroom + " must be at least 0.0 and below 1.0");
    }
    return new Limits(rate(c, path + ".limits"), models, c.getBoolean("learn-from-headers"), headroom,
        positive(c.getDuration("max-pause"), path + ".limits.max-pause"));
  }

  private static final Config RATE_DEFAULTS =
      ConfigFactory.parseString("requests-per-minute = 0, tokens-per-minute = 0");

  private static Rate rate(Config c, String path) {
    long rpm = c.getLong("requests-per-minute");
    long tpm = c.getLong("tokens-per-minute");
    if (rpm < 0) throw new SettingsException(path + ".requests-per-minute = " + rpm + " must not be negative (0: no limit)");
    if (tpm < 0) throw new SettingsException(path + ".tokens-per-minute = " + tpm + " must not be negative (0: no limit)");
    return new Rate(rpm, tpm);
  }

  private static Duration positive(Duration value, String path) {
    if (value.isNegative() || value.isZero()) throw new SettingsException(path + " = " + value + " must be positive");
    return value;
  }

  private static double share(double value, String path) {
    if (value < 0.0 || value > 1.0) throw new SettingsException(path + " = " + value + " must be between 0.0 and 1.0");
    return value;
  }

  private static double atLeastOne(double value, String path) {
    if (value < 1.0) throw new SettingsException(path + " = " + value + " must be at least 1.0");
    return value;
  }

  private static int positive(int value, String path) {
    if (value < 1) throw new SettingsException(path + " = " + value + " must be at least 1");
    return value;
  }

  private static int nonNegative(int value, String path) {
    if (value < 0) throw new SettingsException(path + " = " + value + " must not be negative");
    return value;
  }
}
