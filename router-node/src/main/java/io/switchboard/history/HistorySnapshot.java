package io.switchboard.history;

import io.switchboard.JsonSerializable;
import java.math.BigDecimal;
import java.util.List;

/**
 * A deployment's history as stored: its outcomes oldest first, in columns (a few tens of kilobytes for
 * a thousand outcomes). A cost of -1 is unknown; an error of null is a success.
 */
public record HistorySnapshot(long[] at, int[] latencyMillis, int[] firstTokenMillis, float[] outputTokensPerSecond,
    double[] costUsd, String[] error) implements JsonSerializable {

  static HistorySnapshot of(OutcomeRing ring) {
    List<Outcome> all = ring.oldestFirst();
    int n = all.size();
    HistorySnapshot s = new HistorySnapshot(new long[n], new int[n], new int[n], new float[n], new double[n], new String[n]);
    for (int i = 0; i < n; i++) {
      Outcome o = all.get(i);
      s.at[i] = o.atEpochMillis();
      s.latencyMillis[i] = (int) o.latencyMillis();
      s.firstTokenMillis[i] = (int) o.firstTokenMillis();
      s.outputTokensPerSecond[i] = (float) o.outputTokensPerSecond();
      s.costUsd[i] = o.costUsd() == null ? -1 : o.costUsd().doubleValue();
      s.error[i] = o.error();
    }
    return s;
  }

  /** Replays the stored outcomes into {@code ring}; when it is smaller than the snapshot, the newest are kept. */
  void restoreInto(OutcomeRing ring) {
    for (int i = 0; i < at.length; i++) {
      ring.add(new Outcome(at[i], latencyMillis[i], firstTokenMillis[i], outputTokensPerSecond[i], error[i],
          costUsd[i] < 0 ? null : BigDecimal.valueOf(costUsd[i])));
    }
  }
}
