package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TimedBodyTest {

  private static final class Subscription implements Flow.Subscription {
    final AtomicLong requested = new AtomicLong();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public void request(long n) {
      requested.addAndGet(n);
    }

    @Override
    public void cancel() {
      cancelled.set(true);
    }
  }

  private static List<ByteBuffer> chunk(String text) {
    return List.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void notesTheFirstBytesOnceAndSeesTheClosingDoneEvent() throws Exception {
    AtomicInteger firsts = new AtomicInteger();
    TimedBody body = new TimedBody(firsts::incrementAndGet);
    Subscription subscription = new Subscription();
    body.onSubscribe(subscription);
    assertEquals(Long.MAX_VALUE, subscription.requested.get());
    body.onNext(List.of(ByteBuffer.allocate(0)));
    assertEquals(0, body.firstByteNanos(), "an empty buffer is not a first byte");
    body.onNext(chunk("data: {\"choices\":[]}\n\n"));
    long first = body.firstByteNanos();
    assertTrue(first > 0);
    body.onNext(chunk("data: {\"choices\":[{\"delta\":{\"content\":\"a long enough chunk of text\"}}]}\n\ndata: [DO"));
    body.onNext(chunk("NE]\n\n"));
    body.onComplete();
    assertEquals(first, body.firstByteNanos());
    assertEquals(1, firsts.get());
    assertTrue(body.endedWithDone());
    assertSame(body, body.getBody().toCompletableFuture().get());
  }

  @Test
  void aStreamCutShortHasNoDone() {
    TimedBody body = new TimedBody();
    body.onSubscribe(new Subscription());
    body.onNext(chunk("data: {\"choices\":[]}\n\n"));
    body.onComplete();
    assertFalse(body.endedWithDone());
  }

  @Test
  void aFailureFailsTheBodyAndCancelStopsReading() {
    TimedBody body = new TimedBody();
    Subscription subscription = new Subscription();
    body.cancel();
    body.onSubscribe(subscription);
    body.cancel();
    assertTrue(subscription.cancelled.get());
    body.onError(new java.io.IOException("reset"));
    assertThrows(ExecutionException.class, () -> body.getBody().toCompletableFuture().get());
  }
}
