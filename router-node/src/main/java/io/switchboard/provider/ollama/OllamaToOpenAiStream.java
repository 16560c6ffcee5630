package io.switchboard.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.ollama.ChatResponse;
import io.switchboard.api.ollama.ToolCall;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.provider.ChatChunks;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Ollama's NDJSON stream lines into OpenAI chunks. One instance per stream.
 *
 * <p>The first line also yields the role chunk; each line's content fragment a content chunk; tool
 * calls (Ollama sends each whole, in one line) a tool-call chunk with the complete arguments; the
 * {@code done} line the finish chunk and, when the client asked, the usage chunk. After it
 * {@link #finished()} is true and the caller writes {@code [DONE]}.
 */
public final class OllamaToOpenAiStream {
  private final String id;
  private final boolean includeUsage;
  private final long fallbackCreated;
  private ChatChunks chunks;
  private int toolCalls;
  private boolean finished;

  public OllamaToOpenAiStream(String id, boolean includeUsage, long fallbackCreated) {
    this.id = id;
    this.includeUsage = includeUsage;
    this.fallbackCreated = fallbackCreated;
  }

  public List<ChatCompletionChunk> next(ChatResponse line) {
    List<ChatCompletionChunk> out = new ArrayList<>(2);
    if (chunks == null) {
      chunks = new ChatChunks(id, line.model(), OllamaToOpenAiResponse.created(line.createdAt(), fallbackCreated));
      out.add(chunks.role());
    }
    if (line.message() != null) {
      String text = line.message().content();
      if (text != null && !text.isEmpty()) out.add(chunks.content(text));
      if (line.message().toolCalls() != null) {
        for (ToolCall call : line.message().toolCalls()) {
          JsonNode arguments = call.function() == null ? null : call.function().arguments();
          out.add(chunks.toolCallStart(toolCalls, OllamaToOpenAiResponse.callId(id, toolCalls),
              call.function() == null ? "" : call.function().name(),
              arguments == null ? "{}" : arguments.toString()));
          toolCalls++;
        }
      }
    }
    if (line.done()) {
      out.add(chunks.finish(OllamaToOpenAiResponse.finishReason(line.doneReason(), toolCalls > 0)));
      if (includeUsage) out.add(chunks.usage(OllamaToOpenAiResponse.usage(line)));
      finished = true;
    }
    return out;
  }

  /** True once the {@code done} line arrived. */
  public boolean finished() {
    return finished;
  }
}
