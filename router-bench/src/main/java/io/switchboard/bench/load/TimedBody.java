package io.switchboard.bench.load;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a response body, noting when its first bytes arrived (time to first token, for a stream) and
 * whether a stream ended with {@code data: [DONE]}, without keeping the body.
 */
final class TimedBody implements HttpResponse.BodySubscriber<TimedBody> {
  private final CompletableFuture<TimedBody> done = new CompletableFuture<>();
  private final StreamTail tail = new StreamTail();
  private volatile long firstByteNanos;
  private final Runnable onFirstByte;
  private volatile Flow.Subscription subscription;

  TimedBody() {
    this(() -> {});
  }

  /** {@code onFirstByte} runs once, when the first body bytes arrive. */
  TimedBody(Runnable onFirstByte) {
    this.onFirstByte = onFirstByte;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer item : items) {
      if (!item.hasRemaining()) continue;
      if (firstByteNanos == 0) {
        firstByteNanos = System.nanoTime();
        onFirstByte.run();
      }
      keepTail(item);
    }
  }

  /** Only the last few bytes matter: enough to see the closing {@code [DONE]} event. */
  private void keepTail(ByteBuffer item) {
    int from = Math.max(item.position(), item.limit() - 32);
    byte[] bytes = new byte[item.limit() - from];
    item.get(from, bytes);
    tail.append(bytes);
  }

  @Override
  public void onError(Throwable failure) {
    done.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    done.complete(this);
  }

  @Override
  public CompletionStage<TimedBody> getBody() {
    return done;
  }

  long firstByteNanos() {
    return firstByteNanos;
  }

  boolean endedWithDone() {
    return tail.endedWithDone();
  }

  /** Stops reading: the connection is dropped, as when a client goes away. */
  void cancel() {
    Flow.Subscription s = subscription;
    if (s != null) s.cancel();
  }
}
