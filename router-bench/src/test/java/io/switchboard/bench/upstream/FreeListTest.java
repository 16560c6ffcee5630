package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The connection-level client's own pool: reuse before opening, a cap, waiting past it, and discards. */
@Tag("unit")
class FreeListTest {
  private final AtomicInteger opened = new AtomicInteger();
  private final FreeList<String> list = new FreeList<>(2, () -> "c" + opened.incrementAndGet());

  private String now(java.util.concurrent.CompletionStage<String> stage) {
    CompletableFuture<String> f = stage.toCompletableFuture();
    assertTrue(f.isDone(), "expected a connection at once");
    return f.join();
  }

  @Test
  void freedConnection_isReusedInsteadOfOpeningAnother() {
    String first = now(list.acquire());
    list.release(first);

    assertSame(first, now(list.acquire()));
    assertEquals(1, opened.get());
  }

  @Test
  void lastFreedIsReusedFirst_soALightLoadKeepsFewConnectionsBusy() {
    String a = now(list.acquire());
    String b = now(list.acquire());
    list.release(a);
    list.release(b);

    assertSame(b, now(list.acquire()));
    assertEquals(1, list.idle());
  }

  @Test
  void pastTheCap_aRequestWaitsForTheNextConnectionFreed() {
    String a = now(list.acquire());
    now(list.acquire());
    CompletableFuture<String> third = list.acquire().toCompletableFuture();

    assertFalse(third.isDone());
    assertEquals(1, list.waiting());
    list.release(a);
    assertSame(a, third.join());
    assertEquals(2, opened.get());
    assertEquals(0, list.idle());
  }

  @Test
  void discardedConnection_freesItsPlace_aWaiterGetsANewOne() {
    String a = now(list.acquire());
    now(list.acquire());
    CompletableFuture<String> third = list.acquire().toCompletableFuture();

    list.discard(a);

    assertEquals("c3", third.join());
    assertEquals(2, list.open());
  }

  @Test
  void discardedIdleConnection_isNeverHandedOutAgain() {
    String a = now(list.acquire());
    list.release(a);
    list.discard(a);

    assertEquals(0, list.open());
    assertEquals("c2", now(list.acquire()));
  }

  @Test
  void failedOpen_doesNotCountAsOpen() {
    FreeList<String> failing = new FreeList<>(1, () -> {
      throw new IllegalStateException("refused");
    });

    assertThrows(IllegalStateException.class, failing::acquire);
    assertEquals(0, failing.open());
  }
}
