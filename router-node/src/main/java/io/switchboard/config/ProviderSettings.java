package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
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
    Timeouts timeouts,
    int maxStreamEvent,
    Supervision supervision,
    OpenAi openai,
    Simulated simulated,
    Anthropic anthropic,
    Ollama ollama) {

  /** The provider's admission queue: how many may wait and for how long. */
  public record Queue(int maxSize, Duration maxWait) {}

  /** Upstream timeouts; each one ends in a 504 (or, mid-stream, an error event). */
  public record Timeouts(Duration connect, Duration firstByte, Duration total, Duration streamIdle) {}

  /** Restart-with-backoff parameters for the provider actor. */
  public record Supervision(Duration minBackoff, Duration maxBackoff, double randomFactor) {}

  /**
   * An OpenAI-compatible upstream. {@code apiKey} is empty when no key is configured or the named
   * environment variable is unset.
   */
  public record OpenAi(String baseUrl, String apiKeyEnv, Optional<Secret> apiKey) {}

  /** The in-process simulated upstream. */
  public record Simulated(
      Duration latency, double tokensPerSecond, double errorRate, long seed, int defaultCompletionTokens) {}

  /**
   * Anthropic's Messages API. {@code apiKey} is empty when the named environment variable is unset;
   * {@code defaultMaxTokens} is sent when a request sets no output limit (Anthropic requires one).
   */
  public record Anthropic(
      String baseUrl, String apiKeyEnv, Optional<Secret> apiKey, String version, int defaultMaxTokens) {}

  /** An Ollama server's native API. */
  public record Ollama(String baseUrl) {}

  static ProviderSettings from(String id, Config c, Function<String, String> env) {
    String path = "switchboard.providers." + id;
    if (!c.hasPath("kind")) {
      throw new SettingsException(path + ".kind is missing; set it to openai, anthropic, ollama or simulated");
    }
    ProviderKind kind = ProviderKind.parse(c.getString("kind"), path + ".kind");
    int maxInFlight = positive(c.getInt("max-in-flight"), path + ".max-in-flight");
    Queue queue = new Queue(
        nonNegative(c.getInt("queue.max-size"), path + ".queue.max-size"), c.getDuration("queue.max-wait"));
    Timeouts timeouts = new Timeouts(
        c.getDuration("timeouts.connect"),
        c.getDuration("timeouts.first-byte"),
        c.getDuration("timeouts.total"),
        c.getDuration("timeouts.stream-idle"));
    Supervision supervision = new Supervision(
        c.getDuration("supervision.min-backoff"),
        c.getDuration("supervision.max-backoff"),
        c.getDouble("supervision.random-factor"));
    OpenAi openai = kind == ProviderKind.OPENAI ? openAi(c.getConfig("openai"), path, env) : null;
    Simulated simulated = kind == ProviderKind.SIMULATED ? simulated(c.getConfig("simulated"), path) : null;
    Anthropic anthropic = kind == ProviderKind.ANTHROPIC ? anthropic(c.getConfig("anthropic"), path, env) : null;
    Ollama ollama = kind == ProviderKind.OLLAMA
        ? new Ollama(baseUrl(c.getString("ollama.base-url"), path + ".ollama.base-url")) : null;
    return new ProviderSettings(
        id,
        kind,
        maxInFlight,
        queue,
        positive(c.getInt("connection-pool.max-connections"), path + ".connection-pool.max-connections"),
        timeouts,
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-stream-event")),
        supervision,
        openai,
        simulated,
        anthropic,
        ollama);
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
    return new Anthropic(baseUrl(c.getString("base-url"), path + ".anthropic.base-url"), keyEnv, key, version,
        positive(c.getInt("default-max-tokens"), path + ".anthropic.default-max-tokens"));
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
    return new OpenAi(baseUrl, keyEnv, key);
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

  private static int positive(int value, String path) {
    if (value < 1) throw new SettingsException(path + " = " + value + " must be at least 1");
    return value;
  }

  private static int nonNegative(int value, String path) {
    if (value < 0) throw new SettingsException(path + " = " + value + " must not be negative");
    return value;
  }
}
