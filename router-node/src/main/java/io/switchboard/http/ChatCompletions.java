package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.cache.CachePolicy;
import io.switchboard.exchange.Answer;
import io.switchboard.exchange.Call;
import io.switchboard.exchange.FanOut;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.http.connection.ClientGone;
import io.switchboard.keys.Caller;
import io.switchboard.provider.UsageReader;
import io.switchboard.routing.RequestTrace;
import io.switchboard.routing.SessionAffinity;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.util.ByteString;

/**
 * {@code POST /v1/chat/completions}, the OpenAI ingress: reads the body (bounded), decodes it once
 * ({@link ChatRequestDecoder}), hands the {@link Call} to the {@link ChatPipeline}, and writes its
 * {@link Answer}: the JSON as the upstream sent it, or its server-sent events passed through as they
 * arrive ({@link SseResponse}). Failures are written in the OpenAI envelope ({@link ApiError}).
 */
final class ChatCompletions {
  static final String MAX_WAIT_HEADER = "x-switchboard-max-wait";

  private final ChatPipeline pipeline;
  private final ObjectMapper mapper;
  private final RequestBodies bodies;
  private final CachePolicy cachePolicy;
  private final ChatRequestDecoder decoder;
  private final AnswerHeaders headers;
  /** Stateless, so built once: it holds the error it ends a cut-short stream with. */
  private final SseDialect openAiStreams;

  ChatCompletions(ChatPipeline pipeline, ObjectMapper mapper, RequestBodies bodies, CachePolicy cachePolicy,
      AnswerHeaders headers) {
    this.pipeline = pipeline;
    this.mapper = mapper;
    this.bodies = bodies;
    this.cachePolicy = cachePolicy;
    this.headers = headers;
    this.decoder = new ChatRequestDecoder(mapper);
    this.openAiStreams = SseDialect.openAi(new UsageReader(mapper), mapper);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    RequestTrace trace = new RequestTrace(RequestTracing.requestId(request), ClientGone.of(request));
    return bodies.bytes(request)
        .thenCompose(body -> pipeline.serve(call(request, body, trace, started)))
        .thenApply(answer -> respond(answer, trace))
        .exceptionally(failure -> Failures.openAi(failure, trace, mapper));
  }

  private Call call(HttpRequest request, ByteString body, RequestTrace trace, long started) {
    Optional<Duration> maxWait = maxWait(request);
    RouteOverrides.Stripped stripped = RouteOverrides.strip(body, mapper);
    ChatCompletionRequest chat = decoder.decode(stripped.body());
    Caller caller = Caller.of(request);
    return Call.openAi(trace, started, caller, chat, stripped.body(), maxWait,
            cachePolicy.enabledFor(caller.cache(), request))
        .inSession(session(request))
        .withObjective(RouteOverrides.objective(request, stripped))
        .withFanOutDetail(fanOutDetail(request));
  }

  /** Whether the client asked a fan-out for every candidate's outcome ({@value FanOut#DETAIL_HEADER}: true or on). */
  static boolean fanOutDetail(HttpRequest request) {
    return request.getHeader(FanOut.DETAIL_HEADER)
        .map(h -> h.value().trim().equalsIgnoreCase("true") || h.value().trim().equalsIgnoreCase("on")).orElse(false);
  }

  /** The conversation the client named in {@value SessionAffinity#HEADER}; null when none. */
  static String session(HttpRequest request) {
    return request.getHeader(SessionAffinity.HEADER).map(HttpHeader::value).orElse(null);
  }

  private HttpResponse respond(Answer answer, RequestTrace trace) {
    List<HttpHeader> served = headers.of(answer.served());
    HttpResponse response = answer instanceof Answer.Streaming stream
        ? SseResponse.of(stream.events(), stream.settle(), stream.recorded(), stream.signals(), served, openAiStreams,
            mapper, trace.requestId())
        : HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, ((Answer.Complete) answer).body())
            .addHeaders(served);
    return response.addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos());
  }

  /** The client's own admission wait, from {@value #MAX_WAIT_HEADER}: milliseconds, or a duration like {@code 5s}. */
  static Optional<Duration> maxWait(HttpRequest request) {
    Optional<HttpHeader> header = request.getHeader(MAX_WAIT_HEADER);
    if (header.isEmpty()) return Optional.empty();
    String value = header.get().value().trim();
    try {
      Duration wait = value.chars().allMatch(Character::isDigit)
          ? Duration.ofMillis(Long.parseLong(value))
          : ConfigFactory.parseString("w = \"" + value.replace("\"", "") + "\"").getDuration("w");
      if (!wait.isNegative()) return Optional.of(wait);
    } catch (RuntimeException invalid) {
      // answered below
    }
    throw ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_header", MAX_WAIT_HEADER,
        "Header " + MAX_WAIT_HEADER + " must be milliseconds or a duration such as 5s; got '" + value + "'.");
  }
}
