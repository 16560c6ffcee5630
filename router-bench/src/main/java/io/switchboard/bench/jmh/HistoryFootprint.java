package io.switchboard.bench.jmh;

import io.switchboard.history.Outcome;
import io.switchboard.history.OutcomeRing;
import java.math.BigDecimal;
import org.openjdk.jol.info.GraphLayout;

/**
 * The memory one deployment's history retains, measured with JOL over the whole object graph of its
 * ring (arrays, error-kind table, cached summary), full after far more outcomes than it keeps.
 *
 * <pre>{@code java -cp router-bench/target/router-bench.jar io.switchboard.bench.jmh.HistoryFootprint}</pre>
 */
public final class HistoryFootprint {
  static {
    // Records' fields have no Unsafe offset on JDK 17; JOL then finds offsets its other way.
    System.setProperty("jol.magicFieldOffset", "true");
  }

  private HistoryFootprint() {}

  /** A ring of {@code size} after 100 times as many outcomes, one in ten a failure. */
  static OutcomeRing full(int size) {
    OutcomeRing ring = new OutcomeRing(size);
    for (int i = 0; i < size * 100; i++) {
      ring.add(i % 10 == 0 ? new Outcome(i, 30_000, -1, 0, "provider_error", null)
          : new Outcome(i, 500 + i % 700, 100 + i % 90, 40 + i % 30, null, new BigDecimal("0.00042")));
    }
    ring.summary();
    return ring;
  }

  /** Bytes retained by a full ring of {@code size}. */
  public static long retainedBytes(int size) {
    return GraphLayout.parseInstance(full(size)).totalSize();
  }

  public static void main(String[] args) {
    for (int size : new int[] {100, 1000, 10_000}) {
      long bytes = retainedBytes(size);
      System.out.printf("history size %,6d: %,9d bytes retained, %.1f bytes per outcome%n", size, bytes,
          (double) bytes / size);
    }
  }
}
