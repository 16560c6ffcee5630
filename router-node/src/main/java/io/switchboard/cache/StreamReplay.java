package io.switchboard.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.Choice;
import io.switchboard.api.openai.ChunkChoice;
import io.switchboard.api.openai.Delta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * A stored chat completion told again as the stream OpenAI would have sent: per choice a role chunk,
 * its whole content (or its tool calls, each with its index) in one chunk, and its finish chunk; then,
 * when the client asked for {@code include_usage}, the usage chunk with {@code "choices": []}; then
 * {@code data: [DONE]}. Every chunk keeps the completion's id, creation time, model and fingerprint.
 * The pacing of the original stream is not kept: a replay arrives at once.
 */
public final class StreamReplay {
  private static final ByteString DONE = ByteString.fromString("data: [DONE]\n\n");
  private static final JsonNode NO_LOGPROBS = JsonNodeFactory.instance.nullNode();

  private final ObjectMapper mapper;

  public StreamReplay(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The events of {@code completion}, each a complete {@code data:} event ending in a blank line. */
  public List<ByteString> events(ByteString completion, boolean includeUsage) {
    ChatCompletion c = read(completion);
    List<ByteString> events = new ArrayList<>();
    for (Choice choice : c.choices()) {
      ChatMessage message = choice.message();
      String role = message != null && message.role() != null ? message.role() : "assistant";
      events.add(event(c, choice.index(), new Delta(role, "", null, null), null));
      JsonNode content = message == null ? null : message.content();
      if (content != null && content.isTextual() && !content.asText().isEmpty()) {
        events.add(event(c, choice.index(), new Delta(null, content.asText(), null, null), null));
      }
      if (message != null && message.toolCalls() != null && !message.toolCalls().isEmpty()) {
        events.add(event(c, choice.index(), new Delta(null, null, indexed(message.toolCalls()), null), null));
      }
      events.add(event(c, choice.index(), new Delta(null, null, null, null),
          choice.finishReason() == null ? "stop" : choice.finishReason()));
    }
    if (includeUsage && c.usage() != null) {
      events.add(sse(new ChatCompletionChunk(c.id(), ChatCompletionChunk.OBJECT, c.created(), c.model(),
          c.systemFingerprint(), List.of(), c.usage(), null)));
    }
    events.add(DONE);
    return events;
  }

  /** A streamed tool call carries its position among the message's calls. */
  private static List<JsonNode> indexed(List<JsonNode> calls) {
    List<JsonNode> out = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      ObjectNode call = JsonNodeFactory.instance.objectNode().put("index", i);
      if (calls.get(i) instanceof ObjectNode original) call.setAll(original);
      out.add(call);
    }
    return out;
  }

  private ByteString event(ChatCompletion c, int index, Delta delta, String finishReason) {
    return sse(new ChatCompletionChunk(c.id(), ChatCompletionChunk.OBJECT, c.created(), c.model(),
        c.systemFingerprint(), List.of(new ChunkChoice(index, delta, finishReason, NO_LOGPROBS, null)), null, null));
  }

  private ByteString sse(ChatCompletionChunk chunk) {
    try {
      return ByteString.fromString("data: ").concat(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(chunk)))
          .concat(ByteString.fromString("\n\n"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a chunk could not be written", e);
    }
  }

  private ChatCompletion read(ByteString completion) {
    try {
      return mapper.readValue(completion.toArray(), ChatCompletion.class);
    } catch (IOException e) {
      // Only answers that passed the upstream's shape check are stored, so this is a bug, not bad input.
      throw new IllegalStateException("a stored answer is not a chat completion", e);
    }
  }
}
