package io.switchboard.routing;

import io.switchboard.provider.UpstreamReply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * An upstream call raced against what ends it early: its time running out (the request's deadline, a
 * stream's first-token deadline) or its client leaving. Whichever comes first decides; the loser's
 * outcome is dropped, and a reply that arrives after the cut has its stream cancelled. The call is
 * {@code abandon}ed when the cut wins, which closes its upstream connection
 * ({@link io.switchboard.provider.Abandonment}).
 */
final class CallCutoff {
  private final ActorSystem<?> system;
  private final Materializer materializer;

  CallCutoff(ActorSystem<?> system, Materializer materializer) {
    this.system = system;
    this.materializer = materializer;
  }

  /**
   * {@code answer}, unless {@code afterMillis} pass first (it fails with {@code late}) or {@code clientGone}
   * completes first (it fails with {@link ClientGoneException}).
   */
  CompletionStage<UpstreamReply> race(CompletionStage<UpstreamReply> answer, CompletableFuture<Void> abandon,
      long afterMillis, Supplier<? extends Throwable> late, CompletionStage<?> clientGone) {
    CompletableFuture<UpstreamReply> result = new CompletableFuture<>();
    answer.whenComplete((reply, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else if (!result.complete(reply) && reply instanceof UpstreamReply.Streaming stream) {
        stream.events().runWith(Sink.cancelled(), materializer);
      }
    });
    Cancellable timer = system.classicSystem().scheduler().scheduleOnce(Duration.ofMillis(Math.max(0, afterMillis)),
        () -> cut(result, abandon, late.get()), system.executionContext());
    clientGone.thenRun(() -> cut(result, abandon, new ClientGoneException()));
    result.whenComplete((reply, error) -> timer.cancel());
    return result;
  }

  private static void cut(CompletableFuture<UpstreamReply> result, CompletableFuture<Void> abandon, Throwable why) {
    if (result.completeExceptionally(why)) abandon.complete(null);
  }
}
