package io.switchboard.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.anthropic.OpenAiToAnthropicStream;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The call that continues a broken stream ({@link StreamContinuation}): the original messages plus the
 * answer so far as a final assistant message, to each deployment in the dialect the client's stream is
 * in. Anthropic continues a final assistant message natively (a prefill; sent without trailing white
 * space, which Anthropic refuses); an OpenAI-compatible upstream gets it as a trailing assistant
 * message, which not every host continues from. An Anthropic caller's own bytes carry the prefix to an
 * Anthropic upstream (appended to its own prefill when it sent one); any other upstream continuing an
 * Anthropic stream answers in OpenAI's chunks, translated here to Anthropic's events.
 *
 * <p>The client's output limit ({@code max_tokens}, {@code max_completion_tokens}) covers the whole
 * answer: the continuation asks for what is left of it after the tokens the answer so far holds (at
 * least one), so that the joined stream is no longer than the client allowed.
 */
final class ContinuationCall implements Dispatcher.Work {
  private static final ObjectMapper JSON = OpenAiJson.newMapper();

  private final Call call;
  private final Dialect dialect;
  private final String prefix;
  private final int spent;
  private final ChatCompletionRequest chat;

  /** @param spent the output tokens the answer so far holds, taken from the client's limit */
  ContinuationCall(Call call, Dialect dialect, String prefix, int spent) {
    this.call = call;
    this.dialect = dialect;
    this.prefix = prefix;
    this.spent = spent;
    this.chat = withPrefix(call.chat(), prefix, spent);
  }

  ChatCompletionRequest chat() {
    return chat;
  }

  @Override
  public int outputReservation(Deployment deployment) {
    return Dispatcher.outputReservation(chat, deployment);
  }

  @Override
  public boolean streams() {
    return true;
  }

  @Override
  public CompletionStage<UpstreamReply> send(Deployment d) {
    boolean anthropic = d.provider().upstream().passesAnthropicThrough();
    // Anthropic refuses a final assistant message that ends in white space.
    String own = anthropic ? prefix.stripTrailing() : prefix;
    if (dialect == Dialect.ANTHROPIC && anthropic) {
      return d.provider().upstream().send(new UpstreamCall(chat, null, d.upstreamModel(),
          d.settings().maxOutputTokens(), anthropicBody(call.anthropicBody(), own, spent)));
    }
    ChatCompletionRequest sent = own.equals(prefix) ? chat : withPrefix(call.chat(), own, spent);
    CompletionStage<UpstreamReply> reply = d.provider().upstream().send(new UpstreamCall(sent, null,
        d.upstreamModel(), d.settings().maxOutputTokens(), null));
    if (dialect == Dialect.OPENAI) return reply;
    // An Anthropic stream continued by an upstream that answers in OpenAI's dialect: its chunks translated.
    return reply.thenApply(answer -> answer instanceof UpstreamReply.Streaming streaming
        ? new UpstreamReply.Streaming(anthropicEvents(streaming.events()), streaming.signals(), streaming.requestId())
        : answer);
  }

  /** OpenAI chunks as Anthropic's events, one translator per materialization. */
  private Source<ByteString, NotUsed> anthropicEvents(Source<ByteString, NotUsed> chunks) {
    return Source.lazySource(() -> {
      OpenAiToAnthropicStream translator = new OpenAiToAnthropicStream(call.model());
      return chunks.mapConcat(frame -> translated(frame.utf8String(), translator));
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private static List<ByteString> translated(String frame, OpenAiToAnthropicStream translator) throws IOException {
    String data = frame.startsWith("data: ") ? frame.substring(6).strip() : null;
    if (data == null || data.isEmpty()) return List.of();
    List<StreamEvent> events;
    if (data.equals(OpenAiJson.DONE_SENTINEL)) {
      events = translator.finish();
    } else {
      JsonNode node = JSON.readTree(data);
      if (node.has("error")) {
        return List.of(StreamJoin.anthropicEvent("error", JSON.valueToTree(ErrorEnvelope.of(ErrorInfo.API,
            node.path("error").path("message").asText()))));
      }
      events = translator.next(JSON.treeToValue(node, ChatCompletionChunk.class));
    }
    List<ByteString> out = new ArrayList<>(events.size());
    for (StreamEvent event : events) out.add(StreamJoin.anthropicEvent(event.eventName(), JSON.valueToTree(event)));
    return out;
  }

  private static ChatCompletionRequest withPrefix(ChatCompletionRequest chat, String prefix, int spent) {
    if (prefix.isEmpty()) return chat;
    List<ChatMessage> messages = new ArrayList<>(chat.messages());
    messages.add(ChatMessage.of("assistant", prefix));
    return new ChatCompletionRequest(chat.model(), messages, chat.stream(), chat.streamOptions(),
        left(chat.maxTokens(), spent), left(chat.maxCompletionTokens(), spent), chat.temperature(), chat.topP(),
        chat.n(), chat.stop(), chat.seed(), chat.user(), chat.extra());
  }

  /** What is left of the client's output limit {@code limit} (null: none set) after {@code spent}; at least 1. */
  static Integer left(Integer limit, int spent) {
    return limit == null ? null : Math.max(1, limit - spent);
  }

  /**
   * The client's Messages request with the answer so far as its last assistant turn (a prefill), and
   * what is left of its {@code max_tokens}.
   */
  private static ByteString anthropicBody(ByteString body, String prefix, int spent) {
    if (prefix.isEmpty()) return body;
    try {
      ObjectNode request = (ObjectNode) JSON.readTree(body.toArrayUnsafe());
      JsonNode maxTokens = request.get("max_tokens");
      if (maxTokens != null && maxTokens.canConvertToInt()) request.put("max_tokens", left(maxTokens.asInt(), spent));
      ArrayNode messages = (ArrayNode) request.get("messages");
      JsonNode last = messages.size() > 0 ? messages.get(messages.size() - 1) : null;
      if (last instanceof ObjectNode turn && "assistant".equals(turn.path("role").asText())) {
        // The client's own prefill: the answer so far continues it.
        JsonNode content = turn.get("content");
        if (content != null && content.isTextual()) {
          turn.put("content", content.asText() + prefix);
        } else if (content instanceof ArrayNode blocks) {
          blocks.addObject().put("type", "text").put("text", prefix);
        }
      } else {
        messages.addObject().put("role", "assistant").put("content", prefix);
      }
      return ByteString.fromArrayUnsafe(JSON.writeValueAsBytes(request));
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("the client's Messages request could not be read again", e);
    }
  }
}
