package io.switchboard.provider.anthropic;

import io.switchboard.api.anthropic.BlockDelta;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.MessageUsage;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.provider.ChatChunks;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one Anthropic event stream into OpenAI chunks, event by event. One instance per stream: it
 * remembers the message id, which content block is which tool call, and the token counts.
 *
 * <ul>
 *   <li>{@code message_start} → the role chunk;
 *   <li>text blocks → content chunks; each {@code tool_use} block → a tool call numbered in order of
 *       appearance (OpenAI's {@code index}), its {@code input_json_delta}s → argument fragments; a call
 *       to the JSON-schema tool → content chunks instead;
 *   <li>{@code message_delta} → the finish chunk; {@code message_stop} → the usage chunk when the client
 *       asked for it, and {@link #finished()} turns true (the caller then writes {@code [DONE]});
 *   <li>{@code ping} and blocks OpenAI cannot show (thinking) → nothing; an unknown event → a malformed
 *       event ({@link StreamFault#MALFORMED_EVENT});
 *   <li>{@code error} → an {@link UpstreamException}, as if the upstream had answered that status.
 * </ul>
 */
public final class AnthropicToOpenAiStream {
  private final String provider;
  private final boolean includeUsage;
  private final Optional<String> jsonTool;
  private final long created;

  private ChatChunks chunks;
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private final Set<Integer> jsonBlocks = new HashSet<>();
  private MessageUsage startUsage;
  private Integer outputTokens;
  private boolean answeredWithSchema;
  private boolean finished;
  private boolean stopReasonGiven;

  public AnthropicToOpenAiStream(String provider, boolean includeUsage, Optional<String> jsonTool, long created) {
    this.provider = provider;
    this.includeUsage = includeUsage;
    this.jsonTool = jsonTool;
    this.created = created;
  }

  /** The OpenAI chunks this event stands for, in order; often none. */
  public List<ChatCompletionChunk> next(StreamEvent event) {
    List<ChatCompletionChunk> out = new ArrayList<>(1);
    if (event instanceof StreamEvent.MessageStart start) {
      chunks = new ChatChunks(start.message().id(), start.message().model(), created);
      startUsage = start.message().usage();
      out.add(chunks.role());
    } else if (event instanceof StreamEvent.ContentBlockStart start) {
      blockStarted(start, out);
    } else if (event instanceof StreamEvent.ContentBlockDelta delta) {
      blockDelta(delta, out);
    } else if (event instanceof StreamEvent.MessageDelta delta) {
      if (delta.usage() != null && delta.usage().outputTokens() != null) outputTokens = delta.usage().outputTokens();
      String stopReason = delta.delta() == null ? null : delta.delta().stopReason();
      stopReasonGiven |= stopReason != null;
      out.add(started().finish(answeredWithSchema ? "stop" : AnthropicToOpenAiResponse.finishReason(stopReason)));
    } else if (event instanceof StreamEvent.MessageStop) {
      if (includeUsage) out.add(started().usage(AnthropicToOpenAiResponse.usage(usage())));
      finished = true;
    } else if (event instanceof StreamEvent.Error error) {
      throw AnthropicErrors.fromStreamError(provider, error.error());
    } else if (event instanceof StreamEvent.Unknown) {
      throw UpstreamException.inStream(StreamFault.MALFORMED_EVENT, provider,
          "Provider '" + provider + "' sent an event of a type the Messages API does not have in the middle of a stream.",
          null);
    }
    // content_block_stop and ping add nothing
    return out;
  }

  /**
   * Whether the answer is whole: {@code message_stop} came, or at least the {@code message_delta} that
   * gives the stop reason (the finish chunk has gone out; only the usage may be missing).
   */
  public boolean complete() {
    return finished || stopReasonGiven;
  }

  /** What the stream still owes once its upstream ended whole: the usage chunk when asked and not yet sent. */
  public List<ChatCompletionChunk> close() {
    if (finished) return List.of();
    finished = true;
    return includeUsage ? List.of(started().usage(AnthropicToOpenAiResponse.usage(usage()))) : List.of();
  }

  private void blockStarted(StreamEvent.ContentBlockStart start, List<ChatCompletionChunk> out) {
    ContentBlock block = start.contentBlock();
    if (ContentBlock.TEXT.equals(block.type()) && block.text() != null && !block.text().isEmpty()) {
      out.add(started().content(block.text()));
    } else if (ContentBlock.TOOL_USE.equals(block.type())) {
      if (jsonTool.isPresent() && jsonTool.get().equals(block.name())) {
        jsonBlocks.add(start.index());
        answeredWithSchema = true;
      } else {
        int toolIndex = toolIndexByBlock.size();
        toolIndexByBlock.put(start.index(), toolIndex);
        out.add(started().toolCallStart(toolIndex, block.id(), block.name(), ""));
      }
    }
  }

  private void blockDelta(StreamEvent.ContentBlockDelta delta, List<ChatCompletionChunk> out) {
    BlockDelta d = delta.delta();
    if (BlockDelta.TEXT_DELTA.equals(d.type()) && d.text() != null) {
      out.add(started().content(d.text()));
    } else if (BlockDelta.INPUT_JSON_DELTA.equals(d.type()) && d.partialJson() != null && !d.partialJson().isEmpty()) {
      if (jsonBlocks.contains(delta.index())) {
        out.add(started().content(d.partialJson()));
      } else if (toolIndexByBlock.containsKey(delta.index())) {
        out.add(started().toolCallArguments(toolIndexByBlock.get(delta.index()), d.partialJson()));
      }
    }
  }

  /** True once {@code message_stop} arrived: the stream is whole. */
  public boolean finished() {
    return finished;
  }

  private MessageUsage usage() {
    MessageUsage start = startUsage == null ? MessageUsage.of(0, 0) : startUsage;
    return new MessageUsage(start.inputTokens(), outputTokens != null ? outputTokens : start.outputTokens(),
        start.cacheCreationInputTokens(), start.cacheReadInputTokens(), null);
  }

  private ChatChunks started() {
    if (chunks == null) {
      throw UpstreamException.inStream(StreamFault.MALFORMED_EVENT, provider,
          "Provider '" + provider + "' sent stream events before 'message_start'.", null);
    }
    return chunks;
  }
}
