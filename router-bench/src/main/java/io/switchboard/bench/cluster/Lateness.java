package io.switchboard.bench.cluster;

/**
 * How late the load generator writes its requests: for each request written, the time from when it
 * was due to when the client began writing it. On a starved machine (a cold cluster compiling its code
 * on the same two cores) a request can be written many seconds after it was due, after the balancer
 * chose its node; a run that disrupts a node then measures the generator's backlog rather than the
 * gateway. A run waits until {@link #recentMillis} is small before it disrupts anything.
 *
 * <p>Kept per second of writing time: the latest second and the one before it. Thread-safe.
 *
 * <pre>{@code
 * Lateness late = new Lateness();
 * late.written(10_000, 10_004);    // due at 10.000 s, written at 10.004 s
 * late.recentMillis(10_500);       // 4: the latest writes were 4 ms late
 * late.recentMillis(13_000);       // NONE: nothing written for two seconds
 * }</pre>
 */
final class Lateness {
  /** What {@link #recentMillis} answers when nothing was written in the last two seconds. */
  static final long NONE = -1;

  private long second = Long.MIN_VALUE;
  private long latestMax = NONE;
  private long previousMax = NONE;

  /** Records a request due at {@code dueMillis} whose writing began at {@code writtenMillis}. */
  synchronized void written(long dueMillis, long writtenMillis) {
    long late = Math.max(0, writtenMillis - dueMillis);
    long at = Math.floorDiv(writtenMillis, 1000);
    if (second == Long.MIN_VALUE || at > second + 1) {
      previousMax = NONE;
      latestMax = late;
      second = at;
    } else if (at == second + 1) {
      previousMax = latestMax;
      latestMax = late;
      second = at;
    } else if (at == second) {
      latestMax = Math.max(latestMax, late);
    } else if (at == second - 1) {
      previousMax = Math.max(previousMax, late);
    }
    // Older than that: a write reported after two newer seconds, no longer recent.
  }

  /**
   * The most any request written in the current and the previous second (of {@code nowMillis}) was
   * late, in milliseconds, or {@link #NONE} if none was written then.
   */
  synchronized long recentMillis(long nowMillis) {
    long now = Math.floorDiv(nowMillis, 1000);
    if (second == now) return Math.max(latestMax, previousMax);
    if (second == now - 1) return latestMax;
    return NONE;
  }
}
