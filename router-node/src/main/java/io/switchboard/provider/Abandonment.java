package io.switchboard.provider;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The caller's word that it has given up on an upstream call (the request's deadline passed, its client
 * left, its first token came too late): the call's HTTP connection is then closed rather than left to
 * run on, so the upstream stops generating an answer nobody will read.
 *
 * <pre>{@code
 * CompletableFuture<Void> abandon = new CompletableFuture<>();
 * CompletionStage<UpstreamReply> reply = Abandonment.watching(abandon, () -> upstream.send(call));
 * abandon.complete(null); // later: the connection under reply is closed
 * }</pre>
 *
 * <p>The signal travels with the thread that starts the call rather than through every adapter's
 * signature: {@link UpstreamHttp#send} is called synchronously by each adapter's send and picks it up
 * there, whatever the dialect. A call started outside {@link #watching} is never abandoned.
 */
public final class Abandonment {
  private static final ThreadLocal<CompletionStage<Void>> CURRENT = new ThreadLocal<>();

  private Abandonment() {}

  /** Runs {@code send}; the upstream calls it starts are closed once {@code abandoned} completes. */
  public static <T> T watching(CompletionStage<Void> abandoned, Supplier<T> send) {
    CompletionStage<Void> outer = CURRENT.get();
    CURRENT.set(abandoned);
    try {
      return send.get();
    } finally {
      if (outer == null) CURRENT.remove();
      else CURRENT.set(outer);
    }
  }

  /** The signal of the call being started on this thread; empty outside {@link #watching}. */
  static Optional<CompletionStage<Void>> current() {
    return Optional.ofNullable(CURRENT.get());
  }
}
