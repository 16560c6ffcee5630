package io.switchboard.console;

import io.switchboard.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The latest calls this node settled, for the console's live view: a bounded ring of what a usage
 * record says of each (id, key, model, deployment, outcome, latency, tokens, cost, and for an auto route
 * the route and why it chose the model), never its content.
 * Each entry has a sequence number so that a reader asks only for what it has not seen.
 */
public final class LiveRequests {

  /**
   * One settled call; {@code keyId} null for an anonymous caller; {@code route} and {@code routeReason}
   * null unless the client asked for an auto route.
   */
  public record Entry(long seq, long at, String requestId, String keyId, String model, String deployment,
      String outcome, long latencyMs, Long ttftMs, long promptTokens, long completionTokens, BigDecimal costUsd,
      String route, String routeReason) {}

  private final Entry[] ring;
  private long next = 1;

  public LiveRequests(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
    this.ring = new Entry[capacity];
  }

  public synchronized void record(UsageRecord call) {
    long seq = next++;
    ring[(int) (seq % ring.length)] = new Entry(seq, call.atEpochMillis(), call.requestId(), call.keyId(), call.model(),
        call.deployment(), call.outcome(), call.latencyMs(), call.ttftMs(), call.promptTokens(),
        call.completionTokens(), call.costUsd(), call.route(), call.routeReason());
  }

  /** The entries after {@code seq} still kept, oldest first. */
  public synchronized List<Entry> after(long seq) {
    long from = Math.max(seq + 1, next - ring.length);
    List<Entry> entries = new ArrayList<>();
    for (long s = Math.max(from, 1); s < next; s++) entries.add(ring[(int) (s % ring.length)]);
    return entries;
  }
}
