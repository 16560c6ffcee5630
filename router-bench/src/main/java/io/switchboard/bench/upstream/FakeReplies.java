package io.switchboard.bench.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes the fake upstream answers with, in OpenAI's documented chat completions format: one
 * {@code chat.completion} object, or {@code chat.completion.chunk} events framed as server-sent events
 * ({@code data: {...}\n\n}) and closed by {@code data: [DONE]\n\n}. Pure, so the wire format is tested
 * without a socket.
 */
public final class FakeReplies {
  /** The last event of every stream. */
  public static final String DONE_EVENT = "data: [DONE]\n\n";

  private final String model;
  private final long created;

  public FakeReplies(String model, long createdEpochSeconds) {
    this.model = model;
    this.created = createdEpochSeconds;
  }

  /** A complete answer whose content holds {@code tokens} short words. */
  public byte[] completion(String id, int tokens) {
    String json = "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":" + created
        + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        + words(tokens) + "\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (tokens + 8) + "}}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Event {@code index} of a stream of {@code tokens} content chunks: the first also carries the
   * assistant role, the last the finish reason.
   */
  public byte[] chunkEvent(String id, int index, int tokens) {
    String delta = index == 0 ? "{\"role\":\"assistant\",\"content\":\"tok \"}" : "{\"content\":\"tok \"}";
    String finish = index == tokens - 1 ? "\"stop\"" : "null";
    String json = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
        + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}";
    return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Every event of a stream, {@code [DONE]} included, as a client would read them. */
  public List<byte[]> stream(String id, int tokens) {
    List<byte[]> events = new ArrayList<>(tokens + 1);
    for (int i = 0; i < tokens; i++) events.add(chunkEvent(id, i, tokens));
    events.add(DONE_EVENT.getBytes(StandardCharsets.UTF_8));
    return events;
  }

  private static String words(int tokens) {
    StringBuilder text = new StringBuilder(tokens * 4);
    for (int i = 0; i < tokens; i++) text.append(i == 0 ? "tok" : " tok");
    return text.toString();
  }
}
