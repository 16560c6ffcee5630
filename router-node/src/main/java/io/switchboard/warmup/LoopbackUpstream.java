package io.switchboard.warmup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The upstream a node's warm-up calls, on 127.0.0.1, answering at once in the providers' wire formats.
 * OpenAI's {@code /v1/chat/completions}: a whole {@code chat.completion} with its {@code usage} block, or
 * (for {@code "stream": true}) the {@code text/event-stream} chunks OpenAI sends: a role chunk, content
 * chunks, the finish chunk, the usage chunk, then {@code data: [DONE]}. Anthropic's {@code /v1/messages}:
 * a whole {@code message} with {@code usage}, or its named events from {@code message_start} (with the
 * input tokens) through {@code message_delta} (the output tokens) to {@code message_stop}. It counts the calls it answered, so a warm-up can say how many
 * of its requests went all the way through the gateway.
 */
final class LoopbackUpstream {
  private static final String ID = "chatcmpl-warm-up";
  private static final String USAGE = "{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}";
  private static final String COMPLETION = "{\"id\":\"" + ID + "\",\"object\":\"chat.completion\",\"created\":0,"
      + "\"model\":\"warm-up-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
      + "\"warm up done\"},\"finish_reason\":\"stop\"}],\"usage\":" + USAGE + "}";
  private static final String CHUNK_HEAD = "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\","
      + "\"created\":0,\"model\":\"warm-up-1\",";
  private static final List<ByteString> EVENTS = List.of(
      event(CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
          + "\"finish_reason\":null}]}"),
      event(CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"warm \"},\"finish_reason\":null}]}"),
      event(CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"up \"},\"finish_reason\":null}]}"),
      event(CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"done\"},\"finish_reason\":null}]}"),
      event(CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"),
      event(CHUNK_HEAD + "\"choices\":[],\"usage\":" + USAGE + "}"),
      event("data: [DONE]"));
  private static final String FAILURE = "{\"error\":{\"message\":\"The warm-up upstream was told to fail.\","
      + "\"type\":\"server_error\",\"param\":null,\"code\":null}}";

  private static final String MESSAGE = "{\"id\":\"msg_warm_up\",\"type\":\"message\",\"role\":\"assistant\","
      + "\"model\":\"warm-up-1\",\"content\":[{\"type\":\"text\",\"text\":\"warm up done\"}],"
      + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":4}}";
  private static final List<ByteString> MESSAGE_EVENTS = List.of(
      event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_warm_up\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"model\":\"warm-up-1\",\"content\":[],\"stop_reason\":null,"
          + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}"),
      event("content_block_start",
          "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
      event("ping", "{\"type\":\"ping\"}"),
      event("content_block_delta",
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"warm up \"}}"),
      event("content_block_delta",
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"done\"}}"),
      event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
      event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
          + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":4}}"),
      event("message_stop", "{\"type\":\"message_stop\"}"));

  private final Supplier<CompletionStage<Integer>> status;
  private final Materializer materializer;
  private final AtomicInteger answered = new AtomicInteger();

  /**
   * @param status before each answer, the HTTP status to answer with: 200 answers the completion, another
   *     status OpenAI's error envelope; the answer waits until the stage completes
   */
  private LoopbackUpstream(Supplier<CompletionStage<Integer>> status, Materializer materializer) {
    this.status = status;
    this.materializer = materializer;
  }

  /** Binds on 127.0.0.1 at a free port; unbound when {@code system} terminates. */
  static CompletionStage<Bound> bind(ActorSystem<?> system, Supplier<CompletionStage<Integer>> status) {
    LoopbackUpstream upstream = new LoopbackUpstream(status, Materializer.matFromSystem(system));
    return Http.get(system).newServerAt("127.0.0.1", 0).bind(upstream::answer)
        .thenApply(binding -> new Bound(binding, upstream));
  }

  /** A bound loopback upstream: where it listens and how many calls it answered so far. */
  record Bound(ServerBinding binding, LoopbackUpstream upstream) {
    /** The root: an Anthropic provider's base URL ({@code /v1/messages} is appended). */
    String root() {
      return "http://127.0.0.1:" + binding.localAddress().getPort();
    }

    /** An OpenAI provider's base URL ({@code /chat/completions} is appended). */
    String openAiBaseUrl() {
      return root() + "/v1";
    }

    int answered() {
      return upstream.answered.get();
    }
  }

  private CompletionStage<HttpResponse> answer(HttpRequest request) {
    return request.entity().toStrict(10_000, materializer)
        .thenCombine(status.get(), (body, code) -> {
          if (code != 200) {
            return HttpResponse.create().withStatus(code).withEntity(ContentTypes.APPLICATION_JSON, FAILURE);
          }
          answered.incrementAndGet();
          boolean anthropic = request.getUri().path().endsWith("/messages");
          if (streamed(body.getData().utf8String())) {
            Source<ByteString, NotUsed> events = Source.from(anthropic ? MESSAGE_EVENTS : EVENTS);
            return HttpResponse.create().withEntity(
                HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events));
          }
          return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, anthropic ? MESSAGE : COMPLETION);
        });
  }

  private static final java.util.regex.Pattern STREAM = java.util.regex.Pattern.compile("\"stream\"\\s*:\\s*true");

  /** Whether the gateway asked for a stream (a warm-up body is small: a search is enough). */
  private static boolean streamed(String body) {
    return STREAM.matcher(body).find();
  }

  private static ByteString event(String line) {
    return ByteString.fromString(line + "\n\n", StandardCharsets.UTF_8);
  }

  /** An Anthropic event: its name, then its data. */
  private static ByteString event(String name, String data) {
    return event("event: " + name + "\ndata: " + data);
  }
}
