package io.switchboard.bench.report;

import io.switchboard.bench.load.LatencySummary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

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
    public static final Calls NONE = new Calls(0, 0, 0, 0);

    long total() {
      return first + second;
    }

    /** What happened between {@code before} and this. */
    public Calls since(Calls before) {
      return new Calls(first - before.first, second - before.second, firstSlow - before.firstSlow,
          secondSlow - before.secondSlow);
    }

    Calls plus(Calls other) {
      return new Calls(first + other.first, second + other.second, firstSlow + other.firstSlow,
          secondSlow + other.secondSlow);
    }
  }

  /** What the gateway's usage records of a measured run add up to. */
  public record Usage(long records, long promptTokens, long completionTokens, BigDecimal costUsd) {
    public static final Usage NONE = new Usage(0, 0, 0, BigDecimal.ZERO);

    long tokens() {
      return promptTokens + completionTokens;
    }

    Usage plus(Usage other) {
      return new Usage(records + other.records, promptTokens + other.promptTokens,
          completionTokens + other.completionTokens, costUsd.add(other.costUsd));
    }
  }

  /**
   * One target's measured run.
   *
   * @param target the model or fan-out the requests named
   * @param hedge how that target hedges, in words ("none", "after 100 ms", "after the first's p90")
   * @param sendLagP99Micros how late the load generator sent at p99, the worst of the target's runs: a
   *     generator far behind its schedule was measuring its own machine
   */
  public record Row(String target, String hedge, LatencySummary latency, long sendLagP99Micros, Calls calls,
      Usage usage) {
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
   * One target's measured runs added up (the rounds of a run, each target measured once a round): one
   * latency histogram over all of them, errors, upstream calls and usage summed, the worst send lag.
   */
  public static final class Tally {
    private final String target;
    private final String hedge;
    private final Histogram latencies = LatencySummary.newHistogram();
    private final Map<String, Long> errors = new TreeMap<>();
    private double seconds;
    private long sendLagP99Micros;
    private Calls calls = Calls.NONE;
    private Usage usage = Usage.NONE;

    public Tally(String target, String hedge) {
      this.target = target;
      this.hedge = hedge;
    }

    /** Adds one measured run: its latencies (µs), errors, length, send lag, and what it cost. */
    public Tally add(Histogram runLatencies, LatencySummary run, long runSendLagP99Micros, Calls runCalls,
        Usage runUsage) {
      latencies.add(runLatencies);
      run.errors().forEach((kind, count) -> errors.merge(kind, count, Long::sum));
      seconds += run.seconds();
      sendLagP99Micros = Math.max(sendLagP99Micros, runSendLagP99Micros);
      calls = calls.plus(runCalls);
      usage = usage.plus(runUsage);
      return this;
    }

    public Row row() {
      return new Row(target, hedge, LatencySummary.of(target, latencies, errors, seconds), sendLagP99Micros, calls,
          usage);
    }
  }

  /**
   * The markdown table, one line per row; "cost vs plain" divides each row's cost per request by the
   * first row's.
   */
  public static String table(List<Row> rows) {
    MarkdownTable table = new MarkdownTable("target", "hedge", "requests", "errors", "p50 ms", "p90 ms", "p99 ms",
        "p99.9 ms", "max ms", "upstream calls per request", "second model called", "slow calls (first / second upstream)",
        "tokens per request", "cost per 1,000 requests", "cost vs plain", "send lag p99 ms");
    double base = rows.isEmpty() ? 0 : rows.get(0).costPerThousand();
    for (Row row : rows) {
      LatencySummary l = row.latency();
      table.row(row.target(), row.hedge(), row.requests(), errors(l.errors()), MarkdownTable.ms(l.p50Micros()),
          MarkdownTable.ms(l.p90Micros()), MarkdownTable.ms(l.p99Micros()), MarkdownTable.ms(l.p999Micros()),
          MarkdownTable.ms(l.maxMicros()),
          MarkdownTable.num(row.per(row.calls().total()), 3), percent(row.per(row.calls().second())),
          row.calls().firstSlow() + " / " + row.calls().secondSlow(), MarkdownTable.num(row.per(row.usage().tokens()), 2),
          "$" + MarkdownTable.num(row.costPerThousand(), 4), MarkdownTable.ratio(row.costPerThousand(), base),
          MarkdownTable.ms(row.sendLagP99Micros()));
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
