package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.switchboard.api.anthropic.BlockDelta;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.MessageUsage;
import io.switchboard.api.anthropic.StopInfo;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChunkChoice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns OpenAI chunks into Anthropic stream events, for clients of the Anthropic-compatible ingress.
 * One instance per stream.
 *
 * <p>The first chunk opens the message ({@code message_start}). Content opens a text block, each new
 * tool call (a delta with an {@code id}) a {@code tool_use} block; a block is closed when another kind
 * begins. Argument fragments become {@code input_json_delta}s of their call's block. OpenAI gives the
 * finish reason before the usage chunk, so {@code message_delta} (stop reason, token counts) and
 * {@code message_stop} are sent by {@link #finish()}, when {@code [DONE]} arrives.
 *
 * <p>OpenAI reports usage only in its last chunk, after {@code message_start} has gone out, so
 * {@code message_start} carries the gateway's estimate of the prompt as {@code input_tokens} (what
 * admission reserved) rather than 0, and {@code message_delta} the upstream's own count when it gave
 * one, else the same estimate.
 */
public final class OpenAiToAnthropicStream {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String fallbackModel;
  private boolean started;
  private int nextBlock;
  private int openBlock = -1;
  private boolean openIsText;
  private final Map<Integer, Integer> blockByToolIndex = new HashMap<>();
  private String finishReason;
  private int inputTokens;
  private int outputTokens;

  /** @param fallbackModel the model named in {@code message_start} if the chunks name none */
  public OpenAiToAnthropicStream(String fallbackModel) {
    this(fallbackModel, 0);
  }

  /**
   * @param fallbackModel the model named in {@code message_start} if the chunks name none
   * @param promptEstimate the prompt tokens reported until the upstream reports its own count
   */
  public OpenAiToAnthropicStream(String fallbackModel, int promptEstimate) {
    this.fallbackModel = fallbackModel;
    this.inputTokens = Math.max(0, promptEstimate);
  }

  public List<StreamEvent> next(ChatCompletionChunk chunk) {
    List<StreamEvent> out = new ArrayList<>();
    if (!started) {
      started = true;
      String model = chunk.model() != null ? chunk.model() : fallbackModel;
      out.add(new StreamEvent.MessageStart(new Message(chunk.id(), Message.TYPE, "assistant", List.of(), model,
          null, null, MessageUsage.of(inputTokens, 0), null)));
    }
    if (chunk.usage() != null) {
      inputTokens = chunk.usage().promptTokens();
      outputTokens = chunk.usage().completionTokens();
    }
    if (chunk.choices() == null) return out;
    for (ChunkChoice choice : chunk.choices()) {
      if (choice.index() != 0) continue;
      if (choice.delta() != null) {
        String text = choice.delta().content();
        if (text != null && !text.isEmpty()) {
          if (openBlock < 0 || !openIsText) open(ContentBlock.text(""), true, out);
          out.add(new StreamEvent.ContentBlockDelta(openBlock, BlockDelta.text(text)));
        }
        if (choice.delta().toolCalls() != null) {
          for (JsonNode call : choice.delta().toolCalls()) toolDelta(call, out);
        }
      }
      if (choice.finishReason() != null) finishReason = choice.finishReason();
    }
    return out;
  }

  /** The closing events, once the OpenAI stream said {@code [DONE]}. */
  public List<StreamEvent> finish() {
    List<StreamEvent> out = new ArrayList<>();
    close(out);
    out.add(new StreamEvent.MessageDelta(StopInfo.of(OpenAiToAnthropicResponse.stopReason(finishReason), null),
        MessageUsage.of(inputTokens, outputTokens)));
    out.add(new StreamEvent.MessageStop());
    return out;
  }

  private void toolDelta(JsonNode call, List<StreamEvent> out) {
    int toolIndex = call.path("index").asInt(0);
    JsonNode function = call.path("function");
    if (call.hasNonNull("id") || !blockByToolIndex.containsKey(toolIndex)) {
      open(ContentBlock.toolUse(call.path("id").asText(), function.path("name").asText(), NODES.objectNode()),
          false, out);
      blockByToolIndex.put(toolIndex, openBlock);
    }
    String fragment = function.path("arguments").asText("");
    if (!fragment.isEmpty()) {
      out.add(new StreamEvent.ContentBlockDelta(blockByToolIndex.get(toolIndex), BlockDelta.inputJson(fragment)));
    }
  }

  private void open(ContentBlock block, boolean text, List<StreamEvent> out) {
    close(out);
    openBlock = nextBlock++;
    openIsText = text;
    out.add(new StreamEvent.ContentBlockStart(openBlock, block));
  }

  private void close(List<StreamEvent> out) {
    if (openBlock >= 0) out.add(new StreamEvent.ContentBlockStop(openBlock));
    openBlock = -1;
  }
}
