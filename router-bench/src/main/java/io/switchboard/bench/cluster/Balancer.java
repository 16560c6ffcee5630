package io.switchboard.bench.cluster;

/**
 * Where a run's load balancer sends the next request: round-robin over the nodes in rotation. A node
 * is in rotation unless the run {@linkplain #hold holds it out} (it is being killed, frozen or
 * stopped: a load balancer takes a node out as soon as it is told it goes) or, with health checks,
 * its last {@code /ready} check did not answer 200. Nodes are counted from 1; every node starts in
 * rotation and ready. Thread-safe: the load, the run and the health checks share one.
 *
 * <pre>{@code
 * Balancer lb = new Balancer(3);
 * lb.hold(1);          // node-1 is stopping: no new request goes to it
 * lb.next();           // 2, then 3, 2, 3, ...
 * lb.release(1);       // back, once its /ready says so
 * lb.checked(1, false);
 * }</pre>
 */
final class Balancer {
  /** What {@link #next} answers when no node is in rotation. */
  static final int NONE = 0;

  private final boolean[] held;
  private final boolean[] ready;
  private int cursor;

  Balancer(int nodes) {
    if (nodes < 1) throw new IllegalArgumentException("a balancer needs at least one node, got " + nodes);
    held = new boolean[nodes];
    ready = new boolean[nodes];
    java.util.Arrays.fill(ready, true);
  }

  /** Takes {@code node} out of rotation until {@link #release}, whatever its health checks say. */
  synchronized void hold(int node) {
    held[check(node) - 1] = true;
  }

  /** Lets {@code node} back into rotation as soon as its health check is (or turns) good. */
  synchronized void release(int node) {
    held[check(node) - 1] = false;
  }

  /** Records the result of a {@code /ready} check of {@code node}: 200 or not. */
  synchronized void checked(int node, boolean isReady) {
    ready[check(node) - 1] = isReady;
  }

  synchronized boolean inRotation(int node) {
    int i = check(node) - 1;
    return !held[i] && ready[i];
  }

  /** The next node in rotation, round-robin, or {@link #NONE} when none is. */
  synchronized int next() {
    for (int tried = 0; tried < held.length; tried++) {
      int i = cursor;
      cursor = (cursor + 1) % held.length;
      if (!held[i] && ready[i]) return i + 1;
    }
    return NONE;
  }

  private int check(int node) {
    if (node < 1 || node > held.length) throw new IllegalArgumentException("no node-" + node + " of " + held.length);
    return node;
  }
}
