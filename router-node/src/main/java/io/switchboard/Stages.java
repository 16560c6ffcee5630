package io.switchboard;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the continuations of Pekko's futures run.
 *
 * <p>A {@link CompletionStage} from Pekko's Java API ({@code AskPattern.ask}, {@code Http.singleRequest},
 * {@code toStrict}, a stream's materialized completion) is Scala's converted future, which runs every
 * dependent stage, {@code thenApply} and {@code handle} included, asynchronously on the JDK's default
 * executor: {@code ForkJoinPool.commonPool()}, or a new thread per stage where the common pool has a
 * single thread. Either way a thread hand-off per stage; a profile of a node at saturation found 16% of
 * its samples on common-pool threads. {@link #direct}
 * gives a plain future instead, completed on the thread that completed Pekko's, so the request path's
 * stages run where their input is ready, as Pekko's own (parasitic) continuations do.
 *
 * <pre>{@code
 * Stages.direct(AskPattern.ask(actor, Command::new, timeout, scheduler)).thenApply(this::read)
 * }</pre>
 */
public final class Stages {
  private Stages() {}

  /** {@code stage} as a plain future whose dependent stages run on the thread that completes it. */
  public static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) plain.completeExceptionally(error);
      else plain.complete(value);
    }, Runnable::run);
    return plain;
  }
}
