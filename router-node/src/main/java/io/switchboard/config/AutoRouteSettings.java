package io.switchboard.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * An {@code auto} route: a name clients ask for like a model, whose model is chosen per request by the
 * scorer among {@code candidates} (model names), under {@code objective} and {@code limits}; then
 * {@code fallbacks} say which model to try when the chosen one fails in a given way.
 *
 * <p>The records are plain data (Jackson reads and writes them as they are), so the live registry can
 * export, import and replicate them.
 */
public record AutoRouteSettings(String name, List<String> candidates, Objective objective, Limits limits,
    List<Fallback> fallbacks) {

  public AutoRouteSettings {
    candidates = List.copyOf(candidates);
    fallbacks = List.copyOf(fallbacks);
    if (candidates.isEmpty()) throw new IllegalArgumentException("an auto route needs at least one candidate model");
  }

  /** Weights of cost, latency and quality in a candidate's score; each 0 or more, not all 0. */
  public record Objective(double cost, double latency, double quality) {
    public Objective {
      if (cost < 0 || latency < 0 || quality < 0 || cost + latency + quality == 0) {
        throw new IllegalArgumentException("objective weights must be 0 or more and not all 0");
      }
    }
  }

  /**
   * What excludes a candidate outright.
   *
   * @param maxPricePerRequestUsd the most a request's expected cost may be; {@code null}: no limit
   * @param maxLatency the most its expected latency may be; {@code null}: no limit
   * @param requires capabilities a candidate must have, beyond those the request itself needs
   * @param contextMustFit whether a candidate whose context window cannot hold the request is excluded
   */
  public record Limits(BigDecimal maxPricePerRequestUsd, Duration maxLatency, Set<Capability> requires,
      boolean contextMustFit) {
    public static final Limits NONE = new Limits(null, null, Set.of(), true);

    public Limits {
      requires = Set.copyOf(requires);
    }
  }

  /** When the chosen model fails with {@code when}, try {@code model} next (the next in the list if null). */
  public record Fallback(Condition when, String model) {}

  /** The failures a fallback rule can name. */
  public enum Condition {
    /** The request does not fit the model's context window. */
    CONTEXT_EXCEEDED,
    /** Every deployment of the model refused for rate limits. */
    RATE_LIMITED,
    /** Every deployment of the model is down (breaker open, 5xx, timeouts). */
    UNAVAILABLE
  }
}
