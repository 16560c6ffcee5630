package io.switchboard.bench.upstream;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The connections of a client that pools them itself: an idle one is reused (the one freed last
 * first, so that a light load keeps few connections warm), a new one is opened while fewer than
 * {@code max} are open, and past that a request waits for the next one freed. A connection is either
 * in use by one request, idle here, or discarded (closed or broken) and no longer counted.
 *
 * <p>The lock guards a few field updates only; opening a connection happens outside it.
 */
final class FreeList<C> {
  private final int max;
  private final Supplier<C> opener;
  private final Deque<C> idle = new ArrayDeque<>();
  private final Queue<CompletableFuture<C>> waiting = new ArrayDeque<>();
  private int open;

  /** {@code opener} opens a connection (it may not block); at most {@code max} are open at once. */
  FreeList(int max, Supplier<C> opener) {
    if (max < 1) throw new IllegalArgumentException("max must be at least 1, was " + max);
    this.max = max;
    this.opener = opener;
  }

  /** A connection for one request: idle, new, or the next one freed when {@code max} are in use. */
  CompletionStage<C> acquire() {
    synchronized (this) {
      C reused = idle.pollFirst();
      if (reused != null) return CompletableFuture.completedFuture(reused);
      if (open >= max) {
        CompletableFuture<C> turn = new CompletableFuture<>();
        waiting.add(turn);
        return turn;
      }
      open++;
    }
    return CompletableFuture.completedFuture(openCounted());
  }

  /** {@code connection} finished its request and can take another: to the longest waiter, or idle. */
  void release(C connection) {
    CompletableFuture<C> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        idle.addFirst(connection);
        return;
      }
    }
    next.complete(connection);
  }

  /**
   * {@code connection} closed or broke (in use or idle): it is forgotten, and a waiting request gets a
   * new connection in its place. Call once per connection.
   */
  void discard(C connection) {
    CompletableFuture<C> next;
    synchronized (this) {
      idle.remove(connection);
      next = waiting.poll();
      if (next == null) {
        open--;
        return;
      }
    }
    try {
      next.complete(opener.get());
    } catch (RuntimeException e) {
      synchronized (this) {
        open--;
      }
      next.completeExceptionally(e);
    }
  }

  synchronized int open() {
    return open;
  }

  synchronized int idle() {
    return idle.size();
  }

  synchronized int waiting() {
    return waiting.size();
  }

  private C openCounted() {
    try {
      return opener.get();
    } catch (RuntimeException e) {
      synchronized (this) {
        open--;
      }
      throw e;
    }
  }
}
