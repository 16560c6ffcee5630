package io.switchboard.orchestration;

import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.Capability;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.PerformanceHistory;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Ranks a route's candidates for one request. A candidate is excluded outright when it lacks a capability
 * the request uses or the route requires, when the prompt and its output do not fit its context window
 * ({@code context-must-fit}), when its expected cost is above {@code max-price-per-request}, or when its
 * observed p50 latency is above {@code max-latency}. The others are scored, each part 0 to 1:
 *
 * <ul>
 *   <li>cost: the cheapest expected cost over this one's (1 for the cheapest); expected cost is the prompt
 *       estimate times the input price plus the expected output times the output price;
 *   <li>latency: the fastest observed p50 over this one's; 0.5 for a candidate without history while others
 *       have one, 1 for all when none has;
 *   <li>quality: the model's strength for the task kind (0.5 when unstated);
 * </ul>
 *
 * combined as the objective's weighted mean, times one minus the observed error rate. Ties keep the
 * candidates' configured order. Allocation is a few arrays per request; no map, no stream.
 */
final class RouteScorer {
  private static final double UNKNOWN_LATENCY = 0.5;
  private static final MathContext TWO_DIGITS = new MathContext(2);

  private RouteScorer() {}

  /** One request's ranking: {@code order[0, qualified)} are candidate indices, best first. */
  static final class Ranking {
    final int[] order;
    int qualified;
    final double[] score;
    final double[] cost;
    final long[] p50;
    final String[] excluded;
    /** The best candidate ignoring history (latency and errors), for probes; -1 when none qualifies. */
    int bestOnMerit = -1;

    Ranking(int n) {
      order = new int[n];
      score = new double[n];
      cost = new double[n];
      p50 = new long[n];
      excluded = new String[n];
    }
  }

  static Ranking rank(Candidate[] candidates, TaskVerdict v, AutoRouteSettings.Objective objective,
      AutoRouteSettings.Limits limits, PerformanceHistory history) {
    int n = candidates.length;
    Ranking r = new Ranking(n);
    int needs = Candidate.mask(v.needs()) | Candidate.mask(limits.requires());
    double maxPrice = limits.maxPricePerRequestUsd() == null ? Double.POSITIVE_INFINITY
        : limits.maxPricePerRequestUsd().doubleValue();
    long maxLatency = limits.maxLatency() == null ? Long.MAX_VALUE : limits.maxLatency().toMillis();
    double[] errors = new double[n];
    double minCost = Double.POSITIVE_INFINITY;
    long minLatency = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Candidate c = candidates[i];
      int output = v.outputTokens(c.outputCap);
      int expectedOutput = Math.min(output, v.expectedOutputTokens());
      r.cost[i] = v.promptTokens() * c.inputPerToken + expectedOutput * c.outputPerToken;
      HistorySummary s = c.summary(history);
      r.p50[i] = s.known() ? s.latencyP50Millis() : -1;
      errors[i] = s.known() ? s.errorRate() : 0;
      long needed = v.contextNeeded(c.outputCap);
      if ((c.capabilities & needs) != needs) {
        r.excluded[i] = "lacks " + missing(needs & ~c.capabilities);
      } else if (limits.contextMustFit() && c.contextWindow > 0 && needed > c.contextWindow) {
        r.excluded[i] = "context " + needed + ">" + c.contextWindow;
      } else if (r.cost[i] > maxPrice) {
        r.excluded[i] = "price " + dollars(r.cost[i]) + ">limit " + dollars(maxPrice);
      } else if (r.p50[i] > maxLatency) {
        r.excluded[i] = "p50 " + r.p50[i] + "ms>limit " + maxLatency + "ms";
      } else {
        r.order[r.qualified++] = i;
        minCost = Math.min(minCost, r.cost[i]);
        if (r.p50[i] >= 0) minLatency = Math.min(minLatency, r.p50[i]);
      }
    }
    double weights = objective.cost() + objective.latency() + objective.quality();
    double bestMerit = -1;
    for (int q = 0; q < r.qualified; q++) {
      int i = r.order[q];
      double costScore = (minCost + 1e-9) / (r.cost[i] + 1e-9);
      double latencyScore = r.p50[i] < 0 ? (minLatency == Long.MAX_VALUE ? 1 : UNKNOWN_LATENCY)
          : (minLatency + 1.0) / (r.p50[i] + 1.0);
      double quality = candidates[i].strengths[v.kind().ordinal()];
      double merit = objective.cost() * costScore + objective.quality() * quality;
      r.score[i] = (merit + objective.latency() * latencyScore) / weights * (1 - errors[i]);
      double onMerit = (merit + objective.latency()) / weights;
      if (onMerit > bestMerit) {
        bestMerit = onMerit;
        r.bestOnMerit = i;
      }
    }
    // Insertion sort by score, stable: ties keep the configured order.
    for (int q = 1; q < r.qualified; q++) {
      int i = r.order[q];
      int p = q - 1;
      while (p >= 0 && r.score[r.order[p]] < r.score[i]) {
        r.order[p + 1] = r.order[p];
        p--;
      }
      r.order[p + 1] = i;
    }
    return r;
  }

  private static String missing(int mask) {
    StringBuilder s = new StringBuilder();
    for (Capability c : Capability.values()) {
      if ((mask & (1 << c.ordinal())) != 0) s.append(s.length() == 0 ? "" : "+").append(c.configName());
    }
    return s.toString();
  }

  /** {@code $0.00043}: two significant digits, for the reason header. */
  static String dollars(double usd) {
    if (usd <= 0) return "$0";
    return "$" + new BigDecimal(usd).round(TWO_DIGITS).stripTrailingZeros().toPlainString();
  }
}
