package io.switchboard.provider.openai;

import io.switchboard.provider.FakeUpstream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * An OpenAI upstream that enforces its own requests-per-minute and tokens-per-minute limits the way
 * OpenAI documents them: each limit refills continuously, the whole limit per minute; a request
 * costs one request and its {@code max_tokens} plus the prompt tokens it reports, charged when it
 * arrives; one that does not fit is answered 429 {@code rate_limit_exceeded} with {@code retry-after}
 * and {@code x-ratelimit-*} headers, and is counted. Its answers report {@code completion_tokens =
 * max_tokens}, so what it charges is what it reports.
 *
 * <p>Deliberately written apart from the gateway's own buckets, so a test does not check the gateway
 * against its own arithmetic. Real time: it is started before the gateway, so it is never emptier.
 *
 * <pre>{@code
 * LimitEnforcingUpstream limited = new LimitEnforcingUpstream(60, 0);
 * upstream.answer(limited);
 * // send more than 60 requests through the gateway within a minute
 * assertEquals(0, limited.rejected(), "the gateway kept under the upstream's limit");
 * }</pre>
 */
public final class LimitEnforcingUpstream implements FakeUpstream.Answer<FakeOpenAi.Received> {
  /** Prompt tokens every answer reports. */
  public static final int PROMPT_TOKENS = 19;

  private final long requestsPerMinute;
  private final long tokensPerMinute;
  private final long startNanos = System.nanoTime();
  private double requestsUsed;
  private double tokensUsed;
  private long lastNanos = startNanos;
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();

  /** A limit of 0 is not enforced. */
  public LimitEnforcingUpstream(long requestsPerMinute, long tokensPerMinute) {
    this.requestsPerMinute = requestsPerMinute;
    this.tokensPerMinute = tokensPerMinute;
  }

  @Override
  public CompletionStage<HttpResponse> apply(FakeOpenAi.Received r) {
    int maxTokens = r.json().path("max_tokens").asInt(16);
    String model = r.json().path("model").asText();
    boolean fits;
    synchronized (this) {
      refill();
      fits = (requestsPerMinute == 0 || requestsUsed + 1 <= requestsPerMinute)
          && (tokensPerMinute == 0 || tokensUsed + maxTokens + PROMPT_TOKENS <= tokensPerMinute);
      if (fits) {
        requestsUsed += 1;
        tokensUsed += maxTokens + PROMPT_TOKENS;
      }
    }
    if (!fits) {
      rejected.incrementAndGet();
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withStatus(StatusCodes.TOO_MANY_REQUESTS)
          .withEntity(ContentTypes.APPLICATION_JSON, "{\"error\":{\"message\":\"Rate limit reached for " + model
              + " on requests per min (RPM): Limit " + requestsPerMinute + ". Please try again in 1s.\","
              + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}")
          .addHeader(RawHeader.create("retry-after", "1"))
          .addHeader(RawHeader.create("x-ratelimit-limit-requests", Long.toString(requestsPerMinute))));
    }
    served.incrementAndGet();
    String body = FakeOpenAi.completion(model)
        .replace("\"prompt_tokens\": 19", "\"prompt_tokens\": " + PROMPT_TOKENS)
        .replace("\"completion_tokens\": 10", "\"completion_tokens\": " + maxTokens)
        .replace("\"total_tokens\": 29", "\"total_tokens\": " + (PROMPT_TOKENS + maxTokens));
    return CompletableFuture.completedFuture(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body));
  }

  private void refill() {
    long now = System.nanoTime();
    double minutes = (now - lastNanos) / 60e9;
    lastNanos = now;
    requestsUsed = Math.max(0, requestsUsed - minutes * requestsPerMinute);
    tokensUsed = Math.max(0, tokensUsed - minutes * tokensPerMinute);
  }

  /** Requests it answered 200. */
  public int served() {
    return served.get();
  }

  /** Requests it had to answer 429: the gateway let through more than the limit. */
  public int rejected() {
    return rejected.get();
  }

  /** Seconds since it started, for bounding what it may have served. */
  public double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
