package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.cache.CachePolicy;
import io.switchboard.cache.CacheScope;
import io.switchboard.keys.Caller;
import io.switchboard.cache.CachedAnswer;
import io.switchboard.cache.ResponseCache;
import io.switchboard.cache.StreamReplay;
import io.switchboard.metrics.Telemetry;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The response cache on the chat path: whether a request uses it (its {@link CacheScope} and header),
 * the answer to a hit (JSON, or the stored completion replayed as a stream when the request streams),
 * and storing a miss's answer once it arrived whole. Only non-streaming answers are stored: a streamed
 * answer would have to be reassembled, and a stored completion serves both kinds of request.
 */
final class CachedChat {
  static final HttpHeader HIT = RawHeader.create(CachePolicy.HEADER, "hit");
  static final HttpHeader MISS = RawHeader.create(CachePolicy.HEADER, "miss");

  private final ResponseCache cache;
  private final CachePolicy policy;
  private final StreamReplay replay;
  private final Telemetry telemetry;

  CachedChat(ResponseCache cache, CachePolicy policy, ObjectMapper mapper, Telemetry telemetry) {
    this.cache = cache;
    this.policy = policy;
    this.replay = new StreamReplay(mapper);
    this.telemetry = telemetry;
  }

  /** The cache key of this request, or empty when it does not use the cache. */
  Optional<String> keyFor(HttpRequest request, ChatCompletionRequest chat, ByteString body) {
    Caller caller = Caller.of(request);
    CacheScope scope = caller.keyId().map(id -> new CacheScope(id, caller.cache())).orElse(CacheScope.OPEN);
    if (!policy.enabledFor(scope.keyOptIn(), request)) return Optional.empty();
    return Optional.of(cache.key(scope.namespace(), chat.model(), body));
  }

  /** The stored answer as this request wants it, or empty on a miss. Counts the lookup either way. */
  Optional<HttpResponse> hit(String key, ChatCompletionRequest chat) {
    Optional<CachedAnswer> stored = cache.get(key);
    telemetry.cacheLookup(stored.isPresent());
    return stored.map(answer -> {
      List<HttpHeader> headers = List.of(RawHeader.create(ChatCompletions.DEPLOYMENT_HEADER, answer.deployment()), HIT);
      if (!chat.isStream()) {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, answer.body()).addHeaders(headers);
      }
      Source<ByteString, ?> events = Source.from(replay.events(answer.body(), chat.includeUsage()));
      return HttpResponse.create()
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events))
          .addHeaders(headers);
    });
  }

  void store(String key, ByteString completion, String deployment) {
    cache.put(key, new CachedAnswer(completion, deployment));
  }
}
