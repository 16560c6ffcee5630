package io.switchboard.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChunkChoice;
import io.switchboard.api.openai.Delta;
import io.switchboard.api.openai.Usage;
import java.util.List;

/**
 * Builds the OpenAI chunks of one translated stream, all sharing its id, model and creation time:
 * the role chunk, content and tool-call deltas, the finish chunk, and the trailing usage chunk with
 * {@code "choices": []}, in the order OpenAI sends them.
 */
public final class ChatChunks {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String id;
  private final String model;
  private final long created;

  public ChatChunks(String id, String model, long created) {
    this.id = id;
    this.model = model;
    this.created = created;
  }

  /** The first chunk: the assistant role and empty content, as OpenAI starts every stream. */
  public ChatCompletionChunk role() {
    return chunk(new Delta("assistant", "", null, null), null);
  }

  public ChatCompletionChunk content(String text) {
    return chunk(new Delta(null, text, null, null), null);
  }

  /** A tool call begins: its index among this answer's calls, its id and function name. */
  public ChatCompletionChunk toolCallStart(int index, String callId, String name, String arguments) {
    ObjectNode call = NODES.objectNode();
    call.put("index", index);
    call.put("id", callId);
    call.put("type", "function");
    ObjectNode function = call.putObject("function");
    function.put("name", name);
    function.put("arguments", arguments);
    return chunk(new Delta(null, null, List.of(call), null), null);
  }

  /** More of a tool call's arguments (a fragment of a JSON string). */
  public ChatCompletionChunk toolCallArguments(int index, String fragment) {
    ObjectNode call = NODES.objectNode();
    call.put("index", index);
    call.putObject("function").put("arguments", fragment);
    return chunk(new Delta(null, null, List.of(call), null), null);
  }

  public ChatCompletionChunk finish(String finishReason) {
    return chunk(new Delta(null, null, null, null), finishReason);
  }

  /** The usage-only chunk sent before {@code [DONE]} when the client set {@code include_usage}. */
  public ChatCompletionChunk usage(Usage usage) {
    return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, null, List.of(), usage, null);
  }

  private ChatCompletionChunk chunk(Delta delta, String finishReason) {
    JsonNode noLogprobs = NODES.nullNode();
    return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, null,
        List.of(new ChunkChoice(0, delta, finishReason, noLogprobs, null)), null, null);
  }
}
