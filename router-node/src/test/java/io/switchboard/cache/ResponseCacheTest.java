package io.switchboard.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.CacheSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ResponseCacheTest {
  private static final CacheSettings SETTINGS = new CacheSettings(true, Duration.ofMinutes(10), 10_000, 2_000);

  private final AtomicLong nanos = new AtomicLong();
  private final ResponseCache cache = new ResponseCache(SETTINGS, OpenAiJson.newMapper(), nanos::get);

  private static ByteString body(String json) {
    return ByteString.fromString(json);
  }

  private static CachedAnswer answer(String text) {
    return new CachedAnswer(ByteString.fromString(text), "p/gpt-4o");
  }

  @Test
  void storedAnswer_isAHit_andAnUnknownKeyIsAMiss() {
    String key = cache.key("open", "chat", body("{\"model\":\"chat\",\"messages\":[]}"));
    assertEquals(Optional.empty(), cache.get(key));

    assertTrue(cache.put(key, answer("{\"id\":\"1\"}")));

    assertEquals("{\"id\":\"1\"}", cache.get(key).orElseThrow().body().utf8String());
    assertEquals("p/gpt-4o", cache.get(key).orElseThrow().deployment());
  }

  @Test
  void entry_expiresOnceItsTtlHasPassed_measuredByTheInjectedTicker() {
    String key = cache.key("open", "chat", body("{\"model\":\"chat\"}"));
    cache.put(key, answer("a"));

    nanos.addAndGet(Duration.ofMinutes(10).minusMillis(1).toNanos());
    assertTrue(cache.get(key).isPresent(), "still fresh a millisecond before its ttl");

    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertFalse(cache.get(key).isPresent(), "expired at its ttl");
  }

  @Test
  void keyIgnoresKeyOrderSpacingAndStreamFlags_butNothingElse() {
    String plain = cache.key("open", "chat",
        body("{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    String reordered = cache.key("open", "chat", body("{ \"messages\": [ {\"content\":\"Hi\", \"role\":\"user\"} ],"
        + " \"temperature\":0, \"model\":\"chat\", \"stream\": true, \"stream_options\": {\"include_usage\": true} }"));
    String otherMessage = cache.key("open", "chat",
        body("{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"));
    String otherParameter = cache.key("open", "chat",
        body("{\"model\":\"chat\",\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

    assertEquals(plain, reordered);
    assertNotEquals(plain, otherMessage);
    assertNotEquals(plain, otherParameter);
  }

  @Test
  void namespacesAndModels_neverShareEntries() {
    ByteString same = body("{\"model\":\"chat\"}");
    cache.put(cache.key("key-a", "chat", same), answer("a's answer"));

    assertFalse(cache.get(cache.key("key-b", "chat", same)).isPresent());
    assertFalse(cache.get(cache.key("key-a", "other", same)).isPresent());
  }

  @Test
  void answerLargerThanMaxEntryBytes_isNotStored() {
    String key = cache.key("open", "chat", body("{}"));

    assertFalse(cache.put(key, answer("x".repeat(2_000))));

    assertFalse(cache.get(key).isPresent());
  }

  @Test
  void totalSize_staysWithinMaxBytes() {
    for (int i = 0; i < 50; i++) cache.put(cache.key("open", "chat", body("{\"n\":" + i + "}")), answer("y".repeat(1000)));

    assertTrue(cache.size() <= 10, "about 1 KB each within 10 KB, held " + cache.size());
  }

  @Test
  void policy_headerDecidesWhenPresent_elseTheKeysOptIn_andNothingWhenDisabled() {
    CachePolicy on = new CachePolicy(SETTINGS);
    CachePolicy off = new CachePolicy(new CacheSettings(false, Duration.ofMinutes(1), 1000, 100));
    HttpRequest none = HttpRequest.POST("/v1/chat/completions");
    HttpRequest yes = none.addHeader(RawHeader.create("x-switchboard-cache", "true"));
    HttpRequest no = none.addHeader(RawHeader.create("x-switchboard-cache", "false"));
    HttpRequest noStore = none.addHeader(RawHeader.create("x-switchboard-cache", "no-store"));

    assertFalse(on.enabledFor(false, none));
    assertTrue(on.enabledFor(true, none));
    assertTrue(on.enabledFor(false, yes));
    assertFalse(on.enabledFor(true, no));
    assertFalse(on.enabledFor(true, noStore));
    assertFalse(off.enabledFor(true, yes));
  }
}
