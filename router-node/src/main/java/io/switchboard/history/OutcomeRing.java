package io.switchboard.history;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The latest {@code capacity} outcomes of one deployment in primitive arrays allocated once: recording
 * the millionth outcome costs what the first did and takes no new memory, whatever the traffic. Each
 * outcome takes {@value #BYTES_PER_OUTCOME} bytes of arrays. Error kinds are interned in a small table of
 * at most {@value #MAX_ERROR_KINDS} names per deployment (more become {@value #OTHER_ERROR}), so a
 * failure stores one byte.
 *
 * <p>Not thread-safe: it belongs to one actor. Costs are kept as doubles (NaN when unknown); a summary
 * is worked out when asked and cached until the next outcome.
 */
public final class OutcomeRing {
  /** Bytes of array storage per outcome: time (8), latency (4), first token (4), tokens/s (4), cost (8), error (1). */
  public static final int BYTES_PER_OUTCOME = 29;
  static final int MAX_ERROR_KINDS = 64;
  static final String OTHER_ERROR = "other";

  private final long[] at;
  private final int[] latencyMillis;
  private final int[] firstTokenMillis;
  private final float[] tokensPerSecond;
  private final double[] costUsd;
  /** 0: success; otherwise 1 + the index of the kind in {@link #errorKinds}. */
  private final byte[] error;
  private final List<String> errorKinds = new ArrayList<>();
  private final int[] scratch;
  private int next;
  private int count;
  private HistorySummary summary = HistorySummary.EMPTY;
  private boolean summaryStale;

  public OutcomeRing(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
    at = new long[capacity];
    latencyMillis = new int[capacity];
    firstTokenMillis = new int[capacity];
    tokensPerSecond = new float[capacity];
    costUsd = new double[capacity];
    error = new byte[capacity];
    scratch = new int[capacity];
  }

  public int capacity() {
    return at.length;
  }

  /** Outcomes held: how many were added, at most {@link #capacity}. */
  public int size() {
    return count;
  }

  /** Adds {@code outcome}, overwriting the oldest once full. */
  public void add(Outcome outcome) {
    int i = next;
    at[i] = outcome.atEpochMillis();
    latencyMillis[i] = clamp(outcome.latencyMillis());
    firstTokenMillis[i] = outcome.firstTokenMillis() < 0 ? -1 : clamp(outcome.firstTokenMillis());
    tokensPerSecond[i] = (float) Math.max(0, outcome.outputTokensPerSecond());
    costUsd[i] = outcome.costUsd() == null ? Double.NaN : outcome.costUsd().doubleValue();
    error[i] = outcome.success() ? 0 : errorCode(outcome.error());
    next = (i + 1) % at.length;
    if (count < at.length) count++;
    summaryStale = true;
  }

  /** The latest {@code limit} outcomes, newest first. */
  public List<Outcome> latest(int limit) {
    int n = Math.min(Math.max(0, limit), count);
    List<Outcome> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) out.add(get(index(k)));
    return out;
  }

  /** Every outcome held, oldest first: what a snapshot stores. */
  public List<Outcome> oldestFirst() {
    List<Outcome> out = new ArrayList<>(count);
    for (int k = count - 1; k >= 0; k--) out.add(get(index(k)));
    return out;
  }

  /** Counts, error rate, latency p50/p90/p99, first-token p50, mean output tokens/s and cost, over the outcomes held. */
  public HistorySummary summary() {
    if (!summaryStale) return summary;
    int failures = 0;
    int ok = 0;
    double tokensSum = 0;
    int tokensN = 0;
    double costSum = 0;
    int costN = 0;
    // Oldest to newest, so that the same outcomes give the same sums however the ring is laid out.
    for (int n = count - 1; n >= 0; n--) {
      int k = index(n);
      if (error[k] != 0) {
        failures++;
        continue;
      }
      scratch[ok++] = latencyMillis[k];
      if (tokensPerSecond[k] > 0) {
        tokensSum += tokensPerSecond[k];
        tokensN++;
      }
      if (!Double.isNaN(costUsd[k])) {
        costSum += costUsd[k];
        costN++;
      }
    }
    Arrays.sort(scratch, 0, ok);
    long p50 = percentile(ok, 0.50);
    long p90 = percentile(ok, 0.90);
    long p99 = percentile(ok, 0.99);
    int streamed = 0;
    for (int k = 0; k < count; k++) {
      if (error[k] == 0 && firstTokenMillis[k] >= 0) scratch[streamed++] = firstTokenMillis[k];
    }
    Arrays.sort(scratch, 0, streamed);
    long firstTokenP50 = percentile(streamed, 0.50);
    summary = count == 0 ? HistorySummary.EMPTY : new HistorySummary(count, (double) failures / count, p50, p90, p99,
        firstTokenP50, tokensN == 0 ? 0 : tokensSum / tokensN, costN == 0 ? 0 : costSum / costN);
    summaryStale = false;
    return summary;
  }

  /** Nearest rank over the first {@code n} sorted values of the scratch array; 0 when there are none. */
  private long percentile(int n, double p) {
    if (n == 0) return 0;
    int rank = (int) Math.ceil(p * n);
    return scratch[Math.min(n, Math.max(1, rank)) - 1];
  }

  /** The array index of the {@code k}-th newest outcome (0: the newest). */
  private int index(int k) {
    return Math.floorMod(next - 1 - k, at.length);
  }

  private Outcome get(int i) {
    return new Outcome(at[i], latencyMillis[i], firstTokenMillis[i], tokensPerSecond[i],
        error[i] == 0 ? null : errorKinds.get(error[i] - 1),
        Double.isNaN(costUsd[i]) ? null : BigDecimal.valueOf(costUsd[i]));
  }

  private byte errorCode(String kind) {
    int found = errorKinds.indexOf(kind);
    if (found < 0) {
      if (errorKinds.size() < MAX_ERROR_KINDS - 1) {
        errorKinds.add(kind);
        found = errorKinds.size() - 1;
      } else {
        found = errorKinds.indexOf(OTHER_ERROR);
        if (found < 0) {
          errorKinds.add(OTHER_ERROR);
          found = errorKinds.size() - 1;
        }
      }
    }
    return (byte) (found + 1);
  }

  private static int clamp(long millis) {
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, millis));
  }
}
