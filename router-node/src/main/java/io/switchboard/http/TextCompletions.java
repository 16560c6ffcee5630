package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.completions.TextCompletionRequest;
import io.switchboard.completions.TextCompletionsCall;
import io.switchboard.completions.TextCompletionsPipeline;
import io.switchboard.exchange.Answer;
import io.switchboard.http.connection.ClientGone;
import io.switchboard.keys.Caller;
import io.switchboard.provider.UsageReader;
import io.switchboard.routing.RequestTrace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.util.ByteString;

/**
 * {@code POST /v1/completions}, the legacy text completions API: the body is read (bounded) and only
 * what the gateway needs of it decoded ({@code model}, {@code prompt}, {@code stream}, {@code max_tokens},
 * {@code n}, {@code best_of}; each checked for its type, 400 naming it otherwise); the client's bytes go
 * upstream ({@link TextCompletionsPipeline}) and the answer comes back as the upstream wrote it, whole or
 * as its event stream ({@link SseResponse}). Failures in the OpenAI envelope.
 */
final class TextCompletions {
  private final TextCompletionsPipeline pipeline;
  private final ObjectMapper mapper;
  private final RequestBodies bodies;
  private final AnswerHeaders headers;
  private final SseDialect openAiStreams;

  TextCompletions(TextCompletionsPipeline pipeline, ObjectMapper mapper, RequestBodies bodies, AnswerHeaders headers) {
    this.pipeline = pipeline;
    this.mapper = mapper;
    this.bodies = bodies;
    this.headers = headers;
    this.openAiStreams = SseDialect.openAi(new UsageReader(mapper), mapper);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    RequestTrace trace = new RequestTrace(RequestTracing.requestId(request), ClientGone.of(request));
    return bodies.bytes(request)
        .thenCompose(body -> pipeline.serve(new TextCompletionsCall(trace, started, Caller.of(request), decode(body),
            ChatCompletions.maxWait(request))))
        .thenApply(answer -> respond(answer, trace))
        .exceptionally(failure -> Failures.openAi(failure, trace, mapper));
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

  TextCompletionRequest decode(ByteString body) {
    JsonNode root = ChatRequestDecoder.jsonObject(mapper, body);
    JsonNode model = root.path("model");
    if (!model.isTextual() || model.asText().isBlank()) throw invalid("'model' is required, as a string.", "model");
    List<String> texts = new ArrayList<>();
    int tokenIds = prompt(root.get("prompt"), texts);
    JsonNode stream = root.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      throw invalid("'stream' must be true or false.", "stream");
    }
    Integer maxTokens = whole(root, "max_tokens", 0);
    Integer n = whole(root, "n", 1);
    Integer bestOf = whole(root, "best_of", 1);
    int choices = Math.max(n == null ? 1 : n, bestOf == null ? 1 : bestOf);
    return new TextCompletionRequest(model.asText(), body, texts, tokenIds, stream.asBoolean(false), maxTokens,
        choices);
  }

  /** Adds the prompt's texts to {@code texts}; returns how many token ids it holds when given as tokens. */
  private static int prompt(JsonNode prompt, List<String> texts) {
    String shape = "'prompt' must be a string, an array of strings, an array of token ids, or an array of token-id"
        + " arrays.";
    if (prompt == null || prompt.isNull()) throw invalid("'prompt' is required. " + shape, "prompt");
    if (prompt.isTextual()) {
      texts.add(prompt.asText());
      return 0;
    }
    if (!prompt.isArray() || prompt.isEmpty()) throw invalid(shape, "prompt");
    int ids = 0;
    for (JsonNode item : prompt) {
      if (item.isTextual()) {
        texts.add(item.asText());
      } else if (item.isIntegralNumber()) {
        ids++;
      } else if (item.isArray()) {
        for (JsonNode id : item) {
          if (!id.isIntegralNumber()) throw invalid(shape, "prompt");
          ids++;
        }
      } else {
        throw invalid(shape, "prompt");
      }
    }
    return ids;
  }

  private static Integer whole(JsonNode root, String field, int least) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) return null;
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < least) {
      throw invalid("'" + field + "' must be a whole number of at least " + least + ".", field);
    }
    return value.intValue();
  }

  private static ApiError invalid(String message, String param) {
    return ApiError.invalidRequest(message, param, "invalid_value");
  }
}
