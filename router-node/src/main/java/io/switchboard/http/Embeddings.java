package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.embeddings.EmbeddingsCall;
import io.switchboard.embeddings.EmbeddingsPipeline;
import io.switchboard.http.connection.ClientGone;
import io.switchboard.keys.Caller;
import io.switchboard.routing.RequestTrace;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * {@code POST /v1/embeddings}: reads the body (bounded), decodes it ({@link EmbeddingsRequestDecoder}),
 * has the {@link EmbeddingsPipeline} serve it, and answers OpenAI's embedding list with the headers that
 * say who served it; failures in the OpenAI envelope.
 */
final class Embeddings {
  private final EmbeddingsPipeline pipeline;
  private final ObjectMapper mapper;
  private final RequestBodies bodies;
  private final AnswerHeaders headers;
  private final EmbeddingsRequestDecoder decoder;

  Embeddings(EmbeddingsPipeline pipeline, ObjectMapper mapper, RequestBodies bodies, AnswerHeaders headers) {
    this.pipeline = pipeline;
    this.mapper = mapper;
    this.bodies = bodies;
    this.headers = headers;
    this.decoder = new EmbeddingsRequestDecoder(mapper);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    RequestTrace trace = new RequestTrace(RequestTracing.requestId(request), ClientGone.of(request));
    return bodies.bytes(request)
        .thenCompose(body -> pipeline.serve(new EmbeddingsCall(trace, started, Caller.of(request), decoder.decode(body),
            ChatCompletions.maxWait(request))))
        .thenApply(embedded -> HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, embedded.body())
            .addHeaders(headers.of(embedded.served()))
            .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()))
        .exceptionally(failure -> Failures.openAi(failure, trace, mapper));
  }
}
