package io.switchboard.bench.report;

import io.switchboard.bench.load.LatencySummary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table of a hedging run ({@link io.switchboard.bench.HedgeRun}): for each target (the plain model, then the fan-outs
 * that hedge it) the client's latency and what the answers cost. Cost is counted twice, from both
 * ends: the calls the fake upstreams received per client request (a hedge is a second call), and the
 * tokens and dollars of the gateway's usage records (a cancelled call is charged its prompt). Pure, so
 * the figures' arithmetic is tested without a run.
 */
public final class HedgeReport {
  private HedgeReport() {}

  /**
   * The calls the two fake upstreams received during a measured run, and how many of them each
   * delayed as its slow share.
   */
  public record Calls(long first, long second, long firstSlow, long secondSlow) {
    long total() {
      return first + second;
    }
  }

  /** What the gateway's usage records of a measured run add up to. */
  public record Usage(long records, long promptTokens, long completionTokens, BigDecimal costUsd) {
    long tokens() {
      return promptTokens + completionTokens;
    }
  }

  /**
   * One target's measured run.
   *
   * @param target the model or fan-out the requests named
   * @param hedge how that target hedges, in words ("none", "after 100 ms", "after the first's p90")
   */
  public record Row(String target, String hedge, LatencySummary latency, Calls calls, Usage usage) {
    /** Requests the client sent: answered or not. */
    long requests() {
      return latency.ok() + latency.errorCount();
    }

    double per(long amount) {
      return requests() == 0 ? 0 : (double) amount / requests();
    }

    /** US dollars per 1,000 client requests. */
    double costPerThousand() {
      return requests() == 0 ? 0 : usage.costUsd().doubleValue() * 1000 / requests();
    }
  }

  /**
   * The markdown table, one line per row; "cost vs plain" divides each row's cost per request by the
   * first row's.
   */
  public static String table(List<Row> rows) {
    MarkdownTable table = new MarkdownTable("target", "hedge", "requests", "errors", "p50 ms", "p90 ms", "p99 ms",
        "p99.9 ms", "max ms", "upstream calls per request", "second model called", "slow calls (first / second upstream)",
        "tokens per request", "cost per 1,000 requests", "cost vs plain");
    double base = rows.isEmpty() ? 0 : rows.get(0).costPerThousand();
    for (Row row : rows) {
      LatencySummary l = row.latency();
      table.row(row.target(), row.hedge(), row.requests(), errors(l.errors()), MarkdownTable.ms(l.p50Micros()),
          MarkdownTable.ms(l.p90Micros()), MarkdownTable.ms(l.p99Micros()), MarkdownTable.ms(l.p999Micros()),
          MarkdownTable.ms(l.maxMicros()),
          MarkdownTable.num(row.per(row.calls().total()), 3), percent(row.per(row.calls().second())),
          row.calls().firstSlow() + " / " + row.calls().secondSlow(), MarkdownTable.num(row.per(row.usage().tokens()), 2),
          "$" + MarkdownTable.num(row.costPerThousand(), 4), MarkdownTable.ratio(row.costPerThousand(), base));
    }
    return table.toString();
  }

  /** {@code 0.0512 -> "5.1%"}. */
  static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  /** "0", or each error with its count: {@code "HTTP 504: 3, ConnectException: 1"}. */
  static String errors(Map<String, Long> errors) {
    if (errors.isEmpty()) return "0";
    StringBuilder out = new StringBuilder();
    new TreeMap<>(errors).forEach((kind, count) -> out.append(out.isEmpty() ? "" : ", ").append(kind).append(": ").append(count));
    return out.toString();
  }
}
